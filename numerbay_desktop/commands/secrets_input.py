"""Reading passwords and secrets for the CLI: a hidden prompt, or a file for scripts."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from numerbay_desktop.core.errors import InvalidInput


def read_secret_file(path: str | Path, what: str = "password") -> str:
    """The first line of `path`, without its line ending (a file for scripts, mode 0600)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"The {what} file {path} cannot be read.") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise InvalidInput(f"The {what} file {path} is empty.")
    return lines[0]


def ask_password(
    password_file: str | None, *, confirm: bool = False, prompt: str = "Password: "
) -> str:
    if password_file:
        return read_secret_file(password_file)
    if not sys.stdin.isatty():
        raise InvalidInput("No terminal to ask for a password; use --password-file FILE.")
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != password:
        raise InvalidInput("The two passwords differ.")
    return password


def show_on_terminal(text: str) -> bool:
    """Write `text` to the controlling terminal only (never to a redirected stdout or a log)."""
    if sys.stdout.isatty():
        print(text)
        return True
    try:
        with open("/dev/tty", "w", encoding="utf-8") as tty:
            tty.write(text + "\n")
        return True
    except OSError:
        return False
