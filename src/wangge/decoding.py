"""Reading text files as other systems write them (UTF-8 with or without BOM, GBK/GB18030 from
Excel in China), decided per file, never per line: one stray byte must not turn a UTF-8 file
into GBK ("Driver’s" read as "Driver抯"), and bytes that fit neither are reported by line,
not silently replaced. Low in the dependency order (next to errors.py) so that any importer
can use it.
"""

import codecs
from dataclasses import dataclass, field

_REPLACEMENT = "\ufffd"


@dataclass
class Decoded:
    text: str
    encoding: str  # "utf-8", "gb18030" or "utf-16"
    # Physical lines (1-based) holding bytes the encoding could not decode; in `text` each
    # such byte is U+FFFD.
    bad_lines: list[int] = field(default_factory=list)


def _lines_failing(data: bytes, encoding: str) -> list[int]:
    failing = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            failing.append(number)
    return failing


def _utf8_lines(data: bytes) -> tuple[int, int]:
    """(non-ASCII lines that are valid UTF-8, non-ASCII lines that are not)."""
    good = bad = 0
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good, bad


def decode_text(data: bytes) -> Decoded:
    """The file's text in the one encoding that fits it best. UTF-8 when every line of
    non-ASCII text is UTF-8 but a few (those few are reported); otherwise GB18030 (a
    superset of GBK), its undecodable lines reported."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            pass
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    good, bad = _utf8_lines(data)
    # GBK text of more than a character or two is almost never valid UTF-8: lines that are
    # say that the file is UTF-8, and the others carry stray bytes.
    if good > bad:
        return _decode(data, "utf-8")
    return _decode(data, "gb18030")


def _decode(data: bytes, encoding: str) -> Decoded:
    try:
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        return Decoded(text, encoding, _lines_failing(data, encoding))


def unstorable(text: str) -> str | None:
    """Why `text` cannot be stored as it is (None: it can): NUL characters, which PostgreSQL
    refuses in text, and lone surrogates, which no encoding can write."""
    if "\x00" in text:
        return "nul"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None
