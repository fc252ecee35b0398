"""Reading a user's text file with an error that names the file and what is wrong with it."""

from __future__ import annotations

from pathlib import Path

from baliza.core.errors import ValidationError
from baliza.core.i18n import _


def read_text(path: Path) -> str:
    """The file as text (UTF-8, a leading byte-order mark dropped); ValidationError if missing or not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise ValidationError(_("File not found: {path}").format(path=path), code="file_not_found") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("{path} is not valid UTF-8 (byte offset {offset}).").format(path=path, offset=exc.start),
            code="invalid_utf8",
            details={"file": str(path), "offset": exc.start},
        ) from exc


__all__ = ["read_text"]
