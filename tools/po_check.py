"""Check the zh-hans catalogue and compile it: the `.po` is the source of every translation
(edit its msgstr; `tools/i18n.sh` first collects new msgids into it). Fails listing each
entry left untranslated or fuzzy (makemessages' guess from a similar msgid: check it, then
drop the fuzzy flag); otherwise writes the `.mo` beside it."""

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/wangge/locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> int:
    catalogue = polib.pofile(str(PO))
    for entry in catalogue.obsolete_entries():
        catalogue.remove(entry)
    catalogue.metadata["Language"] = "zh_Hans"
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.save()
    problems = [("untranslated", e) for e in catalogue.untranslated_entries()]
    problems += [("fuzzy", e) for e in catalogue.fuzzy_entries()]
    for what, entry in problems:
        where = entry.occurrences[0] if entry.occurrences else ("", "")
        context = f" [{entry.msgctxt}]" if entry.msgctxt else ""
        print(f"{what}: {entry.msgid!r}{context} ({where[0]}:{where[1]})", file=sys.stderr)
    if problems:
        print(f"{PO}: translate these, then run tools/i18n.sh again", file=sys.stderr)
        return 1
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
