"""The nonce journal: atomic batches, statuses, next nonce, persistence across reopening."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from numerbay_desktop.store.nonce_journal import JournalEntry, JournalError, NonceJournal

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def entry(nonce: int, tag: str = "a", sender: str = ALICE, **changes: object) -> JournalEntry:
    tx_hash = "0x" + (f"{nonce:02x}{tag}" * 32)[:64]
    fields: dict[str, object] = {"raw_tx": bytes([2, nonce]), **changes}
    return JournalEntry(tx_hash=tx_hash.upper().replace("0X", "0x"), chain_id=31337,
                        sender=sender, nonce=nonce, **fields)  # type: ignore[arg-type]


def test_recorded_entries_survive_reopening(tmp_path: Path) -> None:
    with NonceJournal.open(tmp_path) as journal:
        stored = journal.record_signed([entry(4, label="Approve"), entry(5, label="Deposit")])
        assert all(e.tx_hash == e.tx_hash.lower() for e in stored)
        journal.mark(stored[0].tx_hash, "included", block_number=9, block_hash="0xab")
    with NonceJournal.open(tmp_path) as journal:
        first = journal.get(stored[0].tx_hash.upper().replace("0X", "0x"))
        assert first is not None and first.status == "included" and first.block_number == 9
        assert first.raw_tx == bytes([2, 4]) and first.label == "Approve"
        assert [e.nonce for e in journal.unsettled(31337, ALICE)] == [4, 5]
        mode = sqlite3.connect(journal.path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


def test_next_nonce_skips_dropped_and_other_accounts(tmp_path: Path) -> None:
    with NonceJournal.open(tmp_path) as journal:
        assert journal.next_nonce(31337, ALICE) is None
        journal.record_signed([entry(3), entry(4), entry(7, sender=BOB)])
        assert journal.next_nonce(31337, ALICE) == 5
        assert journal.next_nonce(1, ALICE) is None
        journal.mark(entry(4).tx_hash, "dropped")
        assert journal.next_nonce(31337, ALICE) == 4
        journal.mark(entry(3).tx_hash, "confirmed")
        assert journal.unsettled(31337, ALICE) == []
        assert [e.nonce for e in journal.unsettled(31337)] == [7]


def test_replacements_share_a_nonce(tmp_path: Path) -> None:
    with NonceJournal.open(tmp_path) as journal:
        original = entry(2, "a")
        journal.record_signed([original])
        journal.record_signed([entry(2, "b", kind="speed_up", replaces=original.tx_hash)])
        family = journal.with_nonce(31337, ALICE, 2)
        assert [e.kind for e in family] == ["normal", "speed_up"]
        assert family[1].replaces == original.tx_hash


def test_recording_the_same_hash_twice_keeps_the_first_row(tmp_path: Path) -> None:
    with NonceJournal.open(tmp_path) as journal:
        journal.record_signed([entry(1)])
        journal.mark(entry(1).tx_hash, "sent")
        journal.record_signed([entry(1)])
        found = journal.get(entry(1).tx_hash)
        assert found is not None and found.status == "sent"
        assert len(journal.entries(31337)) == 1


def test_a_batch_is_recorded_all_or_nothing(tmp_path: Path) -> None:
    with NonceJournal.open(tmp_path) as journal:
        broken = entry(6, raw_tx=None)  # NOT NULL violation in the second row
        with pytest.raises(JournalError):
            journal.record_signed([entry(5), broken])
        assert journal.entries(31337) == []


def test_an_unusable_file_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "nonce_journal.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError, match="cannot be opened"):
        NonceJournal.open(tmp_path)
