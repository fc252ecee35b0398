"""Process configuration: one ``Settings`` object, read from ``BALIZA_*`` environment variables."""

from __future__ import annotations

import functools
import json
import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_database_url(data_dir: Path) -> str:
    """The embedded default: SQLite in WAL mode under the data directory."""
    return f"sqlite+aiosqlite:///{(data_dir / 'baliza.db').as_posix()}"


class Settings(BaseSettings):
    """Every knob of a Baliza process. Each one is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="BALIZA_", extra="ignore")

    data_dir: Path = Field(
        Path("baliza-data"),
        description="Folder for the embedded SQLite database and other local state.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the database; PostgreSQL in production "
        "(postgresql://user@host/db). Empty: SQLite under the data folder.",
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")
    lang: str | None = Field(None, description="Language of the CLI (es or en); defaults to the system locale.")
    ingest_batch_size: int = Field(
        2000, ge=1, le=50_000, description="Mentions written to the database per transaction."
    )
    max_batch_items: int = Field(5000, ge=1, description="Largest number of mentions accepted in one API request.")
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="Largest API request body, in bytes.")
    max_text_chars: int = Field(20_000, ge=100, description="Longest mention text accepted, in characters.")
    max_line_bytes: int = Field(
        1024 * 1024, ge=1024, description="Longest line accepted in an imported file, in bytes."
    )
    analysis: bool = Field(
        True,
        description="Analyse every mention as it arrives (language, sentiment, issue types: the fast path).",
    )
    import_worker: bool = Field(
        True,
        description="Prepare large JSON Lines imports (4 MiB and more) in worker processes (one per core, up to "
        "4, with the analysis on) while this one "
        "writes to the database.",
    )
    detection_interval_seconds: float = Field(
        60.0,
        ge=0,
        description="How often the server feeds new minutes to the detectors; 0 turns live detection off.",
    )
    detection_sensitivity: Literal["low", "medium", "high"] = Field(
        "medium",
        description="How eager the live detectors are: low, medium or high (see docs/detection.md).",
    )
    log_level: str = Field("info", description="Log level: debug, info, warning or error.")
    analysis_interval_seconds: float = Field(
        5.0,
        ge=0,
        description="How often the server files new mentions into stories, profiles their authors and applies "
        "the workspace's classifier; 0 turns it off.",
    )
    deep_analysis: bool = Field(
        True,
        description="Refine sentiment with the bundled multilingual embeddings model (the deep path) in the "
        "background; false keeps the fast path only.",
    )
    sources_interval_seconds: float = Field(
        60.0, ge=0, description="How often the server polls the workspaces' sources for new posts; 0 turns it off."
    )
    connectors_allow_private: bool = Field(
        False,
        description="Let sources fetch private, loopback and link-local addresses (off: a feed URL cannot reach "
        "this server's own network). Only for administrators who know why.",
    )
    form_min_seconds: float = Field(
        3.0, ge=0, description="Complaint form: a submission faster than this after the page loaded is a bot."
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs acknowledgement links and sessions; when unset, one is generated once and "
        "kept in data_dir/secret_key.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Address people use to reach this server; acknowledgement links in notifications start with it.",
    )
    escalation_interval_seconds: float = Field(
        5.0,
        ge=0,
        description="How often the server checks escalation timers; 0 turns paging off.",
    )
    calendar_interval_seconds: float = Field(
        30.0, ge=0, description="How often the server publishes scheduled posts that fall due; 0 turns it off."
    )
    ack_link_hours: float = Field(
        24.0, gt=0, description="How long an acknowledgement link in a notification stays valid, in hours."
    )
    notify_attempts: int = Field(
        3, ge=1, le=10, description="Tries per contact before falling through to the person's next contact."
    )
    notify_backoff_seconds: float = Field(
        2.0, ge=0, description="Wait before the second try on a contact; doubled at each further try."
    )
    assist_base_url: str | None = Field(
        None,
        description="Address of an OpenAI-compatible API up to /v1 (e.g. http://127.0.0.1:11434/v1). Empty: no "
        "assistant; the built-in summary and reply templates are used.",
    )
    assist_api_key: SecretStr | None = Field(
        None, description="Bearer token for the assistant server, if it needs one."
    )
    assist_model: str = Field("llama3.1", description="Model name sent to the assistant server.")
    assist_timeout_seconds: float = Field(
        20.0, gt=0, le=300, description="Seconds to wait for the assistant before falling back."
    )
    assist_max_tokens: int = Field(
        800, ge=16, le=16384, description="Longest answer the assistant may write, in tokens."
    )
    assist_temperature: float = Field(0.2, ge=0, le=2, description="Sampling temperature of the assistant.")
    assist_json_mode: bool = Field(
        True, description="Ask the server for a JSON answer (response_format); turn off for servers that reject it."
    )
    drill_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Apprise URLs that drills may notify (comma-separated or JSON list); drills never page "
        "anyone's real contacts unless the scenario allows it.",
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        return normalise_database_url(value)

    @field_validator("drill_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def signing_key(self) -> str:
        """The configured secret key, or the one generated for this data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key)
        return key

    @property
    def resolved_database_url(self) -> str:
        """The URL actually used: the configured one, or SQLite under ``data_dir``."""
        return self.database_url or default_database_url(self.data_dir)


def normalise_database_url(url: str) -> str:
    """Pick our async drivers for the plain URLs people write."""
    for plain, ours in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            return ours + url[len(plain) :]
    return url


@functools.cache
def get_settings() -> Settings:
    """The process settings, built once."""
    return Settings()


__all__ = ["Settings", "default_database_url", "get_settings", "normalise_database_url"]
