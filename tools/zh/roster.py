ZH = {
    "This area is outside your areas.": "该区域不在您的管辖范围内。",
    "Unknown role.": "未知岗位。",
    "No active department has this code or name.": "没有此编码或名称的在用职能部门。",
    "Another row gives this account another name.": "另一行为此账号填写了不同的姓名。",
    "The headers do not match the staff roster.": "表头与人员花名册模板不符。",
    "No live area has this code.": "没有此编码的现行区域。",
    "%(c)d created, %(u)d updated, %(n)d unchanged": "新建 %(c)d，更新 %(u)d，未变 %(n)d",
    "Initial passwords of %(n)d new accounts written to %(file)s": "%(n)d 个新账号的初始密码已写入 %(file)s",
    "%(user)s deactivated.": "已停用 %(user)s。",
    "work order": "派遣单",
    "Your report %(t)s duplicates another report and is handled there.": "您反映的“%(t)s”与另一条反映重复，已并入一并办理。",
    "The report that yours joined is closed.": "您的反映所并入的事件已办结。",
}
