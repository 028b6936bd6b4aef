"""The app's log: a rotating file under `<data dir>/logs/`, with secrets redacted before writing.

`SecretRedactingFilter` removes anything shaped like a private key (64 hex digits, with or
without 0x), a BIP39 recovery phrase (12 or more consecutive words of the English wordlist)
or a Numerai API secret (64 uppercase letters and digits) from the message, its arguments,
the exception text and the stack text. Transaction hashes have a private key's shape and are
redacted too: a log must never be the place a key leaks, so shape decides, not context.
"""

from __future__ import annotations

import importlib.util
import logging
import logging.handlers
import re
from functools import lru_cache
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "numerbay-desktop.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
MNEMONIC_MIN_WORDS = 12

HEX_KEY_MARK = "[redacted key]"
API_SECRET_MARK = "[redacted API secret]"  # noqa: S105 (a marker, not a secret)
MNEMONIC_MARK = "[redacted recovery phrase]"

_HEX_KEY = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
_API_SECRET = re.compile(r"(?<![0-9A-Za-z])[A-Z0-9]{64}(?![0-9A-Za-z])")
_WORD = re.compile(r"[A-Za-z]+")
# What may stand between two words of a pasted phrase: spaces, commas, quotes, list brackets.
_GAP = re.compile(r"[\s,;'\"\[\]]*")


@lru_cache(maxsize=1)
def bip39_english_words() -> frozenset[str] | None:
    """The BIP39 English wordlist shipped with eth_account (read as a file: no heavy import)."""
    spec = importlib.util.find_spec("eth_account")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        wordlist = Path(location) / "hdaccount" / "wordlist" / "english.txt"
        if wordlist.is_file():
            words = frozenset(w.strip() for w in wordlist.read_text("utf-8").split() if w.strip())
            if len(words) == 2048:
                return words
    return None


def _is_phrase_word(word: str, wordlist: frozenset[str] | None) -> bool:
    word = word.lower()
    if wordlist is None:  # no wordlist: every BIP39 word has 3 to 8 letters, be conservative
        return 3 <= len(word) <= 8
    return word in wordlist


def _redact_mnemonics(text: str) -> str:
    wordlist = bip39_english_words()
    spans: list[tuple[int, int]] = []
    run_start = run_end = -1
    run_length = 0
    previous_end = -1
    for match in _WORD.finditer(text):
        joined = previous_end >= 0 and _GAP.fullmatch(text, previous_end, match.start()) is not None
        if _is_phrase_word(match.group(), wordlist):
            if run_length and joined:
                run_length += 1
            else:
                if run_length >= MNEMONIC_MIN_WORDS:
                    spans.append((run_start, run_end))
                run_start, run_length = match.start(), 1
            run_end = match.end()
        else:
            if run_length >= MNEMONIC_MIN_WORDS:
                spans.append((run_start, run_end))
            run_length = 0
        previous_end = match.end()
    if run_length >= MNEMONIC_MIN_WORDS:
        spans.append((run_start, run_end))
    for start, end in reversed(spans):
        text = text[:start] + MNEMONIC_MARK + text[end:]
    return text


def redact(text: str) -> str:
    """`text` with every secret-shaped part replaced by a marker."""
    text = _HEX_KEY.sub(HEX_KEY_MARK, text)
    text = _API_SECRET.sub(API_SECRET_MARK, text)
    return _redact_mnemonics(text)


class SecretRedactingFilter(logging.Filter):
    """Redacts a record in place (message, args, exception and stack text); never drops one."""

    def __init__(self) -> None:
        super().__init__()
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Drop the live exception so no later formatter re-renders it unredacted.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_file_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR / LOG_FILE


def install_file_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """Send the root logger to the rotating log file (once per file) and return its path.

    Every handler already on the root logger gets the redacting filter too, so the console
    never shows what the file hides.
    """
    path = log_file_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and (
            Path(handler.baseFilename) == path
        ):
            return path
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    for existing in root.handlers:
        add_redaction(existing)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path


def add_redaction(handler: logging.Handler) -> None:
    """Attach the redacting filter to `handler` unless it already has one."""
    if not any(isinstance(f, SecretRedactingFilter) for f in handler.filters):
        handler.addFilter(SecretRedactingFilter())


def remove_file_logging(data_dir: Path) -> None:
    """Detach and close the log file handler (tests and shutdown)."""
    path = log_file_path(data_dir)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler) and (
            Path(handler.baseFilename) == path
        ):
            root.removeHandler(handler)
            handler.close()
