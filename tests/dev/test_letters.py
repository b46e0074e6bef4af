"""The demo's letters to the mayor (real messages) are filed under the category their text
speaks of, not all under their board class's (issue 12: "mismatched letters are filed under
unrelated categories")."""

import pytest

from tests.conftest import shared_data
from tests.factories import make_tree, reseed
from wangge.dev import events, stories
from wangge.events.models import Category


@pytest.mark.parametrize(
    ("text", "fallback", "expected"),
    [
        ("小区旁工地夜间噪音扰民，严重影响休息", "1204", "1502"),  # 噪声扰民
        ("小区连续三天停水，何时恢复供水", "1204", "1203"),  # 供水供电供气
        ("某公司拖欠工资半年未发", "1303", "0604"),
        ("路口垃圾堆积无人清运", "1501", "0102"),  # 暴露垃圾, whatever its board class
        ("希望学校增加课外活动", "1204", "1204"),  # nothing named: the class's own
    ],
)
def test_a_letter_goes_to_the_category_its_text_names(text, fallback, expected):
    assert stories.letter_category(text, fallback) == expected


@pytest.mark.django_db
def test_real_letters_are_filed_under_existing_fitting_categories():
    folder = shared_data("cn_messages_tipdm2020c")
    reseed()
    make_tree()
    reports = events.letter_reports(folder, 300)
    assert len(reports) >= 250
    leaves = set(Category.objects.filter(children=None).values_list("code", flat=True))
    keyword_codes = {code for _words, code in stories.LETTER_KEYWORDS}
    fallbacks = {code for code, _dept in events.TIPDM_CLASSES.values()}
    for report in reports:
        assert report.category in leaves, report.category
        assert report.category in keyword_codes | fallbacks, report.category
        named = [c for words, c in stories.LETTER_KEYWORDS if any(w in report.title for w in words)]
        if named and report.category in fallbacks - keyword_codes:
            pytest.fail(f"{report.title!r} names {named[0]} but is filed under {report.category}")
    # Not every letter under its class's catch-all: the text picks the category.
    assert len({r.category for r in reports}) >= 10
