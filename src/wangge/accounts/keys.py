"""One secret kept outside the database (not a ring): the audit chain's key.

``env_value`` (base64, 32+ bytes) or the file at ``path`` (base64 on its first line), created
private on first use. The personal-data key ring (`people.crypto`) is another matter.
"""

import base64
import os
import secrets
import threading
from pathlib import Path

_lock = threading.Lock()
_single: dict[tuple[str, int], bytes] = {}


def _decode(source: str, text: str) -> bytes:
    text = text.strip()
    try:
        secret = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValueError(f"key {source}: not base64") from exc
    if len(secret) < 32:
        raise ValueError(f"key {source}: needs at least 32 bytes")
    return secret


def single_key(env_value: str, path: Path) -> bytes:
    if env_value:
        return _decode("env", env_value)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it meanwhile
        else:
            with os.fdopen(fd, "w") as f:
                f.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
    stamp = (str(path), path.stat().st_mtime_ns)
    with _lock:
        if stamp not in _single:
            _single.clear()
            _single[stamp] = _decode("file", path.read_text().strip().splitlines()[0])
        return _single[stamp]
