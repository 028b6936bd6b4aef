"""The log never holds anything shaped like a private key, recovery phrase or API secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from numerbay_desktop.store.logfiles import (
    API_SECRET_MARK,
    HEX_KEY_MARK,
    MNEMONIC_MARK,
    bip39_english_words,
    install_file_logging,
    redact,
    remove_file_logging,
)

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
PHRASE = (
    "legal winner thank year wave sausage worth useful legal winner thank yellow"
)
LONG_PHRASE = " ".join(["abandon"] * 23 + ["art"])
API_SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01"
PUBLIC_ID = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ADDRESS = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1"


def test_wordlist_is_found() -> None:
    words = bip39_english_words()
    assert words is not None and len(words) == 2048 and "abandon" in words


@pytest.mark.parametrize("key", [KEY, "0x" + KEY, "0X" + KEY.upper()])
def test_private_keys(key: str) -> None:
    out = redact(f"signing with {key}.")
    assert out == f"signing with {HEX_KEY_MARK}."


def test_api_secret_redacted_public_id_kept() -> None:
    out = redact(f"id={PUBLIC_ID} secret={API_SECRET}")
    assert out == f"id={PUBLIC_ID} secret={API_SECRET_MARK}"


def test_addresses_and_short_hex_are_kept() -> None:
    text = f"to {ADDRESS} data 0xa9059cbb block 0x1b4"
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [PHRASE, PHRASE.upper(), LONG_PHRASE, str(PHRASE.split()), ", ".join(PHRASE.split())],
    ids=["plain", "upper", "24-words", "python-list", "commas"],
)
def test_mnemonics(text: str) -> None:
    out = redact(f"phrase: {text} (end)")
    assert out.startswith("phrase: ") and out.endswith(" (end)")
    assert MNEMONIC_MARK in out
    assert "winner" not in out.lower() and "abandon" not in out


def test_eleven_words_and_ordinary_sentences_are_kept() -> None:
    eleven = " ".join(PHRASE.split()[:11])
    assert redact(eleven + " 42") == eleven + " 42"
    sentence = "The node at the given address did not answer within five seconds, retrying now."
    assert redact(sentence) == sentence


def test_phrase_broken_by_other_words_is_two_runs() -> None:
    words = PHRASE.split()
    text = " ".join(words[:6]) + " zzzz " + " ".join(words[6:])
    assert redact(text) == text


def test_log_file_redacts_message_args_and_exception(tmp_path: Path) -> None:
    path = install_file_logging(tmp_path)
    try:
        log = logging.getLogger("numerbay_desktop.test")
        log.warning("key %s and %s", KEY, {"secret": API_SECRET})
        log.error("phrase: " + PHRASE)
        try:
            raise ValueError(f"bad mnemonic {PHRASE} for {'0x' + KEY}")
        except ValueError:
            log.exception("import failed")
        log.warning("stack", stack_info=True, extra={"note": KEY})
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
        remove_file_logging(tmp_path)
    text = path.read_text()
    assert KEY not in text and KEY.upper() not in text
    assert API_SECRET not in text
    assert "winner thank" not in text
    assert text.count(HEX_KEY_MARK) >= 2
    assert API_SECRET_MARK in text and MNEMONIC_MARK in text
    assert "ValueError: bad mnemonic [redacted recovery phrase]" in text
    assert "import failed" in text


def test_install_is_idempotent(tmp_path: Path) -> None:
    before = len(logging.getLogger().handlers)
    try:
        install_file_logging(tmp_path)
        install_file_logging(tmp_path)
        assert len(logging.getLogger().handlers) == before + 1
    finally:
        remove_file_logging(tmp_path)
    assert len(logging.getLogger().handlers) == before
