"""The zh-hans catalogue ships whole: no untranslated or fuzzy entry, and no msgid given two
different translations by the tables in tools/ (a msgid has one Chinese; a second meaning gets its
own pgettext context, keyed ("context", "msgid") in the tables)."""

import importlib.util
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src/wangge/locale/zh_Hans/LC_MESSAGES/django.po"


def _tables() -> dict[str, dict]:
    paths = [ROOT / "tools/zh_hans.py", *sorted((ROOT / "tools/zh").glob("*.py"))]
    tables = {}
    for path in paths:
        spec = importlib.util.spec_from_file_location(f"_zh_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tables[str(path.relative_to(ROOT))] = module.ZH
    return tables


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_no_new_msgid_has_two_translations():
    first: dict[object, str] = {}
    collisions = set()
    for table in _tables().values():
        for key, value in table.items():
            if key in first and first[key] != value:
                collisions.add(key)
            first.setdefault(key, value)
    assert sorted(collisions, key=str) == [], "one Chinese per msgid: give a new meaning a context"
