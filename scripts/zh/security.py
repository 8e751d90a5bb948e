"""Simplified Chinese for the login dialog, the audit-chain indicator and permission refusals (issue 12)."""

ZH = {
    ("Access", "Export refused: the role {role} of {user} may not export data (the attempt is in the audit log)."):
        "导出被拒绝：{user} 的角色 {role} 无权导出数据（此次尝试已记入审计日志）。",
    ("Access", "Not changed: the role {role} of {user} may not change shared settings (the attempt is in the audit log)."):
        "未更改：{user} 的角色 {role} 无权更改共享设置（此次尝试已记入审计日志）。",
    ("AuditStatus", "Verify audit log"): "校验审计日志",
    ("AuditStatus", "Check every row of the audit log against its keyed hash and the anchored head"):
        "逐条核对审计日志的密钥哈希及外部锚定的链头",
    ("AuditStatus", "Audit log: cannot check"): "审计日志：无法校验",
    ("AuditStatus", "Audit log: checking…"): "审计日志：校验中…",
    ("AuditStatus", "Audit log OK ({n:,} rows)"): "审计日志完好（{n:,} 条）",
    ("AuditStatus", "Audit log BROKEN at row {row}"): "审计日志已被破坏：第 {row} 条",
    ("LoginDialog", "CommandMap · log in"): "CommandMap · 登录",
    ("LoginDialog", "Log in to seat {seat}"): "登录席位 {seat}",
    ("LoginDialog", "&User name"): "用户名(&U)",
    ("LoginDialog", "&Password"): "密码(&P)",
    ("LoginDialog", "Log in"): "登录",
    ("LoginDialog", "Quit"): "退出",
    ("LoginDialog", "Enter your user name."): "请输入用户名。",
    ("LoginDialog", "This account is locked after repeated failed logins: ask an administrator to unlock it."):
        "该账户因多次登录失败已被锁定：请联系管理员解锁。",
    ("LoginDialog", "Wrong user name or password. After {n} wrong passwords in a row the account is locked."):
        "用户名或密码错误。连续输错 {n} 次密码后账户将被锁定。",
    ("MainWindow", "{user} ({role}) · seat {seat}"): "{user}（{role}）· 席位 {seat}",
}
