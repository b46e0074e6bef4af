"""Chinese for the shared input checks (wangge.inputs, the NUL guard, the API's errors)."""

ZH: dict[str, str] = {
    "contains a NUL character": "含有空字符（NUL）",
    "contains an invalid character (a lone surrogate)": "含有无效字符（孤立的代理码位）",
    "contains an invisible direction control (U+%04X)": "含有不可见的文字方向控制符（U+%04X）",
    "contains a control character (U+%04X)": "含有控制字符（U+%04X）",
    "must contain visible characters": "须包含可见字符",
    "must be between %(min)s and %(max)s": "须在 %(min)s 至 %(max)s 之间",
    "is out of range": "超出允许范围",
    "may not be null": "不能为 null",
    "at most %(n)d characters": "不超过 %(n)d 个字符",
    "The body is not valid JSON.": "请求体不是有效的 JSON。",
    "CSRF check failed: reload the page and try again.": "CSRF 校验失败：请刷新页面后重试。",
    "The query holds a NUL character.": "查询参数含有空字符（NUL）。",
    "The form holds a NUL character.": "表单内容含有空字符（NUL）。",
}
