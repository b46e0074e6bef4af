"""The zh-hans catalogue ships whole. Its `.po` is the source of every translation (Django's
convention; `tools/i18n.sh` collects new msgids into it and compiles it): no entry untranslated
or fuzzy, none obsolete, and the compiled `.mo` says exactly what the `.po` says. A msgid has
one Chinese; a second meaning gets its own pgettext context."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src/wangge/locale/zh_Hans/LC_MESSAGES/django.po"


def _key(entry: polib._BaseEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _text(entry: polib._BaseEntry) -> object:
    return entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert untranslated == [] and fuzzy == [] and obsolete == [], "run tools/i18n.sh"


def test_the_compiled_catalogue_is_the_po():
    po = {_key(e): _text(e) for e in polib.pofile(str(PO)) if e.msgid}
    mo = {_key(e): _text(e) for e in polib.mofile(str(PO.with_suffix(".mo"))) if e.msgid}
    assert mo == po, "the .mo is stale: run tools/i18n.sh and commit both files"
