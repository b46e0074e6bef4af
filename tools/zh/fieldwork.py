ZH = {
    "Household visits: due, done, overdue and coverage by area": "入户走访：按区域的应访、已访、超期与覆盖率",
    "Campaigns: coverage by area, missing targets, export": "专项排查：按区域的覆盖率、未排查对象、导出",
    "Patrols and inspections by worker and area": "巡查与点位检查：按人员和区域统计",
    "Party members below two report-ins this year": "本年报到不足两次的在职党员",
    "My tasks today (phone)": "我的今日任务（手机）",
    ("menu", "Today"): "今日任务",
    "Today": "今天",
}
