"""Chinese for the joint inspection plans dialog (综合查一次) and its workstation action."""

ZH = {
    ("MainWindow", "Joint inspection plans…"): "综合查一次计划…",
    ("MainWindow", "Joint inspection plans (综合查一次): list the saved plans and dispatch one; its route shows on "
                   "the map while it runs (Ctrl+J)"):
        "综合查一次计划：查看已保存的计划并派发；执行期间地图显示其路线（Ctrl+J）",
    ("PlansDialog", "Joint inspection plans"): "综合查一次计划",
    ("PlansDialog", "Saved 综合查一次 plans. Dispatch sends the whole team to the first site; each member's "
                    "'resolved' moves them on to the next site until the last."):
        "已保存的综合查一次计划。派发后全组前往第一站；每名队员“处置完毕”后自动前往下一站，直至最后一站。",
    ("PlansDialog", "Plan"): "计划",
    ("PlansDialog", "Status"): "状态",
    ("PlansDialog", "Sites"): "站点",
    ("PlansDialog", "Team"): "检查组",
    ("PlansDialog", "Visits avoided"): "减少扰企次数",
    ("PlansDialog", "Dispatch plan"): "派发计划",
    ("PlansDialog", "Send the selected plan's whole team to its first site (all or none)"):
        "将所选计划的全组人员派往第一站（全部派出或一个不派）",
    ("PlansDialog", "Refresh"): "刷新",
    ("PlansDialog", "Planned"): "待派发",
    ("PlansDialog", "Under way"): "执行中",
    ("PlansDialog", "Done"): "已完成",
    ("PlansDialog", "Plans could not be read: {error}"): "无法读取计划：{error}",
    ("PlansDialog", "{done}/{n} done"): "已完成 {done}/{n}",
    ("PlansDialog", "{n}: {ids}"): "{n} 人：{ids}",
    ("PlansDialog", "Plan {id}: sites {sites}"): "计划 {id}：站点 {sites}",
    ("PlansDialog", "Your role may not dispatch"): "您的角色无派发权限",
    ("PlansDialog", "Sending plan {id}…"): "正在派发计划 {id}…",
    ("PlansDialog", "Plan dispatched: {message}"): "计划已派发：{message}",
    ("PlansDialog", "Not sent, nobody was moved:\n{lines}"): "未派发，无人被调动：\n{lines}",
    ("PlansDialog", "Not sent: {message}"): "未派发：{message}",
    ("PlansDialog", "Plan not sent: {error}"): "计划派发失败：{error}",
}
