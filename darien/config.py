"""Configuration from environment variables, each with a default (listed in the README).

Command-line options override these by building a `Settings` with `settings(**overrides)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_SOURCES = (
    "https://www.migracion.gob.pa/estadisticas/",
    "https://www.migracion.gob.pa/inicio/estadisticas",
    # IOM GDI's `gdidata` (MIT): a re-publication of SNM's series back to 2010, one R data file each.
    "https://raw.githubusercontent.com/iom/gdidata/master/data/irreg_darien_nat.rda",
    "https://raw.githubusercontent.com/iom/gdidata/master/data/irreg_darien_dmg.rda",
)


class ConfigError(ValueError):
    """A setting is missing or malformed (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    sources: tuple[str, ...] = DEFAULT_SOURCES
    data_dir: Path = Path("data")
    warehouse_url: str = ""  # empty: DuckDB file inside data_dir
    allowed_hosts: tuple[str, ...] = ()
    workers: int = min(2, os.cpu_count() or 1)
    parse_timeout_s: float = 120.0
    lock_wait_s: float = 0.0
    max_document_bytes: int = 50 * 1024 * 1024
    jump_factor: float = 10.0
    freshness_days: int = 45
    request_interval_s: float = 1.0

    @property
    def warehouse(self) -> str:
        return self.warehouse_url or f"duckdb:///{self.data_dir / 'warehouse.duckdb'}"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def gx_dir(self) -> Path:
        return self.data_dir / "gx"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


# Numeric settings and the variables that set them; types and defaults are the fields' own.
NUMBERS = {
    "workers": "DARIEN_WORKERS",
    "parse_timeout_s": "DARIEN_PARSE_TIMEOUT",
    "lock_wait_s": "DARIEN_LOCK_WAIT",
    "max_document_bytes": "DARIEN_MAX_DOCUMENT_BYTES",
    "jump_factor": "DARIEN_JUMP_FACTOR",
    "freshness_days": "DARIEN_FRESHNESS_DAYS",
    "request_interval_s": "DARIEN_REQUEST_INTERVAL",
}


def _number(name: str, default: int | float):
    kind = type(default)
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {'a whole number' if kind is int else 'a number'}") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} must not be negative")
    return value


DEFAULT_NIGHTLY_CRON = "0 2 * * *"  # in America/Panama: the SNM updates its files during the day


def nightly_cron() -> str:
    """The served nightly's cron expression (DARIEN_NIGHTLY_CRON); `flows.deployments` checks it."""
    return os.environ.get("DARIEN_NIGHTLY_CRON", "").strip() or DEFAULT_NIGHTLY_CRON


def settings(**overrides) -> Settings:
    """Settings from the environment, then `overrides` (None values are ignored)."""
    env = os.environ
    base = Settings(
        sources=_split(env.get("DARIEN_SOURCE_URL", "")) or DEFAULT_SOURCES,
        data_dir=Path(env.get("DARIEN_DATA_DIR", "").strip() or "data"),
        warehouse_url=env.get("DARIEN_WAREHOUSE_URL", "").strip(),
        allowed_hosts=_split(env.get("DARIEN_ALLOWED_HOSTS", "")),
        **{f: _number(variable, getattr(Settings, f)) for f, variable in NUMBERS.items()},
    )
    given = {k: v for k, v in overrides.items() if v is not None}
    if isinstance(given.get("sources"), str):
        given["sources"] = _split(given["sources"])
    if "data_dir" in given:
        given["data_dir"] = Path(given["data_dir"])
    return replace(base, **given)
