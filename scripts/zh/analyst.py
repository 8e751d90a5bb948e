"""Simplified Chinese for the analyst tools (map point picker, chart export, wall chart tiles)."""

ZH = {
    ("Analysis", "Click the map to choose the point (Esc cancels)"): "点击地图选择位置（Esc 取消）",
    ("ChartsPanel", "CommandMap charts"): "指挥一张图 · 统计图表",
    ("ChartsPanel", "Export…"): "导出…",
    ("ChartsPanel", "Export charts"): "导出图表",
    ("ChartsPanel", "PNG image (*.png);;PDF page (*.pdf);;CSV figures (*.csv)"):
        "PNG 图片 (*.png);;PDF 页面 (*.pdf);;CSV 数据 (*.csv)",
    ("ReplayPanel", "Who was within R of the point"): "该点半径 R 内有谁",
    ("ReplayPanel", "Pick on map"): "在地图上选点",
    ("ReplayPanel", "Click the map to choose the point (Esc cancels)"): "点击地图选择位置（Esc 取消）",
    ("ReplayPanel", "Point: the map centre"): "位置：地图中心",
    ("ReplayPanel", "Point: picked on the map"): "位置：地图上所选点",
    ("WallCharts", "Response times today"): "今日响应时间",
    ("WallCharts", "Arrived within 5 min, % by hour"): "5 分钟到场率（%，按小时）",
    ("WallCharts", "minutes"): "分钟",
    ("WallCharts", "Send"): "派单",
    ("WallCharts", "Contact"): "签收",
    ("WallCharts", "Arrive"): "到场",
    ("WallCharts", "Arrive p90 <b>{p90}</b> min · within 5 min <b>{share}</b> · {n} arrivals"):
        "到场 p90 <b>{p90}</b> 分钟 · 5 分钟内 <b>{share}</b> · 到场 {n} 次",
    ("WallCharts", "No arrivals yet today"): "今日尚无到场",
}
