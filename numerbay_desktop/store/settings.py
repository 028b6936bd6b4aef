"""The user's settings: typed (pydantic), saved as JSON in `<data dir>/settings.json`.

Writes are atomic. A file that cannot be read (corrupt JSON, invalid values, or a schema
version this build does not know) is moved aside to a timestamped backup and the defaults are
used, with a warning logged: nothing the user had is lost. Secrets never live here (the Numerai
API key goes to the OS keyring); a value shaped like a key or a recovery phrase is refused.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from numerbay_desktop.store.atomic import write_text_atomic

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
SCHEMA_VERSION = 1
DEFAULT_NUMERAI_API_URL = "https://api-tournament.numer.ai"

Network = Literal["devnet", "mainnet", "sepolia", "custom"]
Theme = Literal["light", "dark"]
NETWORKS: tuple[Network, ...] = ("devnet", "mainnet", "sepolia", "custom")

# A migration turns a raw settings dict of version N into version N + 1.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}

_URL_SCHEMES = ("http://", "https://", "ws://", "wss://")
# Same shapes as the log redaction: a private key or a Numerai API secret pasted by mistake.
_SECRET_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])(?:0x)?(?:[0-9a-fA-F]{64}|[A-Z0-9]{64})(?![0-9A-Za-z])"
)


def _check_url(url: str, schemes: tuple[str, ...]) -> str:
    url = url.strip()
    if not url.lower().startswith(schemes):
        raise ValueError(f"{url!r} is not a web address starting with {' or '.join(schemes)}")
    if _SECRET_SHAPE.search(url):
        raise ValueError("this address contains something shaped like a private key or API secret")
    return url


def _default_rpc_urls() -> dict[Network, list[str]]:
    return {network: [] for network in NETWORKS}


class WindowGeometry(BaseModel):
    """Where the main window was when it was last closed (in screen pixels)."""

    model_config = ConfigDict(extra="ignore")

    x: int | None = None
    y: int | None = None
    width: int = Field(default=1180, ge=320, le=20000)
    height: int = Field(default=760, ge=240, le=20000)
    maximized: bool = False


class Settings(BaseModel):
    """Everything the user chooses that is not a secret. Assignments are validated too."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    schema_version: Literal[1] = 1  # SCHEMA_VERSION; a newer file is refused by migrate()
    network: Network = "devnet"
    # Ordered: the first URL is tried first, the others are fallbacks.
    rpc_urls: dict[Network, list[str]] = Field(default_factory=_default_rpc_urls)
    numerai_api_url: str = DEFAULT_NUMERAI_API_URL
    theme: Theme = "light"
    first_run_done: bool = False
    window: WindowGeometry = Field(default_factory=WindowGeometry)

    @field_validator("rpc_urls")
    @classmethod
    def _valid_rpc_urls(cls, value: dict[Network, list[str]]) -> dict[Network, list[str]]:
        checked: dict[Network, list[str]] = _default_rpc_urls()
        for network, urls in value.items():
            checked[network] = [_check_url(url, _URL_SCHEMES) for url in urls]
        return checked

    @field_validator("numerai_api_url")
    @classmethod
    def _valid_numerai_url(cls, value: str) -> str:
        return _check_url(value, ("http://", "https://"))

    def rpc_urls_for(self, network: Network | None = None) -> list[str]:
        """The ordered RPC URLs of `network` (default: the chosen one)."""
        return list(self.rpc_urls.get(network or self.network, []))


def settings_path(data_dir: Path) -> Path:
    return Path(data_dir) / SETTINGS_FILE


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a raw settings dict up to SCHEMA_VERSION; ValueError for a version we do not know."""
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"schema_version {version!r} is not a number")
    if version > SCHEMA_VERSION or version < 1:
        raise ValueError(f"schema_version {version} is not one this version of the app knows")
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValueError(f"no migration from schema_version {version}")
        raw = step(dict(raw))
        version += 1
        raw["schema_version"] = version
    return raw


def load_settings(data_dir: Path) -> Settings:
    """The saved settings, or the defaults when there are none or they cannot be used."""
    path = settings_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        log.warning("Could not read %s (%s); using default settings.", path, error.strerror)
        return Settings()
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("the file does not hold a JSON object")
        return Settings.model_validate(migrate(raw))
    except (ValueError, ValidationError) as error:
        backup = _back_up(path)
        reason = _short_reason(error)
        log.warning(
            "Settings file %s could not be used (%s); it was kept as %s and defaults are used.",
            path, reason, backup.name if backup else "(backup failed)",
        )
        return Settings()


def save_settings(data_dir: Path, settings: Settings) -> Path:
    """Write the settings atomically and return the file's path."""
    path = settings_path(data_dir)
    text = json.dumps(settings.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
    write_text_atomic(path, text)
    return path


def _back_up(path: Path) -> Path | None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(100):
        suffix = f".bad-{stamp}" + (f"-{attempt}" if attempt else "")
        backup = path.with_name(path.name + suffix)
        if backup.exists():
            continue
        try:
            path.replace(backup)
        except OSError as error:
            log.warning("Could not move %s aside: %s", path, error.strerror)
            return None
        return backup
    return None


def _short_reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "file"
        return f"{where}: {first.get('msg', 'invalid value')}"
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON at line {error.lineno}"
    return str(error)
