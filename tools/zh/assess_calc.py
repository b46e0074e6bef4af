ZH = {
    "%(n)s cases, +%(x)s against the daily average of the %(d)s days before": "%(n)s 件，较前%(d)s日日均 +%(x)s",
    "New hot spots": "新增热点",
    "Daily average before": "前期日均",
    "Comparison": "对比",
    "WARNING: assessment runs of %(p)s were skipped (more than %(n)d periods late): run them with `wangge assess run --period …`.": "警告：考核 %(p)s 未计算（超过追补上限 %(n)d 期）：请用 `wangge assess run --period …` 补算。",
    "WARNING: bulletins skipped (more than %(n)d periods late): %(p)s.": "警告：以下通报未生成（超过追补上限 %(n)d 期）：%(p)s。",
}
