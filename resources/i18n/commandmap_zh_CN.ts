<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
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
        <location filename="../../layers/rasters.py" line="+175"/>
        <source>Reachable within 5 min</source>
        <translation>5分钟内可达</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not reachable in 5 min</source>
        <translation>5分钟不可达</translation>
    </message>
</context>
<context>
    <name>HeatmapLayer</name>
    <message>
        <location line="-43"/>
        <source>Incident density (low → high)</source>
        <translation>事件密度（低→高）</translation>
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
</TS>
