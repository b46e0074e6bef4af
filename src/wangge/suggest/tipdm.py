"""The citizens' messages of the 2020 泰迪杯 C题 (../shared/data/cn_messages_tipdm2020c/):
readers for the labelled sample and the replies, the handling department named in a reply,
and the cross-validated evaluation of our pipelines on them.

The evaluation gives the pipelines, as `wangge train` does with the platform's other events,
the texts of every message of the folder but the ones evaluated as unlabelled background
(no label of any file is read for it; testset2801 has none)."""

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wangge.suggest import learn

LABELLED_FILE = "attachment2_sample495_labeled.csv"
REPLIES_FILE = "attachment4_messages_with_replies.xlsx"
# Messages read for their texts only (the labelled sample's texts are read too).
UNLABELLED_FILES = [
    "attachment3_messages_with_votes.xlsx",
    REPLIES_FILE,
    "testset2801_unlabeled.xlsx",
]

# Department kinds a reply names, most specific spelling first; the canonical name last.
DEPARTMENT_PATTERNS: list[tuple[str, str]] = [
    (r"交警(?:支队|大队)", "交警"),
    (r"公安(?:分局|局|厅)|派出所", "公安"),
    (r"教育(?:局|厅)", "教育"),
    (r"交通(?:运输)?(?:局|厅)", "交通运输"),
    (r"(?:住房和城乡|城乡|住房城乡)?建设(?:局|厅|委)|住建(?:局|委|厅)|住房保障局|房产局", "住建"),
    (r"城管(?:执法)?局|城市管理(?:和综合执法|综合执法)?局|行政执法局", "城管"),
    (r"人社(?:局|厅)|人力资源和?社会保障(?:局|厅)|(?<!医疗)社会保障局", "人社"),
    (r"(?:生态)?环境(?:保护)?(?:分局|局|厅)|环保(?:局|厅)", "生态环境"),
    (
        r"(?:城乡)?规划(?:分局|局)|国土(?:资源)?(?:分局|局|厅)|自然资源(?:和规划)?(?:局|厅)",
        "自然资源规划",
    ),
    (r"财政(?:局|厅)", "财政"),
    (r"卫(?:计|健|生计生|生健康|生和计划生育)委(?:员会)?|卫生(?:健康)?局", "卫生健康"),
    (r"市场(?:监督管理|监管)局|工商(?:局|分局)|食药监局|食品药品监督管理局", "市场监管"),
    (r"民政(?:局|厅)", "民政"),
    (r"发改委|发展和改革委员会|物价局", "发展改革"),
    (r"医疗保障局|医保局", "医疗保障"),
    (r"商务(?:粮食)?局", "商务"),
    (r"农业(?:农村)?局|农村工作局", "农业农村"),
    (r"水利局|水务局", "水利"),
]
_DEPARTMENT_RE = re.compile("|".join(f"({p})" for p, _name in DEPARTMENT_PATTERNS))


def department_in_reply(reply: str) -> str:
    """The kind of department a reply names first (the one the message was handed to), or ""."""
    match = _DEPARTMENT_RE.search(reply or "")
    if match is None or match.lastindex is None:
        return ""
    return DEPARTMENT_PATTERNS[match.lastindex - 1][1]


@dataclass(frozen=True)
class Message:
    ref: str  # 留言编号
    title: str  # 留言主题
    text: str  # 留言详情, whitespace collapsed
    label: str  # 一级分类, or the replying department's kind

    @property
    def full_text(self) -> str:
        return learn.clean_text(self.title, self.text)

    @property
    def row(self) -> tuple[str, str]:
        """As the pipelines read it: (title, title + text)."""
        return self.title, self.full_text


def labelled(folder: Path) -> list[Message]:
    """attachment2: 495 messages with their first-level class, in file order."""
    with (folder / LABELLED_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return [
            Message(
                ref=row["留言编号"].strip(),
                title=learn.clean_text(row["留言主题"]),
                text=learn.clean_text(row["留言详情"]),
                label=row["一级分类"].strip(),
            )
            for row in csv.DictReader(handle)
            if row.get("一级分类", "").strip()
        ]


def with_departments(folder: Path, *, min_per_department: int = 20) -> list[Message]:
    """attachment4: messages whose reply names a department, labelled with its kind; kinds
    named fewer than `min_per_department` times are left out (too few to learn or score)."""
    found = []
    for i, row in enumerate(_sheet(folder / REPLIES_FILE)):
        department = department_in_reply(str(row.get("答复意见") or ""))
        if not department:
            continue
        found.append(
            Message(
                ref=str(row.get("留言编号", i)),
                title=learn.clean_text(str(row["留言主题"] or "")),
                text=learn.clean_text(str(row["留言详情"] or "")),
                label=department,
            )
        )
    counts = Counter(m.label for m in found)
    return [m for m in found if counts[m.label] >= min_per_department]


def background(
    folder: Path, evaluated: list[Message], *, limit: int | None = None
) -> list[tuple[str, str]]:
    """The (title, title + text) rows of the folder's messages, labelled or not, other than
    the `evaluated` ones (same text) and without repeats: unlabelled background for the
    pipelines. `limit`: every n-th so that at most `limit` remain."""
    seen = {m.full_text for m in evaluated}
    rows = []
    messages = [(m.title, m.text) for m in labelled(folder)] + [
        (learn.clean_text(str(row["留言主题"] or "")), learn.clean_text(str(row["留言详情"] or "")))
        for name in UNLABELLED_FILES
        if (folder / name).is_file()
        for row in _sheet(folder / name)
    ]
    for title, text in messages:
        full = learn.clean_text(title, text)
        if full not in seen:
            seen.add(full)
            rows.append((title, full))
    if limit is not None and len(rows) > limit:
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)]
    return rows


def _sheet(path: Path) -> list[dict[str, Any]]:
    """The first sheet's rows, by header."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows)]
        return [dict(zip(header, row, strict=False)) for row in rows]
    finally:
        book.close()


@dataclass(frozen=True)
class Evaluation:
    categories: learn.Scores
    category_classes: int
    departments: learn.Scores | None
    department_classes: int


def evaluate(folder: Path, *, limit: int | None = None, departments: bool = True) -> Evaluation:
    """5-fold cross-validated top-1/top-3 accuracy of text → class on attachment2 and of
    text → department on attachment4, each with the folder's other messages as background
    (`limit`: every n-th message so that at most `limit` of each set remain, for quick
    runs)."""
    messages = _spread(labelled(folder), limit)
    categories = _scores(messages, background(folder, messages, limit=limit))
    by_department: learn.Scores | None = None
    department_classes = 0
    if departments:
        replied = _spread(with_departments(folder), limit)
        department_classes = len({m.label for m in replied})
        by_department = _scores(replied, background(folder, replied, limit=limit))
    return Evaluation(
        categories=categories,
        category_classes=len({m.label for m in messages}),
        departments=by_department,
        department_classes=department_classes,
    )


def _scores(messages: list[Message], unlabelled: learn.Background) -> learn.Scores:
    rows = learn.rows([m.row for m in messages])
    labels = [m.label for m in messages]
    return learn.cross_validate(learn.category_pipeline(unlabelled), rows, labels)


def _spread(messages: list[Message], limit: int | None) -> list[Message]:
    """Every n-th message so that at most `limit` remain, of labels still learnable."""
    if limit is not None and len(messages) > limit:
        step = len(messages) / limit
        messages = [messages[int(i * step)] for i in range(limit)]
    return [messages[i] for i in learn.learnable([m.label for m in messages])]
