"""Entry point of the native bundle: one program under two names.

The bundle ships a single executable, `numerbay-desktop` (the window), and `numerbay` beside it
as a symbolic link to the same file (the headless commands; on Windows a second executable).
One program instead of two keeps one copy of the Python modules in the folder, not two.
Which one runs is decided by the name the program was started under.
"""

from __future__ import annotations

import sys
from pathlib import Path

CLI_NAME = "numerbay"


def started_as_cli(argv0: str) -> bool:
    """True when started as `numerbay` (or `numerbay.exe`), the headless commands."""
    name = Path(argv0).name.lower()
    return name.removesuffix(".exe") == CLI_NAME


def main() -> int:
    if started_as_cli(sys.argv[0] if sys.argv else ""):
        from numerbay_desktop.cli import main as cli_main

        return cli_main()
    from numerbay_desktop.app import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
