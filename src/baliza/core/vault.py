"""Secrets at rest: connector and channel tokens are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256).

The key is derived from the installation's signing key (``BALIZA_SECRET_KEY`` or ``data_dir/secret_key``),
so a copy of the database alone does not reveal a token. Values written before encryption (plain text)
are still read, and encrypted the next time they are saved.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from baliza.core.config import Settings
from baliza.core.errors import ConfigError
from baliza.core.i18n import _

PREFIX = "enc:v1:"


def _fernet(settings: Settings) -> Fernet:
    key = hashlib.sha256(b"baliza-vault:" + settings.signing_key().encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, values: dict[str, str]) -> dict[str, str]:
    """Each value encrypted."""
    box = _fernet(settings)
    return {k: PREFIX + box.encrypt(v.encode("utf-8")).decode("ascii") for k, v in values.items()}


def unseal(settings: Settings, values: dict[str, str]) -> dict[str, str]:
    """Each value decrypted (a plain value from before encryption passes as it is)."""
    box = _fernet(settings)
    out = {}
    for key, value in values.items():
        if not value.startswith(PREFIX):
            out[key] = value
            continue
        try:
            out[key] = box.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ConfigError(
                _("A stored secret cannot be decrypted: the secret key changed since it was saved. Enter it again."),
                code="secret_key_changed",
                details={"field": key},
            ) from exc
    return out


__all__ = ["PREFIX", "seal", "unseal"]
