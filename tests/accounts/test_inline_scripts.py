"""The Content-Security-Policy is enforced, so no template may run inline script:
a template with an inline <script> or on…= handler fails."""

import re
from pathlib import Path

import wangge

KNOWN: set[str] = set()
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>\s*\S"
    r"|\son[a-z]+=[\"']",
    re.IGNORECASE,
)


def test_no_new_template_has_inline_script():
    root = Path(wangge.__file__).parent
    found = {
        str(p.relative_to(root))
        for p in root.glob("*/templates/**/*.html")
        if INLINE.search(p.read_text(encoding="utf-8"))
    }
    assert found == KNOWN, "inline script (move it to a static file): " + ", ".join(
        sorted(found ^ KNOWN)
    )
