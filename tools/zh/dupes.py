ZH = {
    "An event cannot be kept apart from itself.": "事件不能与自身区分。",
    "You may not decide on duplicates of event %(code)s.": "您无权处理事件 %(code)s 的重复件。",
    "merged as a duplicate": "已作为重复件合并",
    "kept-apart pair": "非重复事件对",
    "kept-apart pairs": "非重复事件对",
    "Your report %(t)s duplicates %(code)s %(title)s; follow it there.": (
        "您上报的“%(t)s”与 %(code)s “%(title)s”重复，已合并，请在该事件查看办理进度。"
    ),
    "Kept apart from %(code)s.": "已确认与 %(code)s 不重复。",
    "Possible duplicates": "疑似重复件",
    "Open events nearby and recent, of the same kind, with similar words. Merge this report "
    "into the one it repeats, or keep them apart.": (
        "附近、近期、同类且描述相近的在办事件。可将本件合并到被重复的事件，或确认不重复。"
    ),
    "Score": "相似度",
    "Distance": "距离",
    "Time apart": "间隔",
    "Event": "事件",
    "%(m)s m": "%(m)s 米",
    "%(h)s h": "%(h)s 小时",
    "related category": "同大类",
    "Merge into it": "合并到该件",
    "Keep apart": "不是重复",
    "No likely duplicates nearby.": "附近没有疑似重复件。",
    "the event your report joined is closed": "您的上报所合并的事件已结案",
    "%(code)s %(title)s, which your report joined, is closed.": (
        "您的上报已合并到的 %(code)s “%(title)s”已结案。"
    ),
}
