"""Load YAML files so that a validation error can name the file, the line, the path and the value."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from baliza.core.errors import ValidationError
from baliza.core.files import read_text
from baliza.core.i18n import _

M = TypeVar("M", bound=BaseModel)


def _line_of(root: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def yaml_path(loc: Sequence[int | str]) -> str:
    """``("watch_rules", 2, "query")`` -> ``watch_rules[2].query``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_model(path: Path, model: type[M]) -> M:
    """Parse ``path`` and validate it as ``model``; ValidationError lists every problem with its line."""
    text = read_text(path)
    try:
        root = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ValidationError(
            _("{path}:{line}: not valid YAML ({reason})").format(
                path=path, line=line, reason=getattr(exc, "problem", exc)
            ),
            code="invalid_yaml",
            details={"file": str(path), "line": line},
        ) from exc
    try:
        return model.model_validate(data if data is not None else {})
    except PydanticValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = [p for p in err["loc"] if isinstance(p, (int, str))]
            message = str((err.get("ctx") or {}).get("error", err["msg"]))
            problems.append(
                {
                    "file": str(path),
                    "line": _line_of(root, loc),
                    "path": yaml_path(loc),
                    "value": None if err["type"] == "missing" else err.get("input"),
                    "code": err["type"],
                    "message": message,
                }
            )
        lines = []
        for p in problems:
            shown = p["value"]
            suffix = "" if shown is None or isinstance(shown, (dict, list)) else f" ({_('value')}: {shown!r})"
            lines.append(f"{p['file']}:{p['line']}: {p['path']}: {p['message']}{suffix}")
        raise ValidationError(
            _("{path} has {n} problem(s):").format(path=path, n=len(problems)) + "\n" + "\n".join(lines),
            details={"problems": problems},
        ) from exc


__all__ = ["load_model", "yaml_path"]
