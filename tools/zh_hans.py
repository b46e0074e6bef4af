"""Fill the zh-hans catalogue from the table below, then compile it.

Run after `wangge manage makemessages -l zh_Hans`: `python tools/zh_hans.py`.
New msgids without an entry here are listed so none ships untranslated by accident.
"""

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/wangge/locale/zh_Hans/LC_MESSAGES/django.po"

ZH = {
    "invalid value": "取值无效",
    "Log in first.": "请先登录。",
    "The database already holds areas; demo not rebuilt.": "数据库中已有区域，未重建演示数据。",
    "The database already holds areas; nothing done.": "数据库中已有区域，未做任何操作。",
    "Use --reset to rebuild the demo.": "如需重建演示数据，请加 --reset。",
    "%(n)s overlaps with micro-grids": "与微网格交叠 %(n)s 处",
    "%(code)s overlaps no micro-grid": "%(code)s 不与任何微网格交叠",
    "%(layer)s: %(n)s overlaps with micro-grids": "%(layer)s：与微网格交叠 %(n)s 处",
    "has no geometry": "没有边界",
    "No free code left under %(code)s.": "%(code)s 下已无可用编码。",
    "Demo district built from %(source)s": "已根据 %(source)s 建立演示辖区",
    "%(n)s warnings": "%(n)s 条提示",
    "  micro-grids: %(n)s; demo users: %(users)s": "  微网格：%(n)s 个；演示用户：%(users)s 个",
    "Every demo user's password: %(password)s": "所有演示用户的密码：%(password)s",
    "No such file: %(file)s": "文件不存在：%(file)s",
    "Import refused, nothing written:": "导入被拒绝，未写入任何数据：",
    "Area %(code)s not found.": "区域 %(code)s 不存在。",
    "%(n)s areas written to %(file)s": "已将 %(n)s 个区域写入 %(file)s",
    "%(rows)s rows: %(located)s located, %(outside)s outside, %(invalid)s invalid": "共 %(rows)s 行：定位成功 %(located)s 行，辖区外 %(outside)s 行，坐标无效 %(invalid)s 行",
    "Give LON LAT, or --csv FILE.": "请给出 经度 纬度，或 --csv 文件。",
    "Outside the jurisdiction.": "不在辖区内。",
    "Nearest: %(code)s %(name)s, %(m).0f m away": "最近区域：%(code)s %(name)s，相距 %(m).0f 米",
    "User %(name)s already exists.": "用户 %(name)s 已存在。",
    "Password: ": "密码：",
    "Password (again): ": "再次输入密码：",
    "The passwords differ.": "两次输入的密码不一致。",
    "Administrator %(name)s created.": "已创建管理员 %(name)s。",
    "End the selected areas (and their subtrees)": "撤销所选区域（含下级）",
    "Areas": "区域",
    "The CSV file has no column %(columns)s (it has: %(have)s).": "CSV 文件缺少列 %(columns)s（现有列：%(have)s）。",
    "%(level)s code": "%(level)s编码",
    "%(level)s name": "%(level)s名称",
    "locate result": "定位结果",
    "invalid coordinates in row %(row)s: %(lon)r, %(lat)r": "第 %(row)s 行坐标无效：%(lon)r, %(lat)r",
    "outside the jurisdiction": "不在辖区内",
    "; nearest %(code)s %(name)s, %(m).0f m": "；最近 %(code)s %(name)s，%(m).0f 米",
    "%(created)s created, %(updated)s updated, %(unchanged)s unchanged": "新建 %(created)s，更新 %(updated)s，未变 %(unchanged)s",
    "feature %(n)s": "第 %(n)s 个要素",
    "row %(n)s": "第 %(n)s 行",
    "The file is not valid JSON: %s": "文件不是有效的 JSON：%s",
    "The file is not a GeoJSON FeatureCollection.": "文件不是 GeoJSON FeatureCollection。",
    "The FeatureCollection has no features.": "FeatureCollection 中没有要素。",
    "has no properties": "没有属性",
    "invalid polygon repaired (%(reason)s)": "无效多边形已修复（%(reason)s）",
    "%(n)s features share code %(code)s: merged into one multi-part area": "%(n)s 个要素编码同为 %(code)s，已合并为一个多部件区域",
    "The file is not a readable xlsx workbook: %s": "文件不是可读取的 xlsx 工作簿：%s",
    "missing column": "缺少该列",
    "is empty or missing": "为空或缺失",
    "code %(code)s appears with two parents (%(a)s, %(b)s)": "编码 %(code)s 出现了两个上级（%(a)s、%(b)s）",
    "Parent area %(code)s does not exist.": "上级区域 %(code)s 不存在。",
    "parent cycle": "上级关系成环",
    "parent %(ref)s not found": "找不到上级 %(ref)s",
    "area %(code)s already exists under another parent or level": "区域 %(code)s 已存在于其他上级或层级下",
    "%(m2).0f m² (%(pct).1f%%) lies outside its parent %(parent)s": "有 %(m2).0f 平方米（%(pct).1f%%）超出上级 %(parent)s",
    "overlaps %(other)s by %(m2).0f m²": "与 %(other)s 重叠 %(m2).0f 平方米",
    "%(m2).0f m² (%(pct).1f%%) is covered by none of its children": "有 %(m2).0f 平方米（%(pct).1f%%）不属于任何下级（缝隙）",
    "code": "编码",
    "name": "名称",
    "level": "层级",
    "parent": "上级",
    "path": "路径",
    "source code": "原编码",
    "geometry (GeoJSON, WGS-84)": "边界（GeoJSON，WGS-84）",
    "area (m²)": "面积（平方米）",
    "valid from": "启用日期",
    "valid to": "撤销日期",
    "area": "区域",
    "areas": "区域",
    "kind": "类型",
    "layer": "专业网格",
    "layers": "专业网格",
    "layer area": "专业网格区域",
    "layer areas": "专业网格区域",
    "grid leader": "网格长",
    "full-time grid worker": "专职网格员",
    "part-time grid worker": "兼职网格员",
    "micro-grid liaison": "微网格联络员",
    "community secretary": "社区书记",
    "command-centre operator": "指挥中心坐席",
    "role": "岗位",
    "started on": "到岗日期",
    "ended on": "离岗日期",
    "post": "网格岗位",
    "posts": "网格岗位",
    "A code is required.": "编码必填。",
    "Level %(level)s is outside the configured 1–%(depth)s.": "层级 %(level)s 超出配置范围 1–%(depth)s。",
    "An area of level %(level)s needs a parent.": "第 %(level)s 级区域必须有上级。",
    "The parent area has ended.": "上级区域已撤销。",
    "Level must be the parent's level plus one (%(level)s).": "层级必须是上级层级加一（%(level)s）。",
    "Code %(code)s does not extend its parent's code %(parent)s.": "编码 %(code)s 未以上级编码 %(parent)s 开头。",
    "Code %(code)s is already used by a live area.": "编码 %(code)s 已被现有区域使用。",
    "A top-level area needs a code.": "顶级区域必须给出编码。",
    "This area has already ended.": "该区域已撤销。",
    "Unknown role %(role)s.": "未知岗位 %(role)s。",
    "The area has ended.": "该区域已撤销。",
    "Simplified Chinese": "简体中文",
    "English": "英语",
    "No area matches.": "没有匹配的区域。",
    "Code": "编码",
    "Source code": "原编码",
    "Area": "面积",
    "Valid from": "启用日期",
    "Staff": "人员",
    "Role": "岗位",
    "Name": "姓名",
    "Username": "用户名",
    "No staff assigned.": "尚未配备人员。",
    "Children": "下级",
    "Level": "层级",
    "None.": "无。",
    "Wangge": "网格",
    "Grid governance": "网格化社会治理",
    "Map": "地图",
    "Staffing gaps": "配备缺口",
    "Back office": "后台管理",
    "Log out": "退出",
    "Log in": "登录",
    "Wrong username or password.": "用户名或密码错误。",
    "Password": "密码",
    "Search by name or code": "按名称或编码搜索",
    "Current area": "当前区域",
    "All": "全部",
    "Open area page": "查看区域详情",
    "Grids lacking 1+1+N": "未达“1+1+N”配备的网格",
    "%(n)s grid has no grid leader or no full-time worker.": "有 %(n)s 个网格缺少网格长或专职网格员。",
    "Grid": "网格",
    "Grid leaders": "网格长",
    "Full-time": "专职",
    "Part-time": "兼职",
    "Every grid is staffed.": "所有网格均已配齐。",
}


def main() -> int:
    catalogue = polib.pofile(str(PO))
    for entry in catalogue.obsolete_entries():
        catalogue.remove(entry)
    missing = []
    for entry in catalogue:
        text = ZH.get(entry.msgid)
        if text is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.metadata["Language"] = "zh_Hans"
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.save()
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
