"""Encryption at rest (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

Keys come from a key ring: ``WANGGE_PII_KEY`` (``"kid:base64key[,kid:base64key…]"``, the first is
current) or, without it, the file ``settings.WANGGE_PII_KEY_FILE`` (one ``kid base64key`` a line,
the last is current), generated on first use like the secret key. The database never holds a key.

A ciphertext is ``"<kid>:<base64(nonce ‖ ciphertext+tag)>"``; the record type and field are
the associated data, so a ciphertext copied to another column does not decrypt. Blind indexes
use a key derived (HKDF) from each ring key, so search computes the index under every key in the
ring and stays exact while `rotate-key` runs.
"""

import base64
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12


class KeyError_(Exception):
    """The key ring is missing, malformed, or lacks the key a ciphertext names."""


@dataclass(frozen=True)
class RingKey:
    kid: str
    secret: bytes

    @property
    def aead(self) -> AESGCM:
        return AESGCM(_derive(self.secret, b"wangge pii aes-gcm"))

    @property
    def index_key(self) -> bytes:
        return _derive(self.secret, b"wangge pii blind index")


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def _parse(kid: str, text: str) -> RingKey:
    kid = kid.strip()
    if not kid or ":" in kid or not kid.isascii():
        raise KeyError_(f"bad key id {kid!r}")
    try:
        secret = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as exc:
        raise KeyError_(f"key {kid}: not base64") from exc
    if len(secret) < 32:
        raise KeyError_(f"key {kid}: needs at least 32 bytes")
    return RingKey(kid, secret)


def new_key_line(kid: str | None = None) -> str:
    kid = kid or f"k{secrets.token_hex(4)}"
    return f"{kid} {base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


class KeyRing:
    """Current key first, then older ones still accepted for decryption."""

    def __init__(self, keys: list[RingKey]) -> None:
        if not keys:
            raise KeyError_("empty key ring")
        self.keys = keys
        self.by_kid = {k.kid: k for k in keys}
        self._aead = {k.kid: k.aead for k in keys}
        self._index = [k.index_key for k in keys]

    @property
    def current(self) -> RingKey:
        return self.keys[0]

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead[self.current.kid].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.current.kid}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        kid, _, body = token.partition(":")
        aead = self._aead.get(kid)
        if aead is None:
            raise KeyError_(f"no key {kid!r} in the key ring")
        raw = base64.b64decode(body)
        try:
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except InvalidTag as exc:
            raise KeyError_(f"ciphertext under key {kid!r} does not authenticate") from exc

    def blind_index(self, value: str, context: str) -> str:
        """The index under the current key (what is stored)."""
        return _hmac(self._index[0], value, context)

    def blind_indexes(self, value: str, context: str) -> list[str]:
        """The index under every key in the ring (what search looks for)."""
        return [_hmac(k, value, context) for k in self._index]


def _hmac(key: bytes, value: str, context: str) -> str:
    return hmac.new(key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()


def ring_from_env(value: str) -> KeyRing:
    keys = []
    for part in value.split(","):
        kid, sep, text = part.strip().partition(":")
        if not sep:
            raise KeyError_("WANGGE_PII_KEY must be 'kid:base64key[,kid:base64key…]'")
        keys.append(_parse(kid, text))
    return KeyRing(keys)


def ring_from_file(path: Path) -> KeyRing:
    """Read the key file (oldest first, current last), creating it with one key if missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(new_key_line() + "\n")
    keys = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            kid, _, text = line.strip().partition(" ")
            keys.append(_parse(kid, text))
    return KeyRing(list(reversed(keys)))


_lock = threading.Lock()
_ring: KeyRing | None = None
_ring_source: tuple[str, str] | None = None


def get_ring() -> KeyRing:
    """The key ring of this process (re-read when the env value or key file changes)."""
    global _ring, _ring_source
    from django.conf import settings

    env = os.environ.get("WANGGE_PII_KEY", "")
    path = Path(settings.WANGGE_PII_KEY_FILE)
    stamp = env or f"{path}:{path.stat().st_mtime_ns if path.exists() else 0}"
    source = ("env" if env else "file", stamp)
    with _lock:
        if _ring is None or _ring_source != source:
            _ring = ring_from_env(env) if env else ring_from_file(path)
            if not env:
                source = ("file", f"{path}:{path.stat().st_mtime_ns}")
            _ring_source = source
        return _ring


def add_key_to_file() -> str:
    """Append a new current key to the key file; returns its id. Only for file-held rings."""
    from django.conf import settings

    if os.environ.get("WANGGE_PII_KEY"):
        raise KeyError_(
            "the key ring comes from WANGGE_PII_KEY: put the new key first there and run again"
        )
    path = Path(settings.WANGGE_PII_KEY_FILE)
    get_ring()  # creates the file when missing
    line = new_key_line()
    with path.open("a") as f:
        f.write(line + "\n")
    return line.split(" ", 1)[0]


def drop_old_keys_from_file(keep: str) -> None:
    from django.conf import settings

    path = Path(settings.WANGGE_PII_KEY_FILE)
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith(keep + " ")]
    path.write_text("\n".join(lines) + "\n")
