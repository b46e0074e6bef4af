ZH = {
    "leader": "领导",
    "Rebuilt the facts of %(n)s events.": "已重算 %(n)s 件事件的统计明细。",
    "Filled: %(e)s timeline entries, %(n)s events, %(d)s days regrouped.": (
        "已更新：读取流转记录 %(e)s 条，事件 %(n)s 件，重新汇总 %(d)s 天。"
    ),
    "The figures were never filled: run `wangge stats rebuild`.": (
        "统计数据尚未生成：请运行 `wangge stats rebuild`。"
    ),
    "Figures as of %(t)s (%(s)d s behind), %(w)s timeline entries waiting.": (
        "数据截至 %(t)s（滞后 %(s)d 秒），待处理流转记录 %(w)s 条。"
    ),
    "WARNING: the figures lag more than %(m)d minutes: is `wangge worker` running?": (
        "警告：统计数据滞后超过 %(m)d 分钟，请检查 `wangge worker` 是否在运行。"
    ),
    "Unknown period %(p)s.": "未知的统计周期 %(p)s。",
    "You have no post over area %(a)s.": "您在区域 %(a)s 没有岗位。",
    "A custom period needs both date_from and date_to.": "自定义周期须同时给出起止日期。",
    "date_to is before date_from.": "结束日期早于开始日期。",
    "A period may span ten years at most.": "统计周期最长十年。",
    "%(c)s is not a category class (大类).": "%(c)s 不是事件大类。",
    "not dispatched": "未派遣",
    "Closed rate": "办结率",
    "Closed on time": "按期办结率",
    "Rework rate": "返工率",
    "Response rate": "响应率",
    "Waiting to be accepted": "待受理",
    "Waiting to be dispatched": "待派遣",
    "Waiting to be checked": "待核查",
    "Yellow alert": "黄灯预警",
    "Red alert": "红灯超期",
    "Settled by the grid": "网格自处置率",
    "Dispatched accurately": "派遣准确率",
    "Figures as of %(t)s": "数据截至 %(t)s",
    "Figures not filled yet": "统计数据尚未生成",
    "previous": "上期",
    "Overall situation": "总体态势",
    "Command and dispatch": "指挥调度",
    "Where closed events were settled": "办结层级（五级）",
    "Departments": "职能部门",
    "Handled on time": "按时处置率",
    "Dashboard": "驾驶舱",
    "Big screen": "大屏",
    "Command centre": "指挥中心",
    "Not a date (YYYY-MM-DD).": "不是日期（YYYY-MM-DD）。",
    "7 days": "近7天",
    "This month": "本月",
    "This quarter": "本季度",
    "This year": "本年",
    "Custom": "自定义",
}
