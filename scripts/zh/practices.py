"""Chinese for the practices' workstation strings (whistle badges, queue filters, move-ups)."""

ZH = {
    ("CoverageLayer", "Move-up: officer → where, +sites gained"): "前置调度：执法员 → 目标点，+新增覆盖对象",
    ("CoverageOverlay", "No move-up to send: show the coverage layer and wait for its suggestions"):
        "暂无可发送的前置调度：请打开覆盖图层并等待建议",
    ("CoverageOverlay", "Move-up failed: {error}"): "前置调度失败：{error}",
    ("MainWindow", "Send the best move-up (coverage layer)"): "发送最优前置调度（覆盖图层）",
    ("MainWindow", " · move-ups {gains} (M sends the best)"): " · 前置调度 {gains}（按 M 发送最优）",
    ("QueueDock", "All grids"): "全部网格",
    ("QueueDock", "All whistles"): "全部吹哨",
    ("QueueDock", "Whistle: town team"): "吹哨：镇街报到中",
    ("QueueDock", "Whistle: escalated to district"): "吹哨：已升级至区",
    ("QueueModel", "Whistle"): "吹哨",
    ("QueueModel", "⚠ District"): "⚠ 区级",
    ("QueueModel", "✓ Town accepted"): "✓ 镇街已接",
    ("QueueModel", "🔔 Town {left}"): "🔔 镇街 {left}",
    ("QueueModel", "Grid whistle escalated to the district command centre: {reason}"):
        "网格吹哨已升级至区指挥中心：{reason}",
    ("QueueModel", "no reason recorded"): "未记录原因",
    ("QueueModel", "Grid whistle accepted by the town team ({town})"): "网格吹哨已由镇街队伍（{town}）接收",
    ("QueueModel", "Grid whistle with the town team ({town}): {left} left to accept before it escalates to the district"):
        "网格吹哨待镇街队伍（{town}）接收：剩余 {left}，超时将升级至区",
}

ZH.update({
    ("Labels", "joint inspection"): "综合查一次",
    ("Labels", "move-up"): "前置调度",
    ("Labels", "moved up"): "已前置调度",
})
