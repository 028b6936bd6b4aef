"""Where the app keeps its state: `--data-dir`, then `NUMERBAY_DATA_DIR`, then the OS default.

Everything the app writes (settings, keystores, caches, logs, the devnet) lives below this one
folder, so a test or a script isolates all state by pointing it elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NUMERBAY_DATA_DIR"
APP_NAME = "numerbay-desktop"


def resolve_data_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """The data folder by precedence: explicit option, environment variable, platform default."""
    if option:
        chosen = Path(option)
    elif os.environ.get(ENV_VAR):
        chosen = Path(os.environ[ENV_VAR])
    else:
        import platformdirs  # only here: it costs tens of ms before the first paint

        chosen = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return chosen.expanduser().resolve()


def ensure_data_dir(path: Path) -> Path:
    """Create the folder (private to the user) and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
