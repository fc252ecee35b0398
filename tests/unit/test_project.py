"""Project-wide promises: settings are documented, modules export what they say."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import baliza
from baliza.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(baliza.__path__, "baliza.")
    if not m.ispkg and ".migrations" not in m.name and not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_described_and_documented(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description, f"setting {name} has no description"
    assert f"`BALIZA_{name.upper()}`" in (ROOT / "docs" / "configuration.md").read_text()


@pytest.mark.parametrize("module_name", MODULES)
def test_exported_names_exist(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{module_name}.__all__ names {name}, which it does not define"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_module_declares_its_exports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert isinstance(getattr(module, "__all__", None), list), f"{module_name} has no __all__"
