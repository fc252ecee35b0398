"""Secrets at rest: encrypted with a key derived from the installation's secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from baliza.core import vault
from baliza.core.config import Settings
from baliza.core.errors import ConfigError


def settings(key: str, tmp_path: Path) -> Settings:
    return Settings(secret_key=SecretStr(key), data_dir=tmp_path)


def test_round_trip_and_nothing_readable_at_rest(tmp_path: Path) -> None:
    one = settings("una clave de instalación muy larga", tmp_path)
    sealed = vault.seal(one, {"access_token": "tok-123456"})
    assert sealed["access_token"].startswith(vault.PREFIX)
    assert "tok-123456" not in sealed["access_token"]
    assert vault.unseal(one, sealed) == {"access_token": "tok-123456"}
    assert vault.unseal(one, {"legacy": "plain"}) == {"legacy": "plain"}  # written before encryption


def test_another_key_cannot_read_it(tmp_path: Path) -> None:
    sealed = vault.seal(settings("una clave de instalación muy larga", tmp_path), {"secret": "s3cr3t"})
    with pytest.raises(ConfigError) as caught:
        vault.unseal(settings("otra clave distinta y también larga", tmp_path), sealed)
    assert caught.value.code == "secret_key_changed"
    assert "s3cr3t" not in caught.value.message
