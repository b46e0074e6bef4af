"""Chinese for the stats-perf branch: the maps' notes when a layer is capped."""

ZH = {
    "The heat map draws the %(n)s densest cells only.": "热力图仅绘制事件最密集的 %(n)s 个网格单元。",
    "The map shows the newest %(n)s open events only.": "地图仅显示最新的 %(n)s 件在办事件。",
}
