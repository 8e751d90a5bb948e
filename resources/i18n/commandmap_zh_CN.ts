<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Access</name>
    <message>
        <location filename="../../commandmap/ui/access_guard.py" line="+30"/>
        <source>Export refused: the role {role} of {user} may not export data (the attempt is in the audit log).</source>
        <translation>导出被拒绝：{user} 的角色 {role} 无权导出数据（此次尝试已记入审计日志）。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not changed: the role {role} of {user} may not change shared settings (the attempt is in the audit log).</source>
        <translation>未更改：{user} 的角色 {role} 无权更改共享设置（此次尝试已记入审计日志）。</translation>
    </message>
</context>
<context>
    <name>AdminLayer</name>
    <message>
        <location filename="../../layers/admin.py" line="+31"/>
        <location line="+125"/>
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>{kind}: {name}</source>
        <translation>{kind}: {name}</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Town</source>
        <translation>镇街</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
</context>
<context>
    <name>Analysis</name>
    <message>
        <location filename="../../commandmap/ui/analysis.py" line="+55"/>
        <source>Charts</source>
        <translation>图表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heatmap window</source>
        <translation>热力图时段</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export data (GeoPackage, GeoJSON, CSV, HTML)…</source>
        <translation>导出数据（GeoPackage、GeoJSON、CSV、HTML）…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Analysis</source>
        <translation>分析</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Click the map to choose the point (Esc cancels)</source>
        <translation>点击地图选择位置（Esc 取消）</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+25"/>
        <source>Export data</source>
        <translation>导出数据</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>GeoPackage (*.gpkg);;GeoJSON (*.geojson);;CSV (*.csv);;Offline HTML map (*.html)</source>
        <translation>GeoPackage (*.gpkg);;GeoJSON (*.geojson);;CSV (*.csv);;离线 HTML 地图 (*.html)</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Unknown format: </source>
        <translation>不支持的格式：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Exporting </source>
        <translation>正在导出 </translation>
    </message>
</context>
<context>
    <name>AuditStatus</name>
    <message>
        <location filename="../../commandmap/ui/audit_status.py" line="+104"/>
        <source>Verify audit log</source>
        <translation>校验审计日志</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Check every row of the audit log against its keyed hash and the anchored head</source>
        <translation>逐条核对审计日志的密钥哈希及外部锚定的链头</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+10"/>
        <source>Audit log: cannot check</source>
        <translation>审计日志：无法校验</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>Audit log: checking…</source>
        <translation>审计日志：校验中…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Audit log OK ({n:,} rows)</source>
        <translation>审计日志完好（{n:,} 条）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Audit log BROKEN at row {row}</source>
        <translation>审计日志已被破坏：第 {row} 条</translation>
    </message>
</context>
<context>
    <name>BaseMapLayer</name>
    <message>
        <location filename="../../layers/basemap.py" line="+69"/>
        <source>Land</source>
        <translation>陆地</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Water</source>
        <translation>水系</translation>
    </message>
</context>
<context>
    <name>CandidatesDock</name>
    <message>
        <location filename="../../commandmap/ui/candidates_dock.py" line="+103"/>
        <source>Officer</source>
        <translation>队员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Badge</source>
        <translation>警号</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Mode</source>
        <translation>出行方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Road distance</source>
        <translation>路程</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Fix age</source>
        <translation>定位时长</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Why</source>
        <translation>说明</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Include other departments</source>
        <translation>包含其他部门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rank officers of every department, not only the competent ones</source>
        <translation>对所有部门的队员排序，而不仅是主管部门</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Not sent: {why}. Fresh candidates below.</source>
        <translation>未派出：{why}。已重新推荐如下。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No incident selected</source>
        <translation>未选择事件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · officer: {name}</source>
        <translation> · 处置队员：{name}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Finding the nearest officers…</source>
        <translation>正在查找最近的队员…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Nobody to send: no eligible officer can reach the scene</source>
        <translation>无人可派：没有符合条件的队员能到达现场</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{n} can arrive within {m:.0f} min · best {best}</source>
        <translation>{n} 人可在 {m:.0f} 分钟内到达 · 最快 {best}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Nobody can arrive within {m:.0f} min · best {best}</source>
        <translation>无人能在 {m:.0f} 分钟内到达 · 最快 {best}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Left out: {reasons}</source>
        <translation>未纳入：{reasons}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>straight-line estimate</source>
        <translation>直线估算</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fastest by road</source>
        <translation>道路最快</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{s} slower than #1</source>
        <translation>比第1名慢 {s}</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Reassign to #{n}  (Enter)</source>
        <translation>改派给第{n}名（回车）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Dispatch #{n}  (Enter)</source>
        <translation>派第{n}名（回车）</translation>
    </message>
</context>
<context>
    <name>ChartsPanel</name>
    <message>
        <location filename="../../commandmap/ui/charts_dock.py" line="+54"/>
        <source>All districts</source>
        <translation>全部区县</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reported → dispatched</source>
        <translation>上报 → 派单</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dispatched → acknowledged (1 min)</source>
        <translation>派单 → 签收（1 分钟）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dispatched → arrived (5 min)</source>
        <translation>派单 → 到场（5 分钟）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Response time</source>
        <translation>响应时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLA compliance by district</source>
        <translation>各区县时限达标率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLA compliance by hour of day</source>
        <translation>各时段时限达标率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Officer utilisation by department</source>
        <translation>各部门队员利用率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location line="+91"/>
        <source>CommandMap charts</source>
        <translation>指挥一张图 · 统计图表</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Export charts</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG image (*.png);;PDF page (*.pdf);;CSV figures (*.csv)</source>
        <translation>PNG 图片 (*.png);;PDF 页面 (*.pdf);;CSV 数据 (*.csv)</translation>
    </message>
</context>
<context>
    <name>CityImportDialog</name>
    <message>
        <location filename="../../commandmap/ui/city_import_dialog.py" line="+69"/>
        <source>Import a city</source>
        <translation>导入城市</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>city.toml: boundaries, roads, roster and site registry</source>
        <translation>city.toml：行政区划、道路、队员名册和执法对象名录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replace the demo city</source>
        <translation>替换演示城市</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip rejected rows</source>
        <translation>跳过被拒绝的行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Check only</source>
        <translation>仅检查</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nothing is written unless every row passes (or rejected rows are skipped). Officers and roads change on every seat at once; restart the app to see new boundaries and sites.</source>
        <translation>只有全部记录通过校验（或选择跳过被拒记录）才会写入。人员和路网会立即在所有席位生效；新的边界和监管对象需重启程序后显示。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>City definition</source>
        <translation>城市定义文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>City definition (*.toml)</source>
        <translation>城市定义文件 (*.toml)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose a city.toml first</source>
        <translation>请先选择 city.toml</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Checking {path}…</source>
        <translation>正在检查 {path}…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Importing {path}…</source>
        <translation>正在导入 {path}…</translation>
    </message>
</context>
<context>
    <name>Clock</name>
    <message>
        <location filename="../../layers/decorations.py" line="+22"/>
        <source>Mon</source>
        <translation>星期一</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tue</source>
        <translation>星期二</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Wed</source>
        <translation>星期三</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Thu</source>
        <translation>星期四</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Fri</source>
        <translation>星期五</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sat</source>
        <translation>星期六</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sun</source>
        <translation>星期日</translation>
    </message>
    <message>
        <location line="+100"/>
        <source>{weekday} {t:%d %b %Y} · Beijing</source>
        <translation>{t:%Y-%m-%d} {weekday} 北京时间</translation>
    </message>
</context>
<context>
    <name>CoverageLayer</name>
    <message>
        <location filename="../../layers/rasters.py" line="+225"/>
        <source>Reachable within 5 min</source>
        <translation>5分钟内可达</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not reachable in 5 min</source>
        <translation>5分钟不可达</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move-up: officer → where, +sites gained</source>
        <translation>前置调度：执法员 → 目标点，+新增覆盖对象</translation>
    </message>
</context>
<context>
    <name>CoverageOverlay</name>
    <message>
        <location filename="../../commandmap/ui/coverage_overlay.py" line="+113"/>
        <source>No move-up to send: show the coverage layer and wait for its suggestions</source>
        <translation>暂无可发送的前置调度：请打开覆盖图层并等待建议</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Move-up failed: {error}</source>
        <translation>前置调度失败：{error}</translation>
    </message>
</context>
<context>
    <name>DispatchController</name>
    <message>
        <location filename="../../commandmap/ui/dispatch_controller.py" line="+340"/>
        <source>This seat is read-only</source>
        <translation>本席位只读</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Select an incident first</source>
        <translation>请先选择事件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nobody to send yet: wait for the candidates</source>
        <translation>尚无可派队员：请等待推荐结果</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{code} already has an officer ({name}): choose a candidate with 1–5 to reassign it</source>
        <translation>{code} 已有处置队员（{name}）：如需改派，请先按 1–5 选择队员</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{name} ({badge}) sent to {code}, ETA {eta}</source>
        <translation>已派 {name}（{badge}）前往 {code}，预计 {eta} 到达</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>{code} has no officer yet: dispatch first</source>
        <translation>{code} 尚未派员：请先派单</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <location filename="../../commandmap/ui/export_task.py" line="+29"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>HeatmapLayer</name>
    <message>
        <location filename="../../layers/rasters.py" line="-89"/>
        <source>Incident density (low → high)</source>
        <translation>事件密度（低→高）</translation>
    </message>
</context>
<context>
    <name>HeatmapPanel</name>
    <message>
        <location filename="../../commandmap/ui/heatmap_panel.py" line="+33"/>
        <source>Show incidents of a time window</source>
        <translation>显示某时段的事件</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Ends (hours ago)</source>
        <translation>结束于（小时前）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Length (hours)</source>
        <translation>时长（小时）</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>{a} – {b}: {n} incidents · kernel {bw:.0f} m on a {cell:.0f} m grid</source>
        <translation>{a} – {b}：{n} 起事件 · 核带宽 {bw:.0f} 米，网格 {cell:.0f} 米</translation>
    </message>
</context>
<context>
    <name>IncidentLayer</name>
    <message>
        <location filename="../../layers/incidents.py" line="+36"/>
        <source>new</source>
        <translation>待派</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>dispatched</source>
        <translation>已派</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>en route</source>
        <translation>在途</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>on scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>resolved</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>high</source>
        <translation>重要</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>low</source>
        <translation>较低</translation>
    </message>
    <message>
        <location line="+160"/>
        <source>Dispatched (hollow)</source>
        <translation>已派单（空心）</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Age ring (full = overdue)</source>
        <translation>时长环（满环=超时）</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Age</source>
        <translation>已过</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{min} min {s:02d} s</source>
        <translation>{min}分{s:02d}秒</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Incident {code}</source>
        <translation>事件 {code}</translation>
    </message>
</context>
<context>
    <name>KpiTiles</name>
    <message>
        <location filename="../../commandmap/ui/kpi_strip.py" line="+78"/>
        <source>Open P1</source>
        <translation>在办P1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open P2</source>
        <translation>在办P2</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open P3</source>
        <translation>在办P3</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open P4</source>
        <translation>在办P4</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Overdue P1</source>
        <translation>超时P1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Available officers</source>
        <translation>空闲队员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1-min contact (target {t:.0%})</source>
        <translation>1分钟联络率（目标 {t:.0%}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>5-min arrival (target {t:.0%})</source>
        <translation>5分钟到达率（目标 {t:.0%}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Median to dispatch</source>
        <translation>派单时长中位数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Median to arrival</source>
        <translation>到达时长中位数</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../commandmap/ui/labels.py" line="+17"/>
        <source>new</source>
        <translation>待派</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+30"/>
        <source>dispatched</source>
        <translation>已派单</translation>
    </message>
    <message>
        <location line="-29"/>
        <location line="+31"/>
        <source>acknowledged</source>
        <translation>已接单</translation>
    </message>
    <message>
        <location line="-31"/>
        <source>en route</source>
        <translation>在途</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>on scene</source>
        <translation>到场处置</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+33"/>
        <source>resolved</source>
        <translation>已处置</translation>
    </message>
    <message>
        <location line="-32"/>
        <location line="+36"/>
        <source>closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location line="-36"/>
        <location line="+35"/>
        <source>cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location line="-34"/>
        <source>available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+13"/>
        <source>off duty</source>
        <translation>下班</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+31"/>
        <source>reassigned</source>
        <translation>已改派</translation>
    </message>
    <message>
        <location line="-28"/>
        <source>grid whistle</source>
        <translation>网格吹哨</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>patrol</source>
        <translation>巡查发现</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>remote monitoring</source>
        <translation>非现场监控</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>public report</source>
        <translation>群众举报</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>on foot</source>
        <translation>步行</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>e-bike</source>
        <translation>电动车</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>car</source>
        <translation>汽车</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>other department</source>
        <translation>非主管部门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no position</source>
        <translation>无定位</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>position too old</source>
        <translation>定位过期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no road to the scene</source>
        <translation>无道路可达</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>away from any road</source>
        <translation>不在道路附近</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too far</source>
        <translation>太远</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>travel mode not routable</source>
        <translation>出行方式无路可走</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>scene away from any road</source>
        <translation>现场不在道路附近</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>scene has no valid location</source>
        <translation>现场位置无效</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>joint inspection</source>
        <translation>综合查一次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>move-up</source>
        <translation>前置调度</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>moved up</source>
        <translation>已前置调度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>on the way</source>
        <translation>出发</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>arrived</source>
        <translation>到达</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>reported</source>
        <translation>上报</translation>
    </message>
</context>
<context>
    <name>Layer</name>
    <message>
        <location filename="../../layers/admin.py" line="-23"/>
        <source>Districts</source>
        <translation>区县界</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Towns</source>
        <translation>镇街界</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../layers/base.py" line="+86"/>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../layers/basemap.py" line="-48"/>
        <source>Basemap (land, water)</source>
        <translation>底图（陆地/水系）</translation>
    </message>
    <message>
        <location filename="../../layers/incidents.py" line="-191"/>
        <source>Incidents</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../layers/officers.py" line="+75"/>
        <source>Officers</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location filename="../../layers/rasters.py" line="-39"/>
        <source>Incident heatmap</source>
        <translation>事件热力图</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>5-minute coverage</source>
        <translation>5分钟覆盖</translation>
    </message>
    <message>
        <location filename="../../layers/roads.py" line="+49"/>
        <source>Roads</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../layers/routes.py" line="+40"/>
        <source>Routes</source>
        <translation>派单路线</translation>
    </message>
    <message>
        <location filename="../../layers/selection.py" line="+18"/>
        <source>Selection</source>
        <translation>选中</translation>
    </message>
    <message>
        <location filename="../../layers/sites.py" line="+44"/>
        <source>Regulated sites</source>
        <translation>执法对象</translation>
    </message>
</context>
<context>
    <name>LayerPanel</name>
    <message>
        <location filename="../../commandmap/ui/layer_panel.py" line="+70"/>
        <source>Tick to show, untick to hide</source>
        <translation>勾选显示，取消隐藏</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../commandmap/ui/login_dialog.py" line="+73"/>
        <source>CommandMap · log in</source>
        <translation>CommandMap · 登录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log in to seat {seat}</source>
        <translation>登录席位 {seat}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;User name</source>
        <translation>用户名(&amp;U)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Password</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Enter your user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>This account is locked after repeated failed logins: ask an administrator to unlock it.</source>
        <translation>该账户因多次登录失败已被锁定：请联系管理员解锁。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wrong user name or password. After {n} wrong passwords in a row the account is locked.</source>
        <translation>用户名或密码错误。连续输错 {n} 次密码后账户将被锁定。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../commandmap/ui/main_window.py" line="+255"/>
        <source>CommandMap · dispatch workstation</source>
        <translation>指挥一张图 · 调度席</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Dispatch the chosen officer</source>
        <translation>派出选中队员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Acknowledge (officer contacted)</source>
        <translation>确认接单（已联络队员）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolve</source>
        <translation>处置完毕</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cancel incident</source>
        <translation>撤销事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New incident (then click the map)</source>
        <translation>新建事件（再点击地图）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Whole city</source>
        <translation>全市</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wall theme</source>
        <translation>大屏主题</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+447"/>
        <source>Export map</source>
        <translation>导出地图</translation>
    </message>
    <message>
        <location line="-447"/>
        <source>Reset layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Import city…</source>
        <translation>导入城市…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Simulated dispatcher on</source>
        <translation>模拟调度员派单</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send the best move-up (coverage layer)</source>
        <translation>发送最优前置调度（覆盖图层）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Joint inspection plans…</source>
        <translation>综合查一次计划…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose candidate {n}</source>
        <translation>选择第{n}名</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Joint inspection plans (综合查一次): list the saved plans and dispatch one; its route shows on the map while it runs (Ctrl+J)</source>
        <translation>综合查一次计划：查看已保存的计划并派发；执行期间地图显示其路线（Ctrl+J）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>On: a simulated dispatcher sends officers (a showcase). Off: incidents keep arriving and officers keep moving, but the queue is yours.</source>
        <translation>开：由模拟调度员派单（演示用）。关：事件照常上报、队员照常移动，但队列由您处理。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Incident queue</source>
        <translation>事件队列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Candidates</source>
        <translation>推荐队员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Officers</source>
        <translation>队员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Incident</source>
        <translation>事件(&amp;I)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Simulation</source>
        <translation>模拟(&amp;S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Panels</source>
        <translation>面板</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key figures</source>
        <translation>关键指标</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{user} ({role}) · seat {seat}</source>
        <translation>{user}（{role}）· 席位 {seat}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Seat: {seat}</source>
        <translation>席位：{seat}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Click the map to pick an officer, incident or site</source>
        <translation>点击地图选择队员、事件或执法对象</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Live data: not connected</source>
        <translation>实时数据：未连接</translation>
    </message>
    <message>
        <location line="+139"/>
        <source>Live · officers {n:,} ({stale:,} stale) · incidents {i:,}</source>
        <translation>实时 · 队员 {n:,}（定位过期 {stale:,}）· 事件 {i:,}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Live data interrupted: </source>
        <translation>实时数据中断：</translation>
    </message>
    <message>
        <location line="+104"/>
        <source>New incident cancelled</source>
        <translation>已取消新建事件</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Click the map where the incident is (Esc cancels)</source>
        <translation>请在地图上点击事件位置（Esc 取消）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>{code} created</source>
        <translation>已创建 {code}</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>New incident here</source>
        <translation>在此新建事件</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>New P1: {codes}</source>
        <translation>新P1事件：{codes}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>{m:.0f}-min coverage: sites {s:.1%} · grids {g:.1%} · population {p:.1%}</source>
        <translation>{m:.0f}分钟覆盖：执法对象 {s:.1%} · 网格 {g:.1%} · 人口 {p:.1%}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · move-ups {gains} (M sends the best)</source>
        <translation> · 前置调度 {gains}（按 M 发送最优）</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Scale 1:{n:,}</source>
        <translation>比例尺 1:{n:,}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Nothing selected</source>
        <translation>未选择</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>PNG image (*.png);;PDF vector (*.pdf)</source>
        <translation>PNG 图片 (*.png);;PDF 矢量 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>NewIncidentDialog</name>
    <message>
        <location filename="../../commandmap/ui/incident_dialog.py" line="+67"/>
        <source>New incident</source>
        <translation>新建事件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What the caller said, landmarks, phone number…</source>
        <translation>来电内容、地标、联系电话…</translation>
    </message>
</context>
<context>
    <name>OfficerLayer</name>
    <message>
        <location filename="../../layers/officers.py" line="-43"/>
        <source>Off duty</source>
        <translation>休息</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dispatched</source>
        <translation>已派单</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>En route</source>
        <translation>在途</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On scene</source>
        <translation>到场处置</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>no fix</source>
        <translation>无定位</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{s} s</source>
        <translation>{s}秒</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{min} min</source>
        <translation>{min}分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{h} h</source>
        <translation>{h}时</translation>
    </message>
    <message>
        <location line="+182"/>
        <source>Stale fix (age shown)</source>
        <translation>定位过期（显示时长）</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fix age</source>
        <translation>定位时长</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Note</source>
        <translation>注意</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>position stale</source>
        <translation>定位过期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Officer {badge}</source>
        <translation>队员 {badge}</translation>
    </message>
</context>
<context>
    <name>PlansDialog</name>
    <message>
        <location filename="../../commandmap/ui/plans_dialog.py" line="+104"/>
        <source>Joint inspection plans</source>
        <translation>综合查一次计划</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Saved 综合查一次 plans. Dispatch sends the whole team to the first site; each member&apos;s &apos;resolved&apos; moves them on to the next site until the last.</source>
        <translation>已保存的综合查一次计划。派发后全组前往第一站；每名队员“处置完毕”后自动前往下一站，直至最后一站。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sites</source>
        <translation>站点</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Team</source>
        <translation>检查组</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visits avoided</source>
        <translation>减少扰企次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dispatch plan</source>
        <translation>派发计划</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send the selected plan&apos;s whole team to its first site (all or none)</source>
        <translation>将所选计划的全组人员派往第一站（全部派出或一个不派）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Planned</source>
        <translation>待派发</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Under way</source>
        <translation>执行中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Plans could not be read: {error}</source>
        <translation>无法读取计划：{error}</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>{done}/{n} done</source>
        <translation>已完成 {done}/{n}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{n}: {ids}</source>
        <translation>{n} 人：{ids}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Plan {id}: sites {sites}</source>
        <translation>计划 {id}：站点 {sites}</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Your role may not dispatch</source>
        <translation>您的角色无派发权限</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Sending plan {id}…</source>
        <translation>正在派发计划 {id}…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Plan dispatched: {message}</source>
        <translation>计划已派发：{message}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not sent, nobody was moved:
{lines}</source>
        <translation>未派发，无人被调动：
{lines}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not sent: {message}</source>
        <translation>未派发：{message}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Plan not sent: {error}</source>
        <translation>计划派发失败：{error}</translation>
    </message>
</context>
<context>
    <name>QueueDock</name>
    <message>
        <location filename="../../commandmap/ui/queue_dock.py" line="+309"/>
        <source>All priorities</source>
        <translation>全部优先级</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All districts</source>
        <translation>全部区县</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All towns</source>
        <translation>全部镇街</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All grids</source>
        <translation>全部网格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All whistles</source>
        <translation>全部吹哨</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All sources</source>
        <translation>全部来源</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Whistle: town team</source>
        <translation>吹哨：镇街报到中</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Whistle: escalated to district</source>
        <translation>吹哨：已升级至区</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>{shown} of {total} open incidents</source>
        <translation>在办事件 {total} 件，显示 {shown} 件</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <location line="-309"/>
        <source>Code</source>
        <translation>编号</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Pri.</source>
        <translation>级别</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>District › town › grid</source>
        <translation>区县 › 镇街 › 网格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Age</source>
        <translation>已等待</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SLA</source>
        <translation>时限</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Whistle</source>
        <translation>吹哨</translation>
    </message>
    <message>
        <location line="+136"/>
        <location line="+10"/>
        <source>⚠ District</source>
        <translation>⚠ 区级</translation>
    </message>
    <message>
        <location line="-6"/>
        <location line="+6"/>
        <source>✓ Town accepted</source>
        <translation>✓ 镇街已接</translation>
    </message>
    <message>
        <location line="-5"/>
        <location line="+6"/>
        <source>🔔 Town {left}</source>
        <translation>🔔 镇街 {left}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Grid whistle escalated to the district command centre: {reason}</source>
        <translation>网格吹哨已升级至区指挥中心：{reason}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no reason recorded</source>
        <translation>未记录原因</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Grid whistle accepted by the town team ({town})</source>
        <translation>网格吹哨已由镇街队伍（{town}）接收</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Grid whistle with the town team ({town}): {left} left to accept before it escalates to the district</source>
        <translation>网格吹哨待镇街队伍（{town}）接收：剩余 {left}，超时将升级至区</translation>
    </message>
</context>
<context>
    <name>ReplayPanel</name>
    <message>
        <location filename="../../commandmap/ui/replay_dock.py" line="+56"/>
        <source>Load</source>
        <translation>载入</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+94"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location line="-86"/>
        <source>Back to live</source>
        <translation>返回实时</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>follow badge</source>
        <translation>跟随警号</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Who was within R of the point</source>
        <translation>该点半径 R 内有谁</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pick on map</source>
        <translation>在地图上选点</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Click the map to choose the point (Esc cancels)</source>
        <translation>点击地图选择位置（Esc 取消）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Point: the map centre</source>
        <translation>位置：地图中心</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Incident / officer</source>
        <translation>事件 / 队员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sent</source>
        <translation>已派</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Point: picked on the map</source>
        <translation>位置：地图上所选点</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>nobody</source>
        <translation>无人</translation>
    </message>
</context>
<context>
    <name>RoadLayer</name>
    <message>
        <location filename="../../layers/roads.py" line="-18"/>
        <source>Motorway</source>
        <translation>高速公路</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Trunk</source>
        <translation>快速路/国道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Primary</source>
        <translation>主干道</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Secondary</source>
        <translation>次干道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tertiary</source>
        <translation>支路</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Residential</source>
        <translation>街巷</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Service</source>
        <translation>内部道路</translation>
    </message>
</context>
<context>
    <name>RosterDock</name>
    <message>
        <location filename="../../commandmap/ui/roster_dock.py" line="+167"/>
        <source>Find an officer: name, badge or department</source>
        <translation>查找队员：姓名、警号或部门</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>{shown} shown · {available} available · {busy} on tasks · {off} off duty</source>
        <translation>显示 {shown} · 空闲 {available} · 执行任务 {busy} · 下班 {off}</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <location line="-153"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Badge</source>
        <translation>警号</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fix age</source>
        <translation>定位时长</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Mode</source>
        <translation>出行方式</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Phone</source>
        <translation>手机</translation>
    </message>
    <message>
        <location line="+58"/>
        <source> · stale</source>
        <translation> · 定位过期</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>no fix</source>
        <translation>无定位</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>MOCK location</source>
        <translation>模拟定位</translation>
    </message>
</context>
<context>
    <name>RouteLayer</name>
    <message>
        <location filename="../../layers/routes.py" line="-7"/>
        <source>unreachable</source>
        <translation>不可达</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ETA {m}:{s:02d}</source>
        <translation>约{m}分{s:02d}秒</translation>
    </message>
    <message>
        <location line="+105"/>
        <source>Dispatched route</source>
        <translation>已派单路线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Candidate preview</source>
        <translation>候选路线预览</translation>
    </message>
</context>
<context>
    <name>SearchPopup</name>
    <message>
        <location filename="../../commandmap/ui/search_popup.py" line="+41"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Incident code, officer name or badge, site name or address</source>
        <translation>事件编号、队员姓名或警号、执法对象名称或地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enter: zoom to the first result · ↓: choose another · Esc: close</source>
        <translation>回车：定位到第一条 · ↓：选择其他 · Esc：关闭</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Officer</source>
        <translation>队员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Site</source>
        <translation>执法对象</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <location filename="../../commandmap/ui/session.py" line="+62"/>
        <source>Cannot start</source>
        <translation>无法启动</translation>
    </message>
</context>
<context>
    <name>SiteLayer</name>
    <message>
        <location filename="../../layers/sites.py" line="+138"/>
        <source>Cluster (count)</source>
        <translation>聚合（数量）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>High risk (red frame)</source>
        <translation>高风险（红框）</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Site: {name}</source>
        <translation>执法对象: {name}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Risk level</source>
        <translation>风险等级</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>{n} sites (click to zoom in)</source>
        <translation>{n} 个执法对象（点击放大）</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <location filename="../../commandmap/ui/progress.py" line="+15"/>
        <source>districts</source>
        <translation>区县</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>towns</source>
        <translation>镇街</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>roads</source>
        <translation>道路</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>road graph</source>
        <translation>路网</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>streets</source>
        <translation>街道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>officers</source>
        <translation>执法队员</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>regulated sites</source>
        <translation>执法对象</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>incidents</source>
        <translation>事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>writing to the store</source>
        <translation>写入数据库</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>opening the store</source>
        <translation>打开数据库</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loading the map</source>
        <translation>加载地图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loading live data</source>
        <translation>加载实时数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>starting the simulator</source>
        <translation>启动模拟</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Opening CommandMap… (the first start builds the Ningbo demo city, about a minute)</source>
        <translation>正在打开指挥一张图…（首次启动将生成宁波演示城市，约需一分钟）</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>CommandMap</source>
        <translation>指挥一张图</translation>
    </message>
</context>
<context>
    <name>TimelineDock</name>
    <message>
        <location filename="../../commandmap/ui/timeline_dock.py" line="+53"/>
        <source> · ETA {eta}</source>
        <translation> · 预计 {eta}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> on the phone after {took}</source>
        <translation>（手机端，派单后 {took}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> on the phone</source>
        <translation>（手机端）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>by {seat}</source>
        <translation>席位 {seat}</translation>
    </message>
</context>
<context>
    <name>WallCharts</name>
    <message>
        <location filename="../../commandmap/ui/wall_charts.py" line="+96"/>
        <source>Response times today</source>
        <translation>今日响应时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Arrived within 5 min, % by hour</source>
        <translation>5 分钟到场率（%，按小时）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Send</source>
        <translation>派单</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Contact</source>
        <translation>签收</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Arrive</source>
        <translation>到场</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Arrive p90 &lt;b&gt;{p90}&lt;/b&gt; min · within 5 min &lt;b&gt;{share}&lt;/b&gt; · {n} arrivals</source>
        <translation>到场 p90 &lt;b&gt;{p90}&lt;/b&gt; 分钟 · 5 分钟内 &lt;b&gt;{share}&lt;/b&gt; · 到场 {n} 次</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No arrivals yet today</source>
        <translation>今日尚无到场</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../commandmap/ui/wall.py" line="+164"/>
        <source>CommandMap · video wall</source>
        <translation>指挥一张图 · 大屏</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Integrated enforcement command</source>
        <translation>综合行政执法指挥</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open incidents by district</source>
        <translation>各区县在办事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latest dispatches and arrivals</source>
        <translation>最新派单与到达</translation>
    </message>
    <message>
        <location line="+103"/>
        <source>Joint inspections today &lt;b&gt;{j}&lt;/b&gt; · visits spared &lt;b&gt;{v}&lt;/b&gt;</source>
        <translation>今日综合查一次 &lt;b&gt;{j}&lt;/b&gt; · 减少扰企 &lt;b&gt;{v}&lt;/b&gt; 次</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cross-department rate &lt;b&gt;{r}&lt;/b&gt; · escalated whistles &lt;b&gt;{e}&lt;/b&gt;</source>
        <translation>跨部门检查率 &lt;b&gt;{r}&lt;/b&gt; · 吹哨升级 &lt;b&gt;{e}&lt;/b&gt;</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>none open</source>
        <translation>暂无在办事件</translation>
    </message>
</context>
</TS>
