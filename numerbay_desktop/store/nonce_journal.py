"""The nonce journal: every signed transaction is written here BEFORE it is sent.

A crash between signing and sending (or a lost reply) then leaves a record with the raw
signed bytes, so on restart the app resends it (idempotently: same bytes, same hash) or
finds it already mined, instead of signing a second transaction with the same or the next
nonce. The next nonce of an account is `max(chain pending nonce, journal's highest + 1)`
(txflow does that), so a signed-but-unsent transaction is never overwritten by accident.

SQLite in WAL mode; each write is one transaction (a bundle's transactions are recorded
together or not at all). One connection guarded by a lock: calls take microseconds, so the
async pipeline calls them directly. Raw transactions are public data once sent (no secret
is stored here). Addresses are stored checksummed, hashes as lowercase 0x-hex.

    journal = NonceJournal.open(data_dir)
    journal.record_signed([JournalEntry(...), ...])    # before eth_sendRawTransaction
    journal.mark(tx_hash, "sent")
    journal.unsettled(chain_id, sender)                 # what a restart must resend or check
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from numerbay_desktop.core.errors import NumerbayError

JOURNAL_FILE = "nonce_journal.sqlite3"

# signed: written, maybe not sent; sent: the node took it; included: in a block;
# confirmed/finalized: deep enough; replaced: another tx with its nonce won;
# dropped: gone from the node and never mined; failed: mined but reverted.
JournalStatus = Literal[
    "signed", "sent", "included", "confirmed", "finalized", "replaced", "dropped", "failed"
]
OPEN_STATUSES: tuple[JournalStatus, ...] = ("signed", "sent", "included")
TxKind = Literal["normal", "speed_up", "cancel"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signed_txs (
    tx_hash TEXT PRIMARY KEY,
    chain_id INTEGER NOT NULL,
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    raw_tx BLOB NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    replaces TEXT,
    batch_id TEXT,
    label TEXT NOT NULL DEFAULT '',
    block_number INTEGER,
    block_hash TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS signed_txs_account ON signed_txs (chain_id, sender, nonce);
"""


class JournalError(NumerbayError):
    """The nonce journal cannot be read or written (disk full, damaged file)."""


@dataclass(frozen=True)
class JournalEntry:
    tx_hash: str
    chain_id: int
    sender: str
    nonce: int
    raw_tx: bytes
    status: JournalStatus = "signed"
    kind: TxKind = "normal"
    replaces: str | None = None  # the hash this speed-up / cancel replaces
    batch_id: str | None = None  # transactions prepared (and signed) together
    label: str = ""  # what the user was doing, for the activity list
    block_number: int | None = None
    block_hash: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


_COLUMNS = (
    "tx_hash, chain_id, sender, nonce, raw_tx, status, kind, replaces, batch_id, label, "
    "block_number, block_hash, created_at, updated_at"
)
_MARKS = ", ".join("?" for _ in _COLUMNS.split(","))


class NonceJournal:
    """The journal file of one data dir. Close it when done (or use `with`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a recorded tx survives a power cut
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise JournalError(
                f"The transaction journal at {self.path} cannot be opened ({error})."
            ) from None

    @classmethod
    def open(cls, data_dir: Path) -> NonceJournal:
        return cls(Path(data_dir) / JOURNAL_FILE)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> NonceJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writes

    def record_signed(self, entries: Sequence[JournalEntry]) -> list[JournalEntry]:
        """Record signed transactions, all or none. A hash already recorded keeps its row
        (recording the same bytes twice is harmless)."""
        now = time.time()
        stamped = [replace(e, tx_hash=e.tx_hash.lower(), created_at=now, updated_at=now)
                   for e in entries]
        rows = [
            (e.tx_hash, e.chain_id, e.sender, e.nonce, e.raw_tx, e.status, e.kind, e.replaces,
             e.batch_id, e.label, e.block_number, e.block_hash, e.created_at, e.updated_at)
            for e in stamped
        ]
        self._write(
            f"INSERT INTO signed_txs ({_COLUMNS}) VALUES ({_MARKS}) "  # noqa: S608
            "ON CONFLICT (tx_hash) DO NOTHING",
            rows,
        )
        return stamped

    def mark(
        self,
        tx_hash: str,
        status: JournalStatus,
        *,
        block_number: int | None = None,
        block_hash: str | None = None,
    ) -> None:
        """Set a transaction's status (and where it was mined, when it was)."""
        self._write(
            "UPDATE signed_txs SET status = ?, block_number = ?, block_hash = ?, updated_at = ? "
            "WHERE tx_hash = ?",
            [(status, block_number, block_hash, time.time(), tx_hash.lower())],
        )

    def _write(self, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany(sql, rows)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                raise JournalError(
                    f"The transaction journal at {self.path} cannot be written ({error})."
                ) from None

    # ------------------------------------------------------------------ reads

    def get(self, tx_hash: str) -> JournalEntry | None:
        found = self._select("WHERE tx_hash = ?", (tx_hash.lower(),))
        return found[0] if found else None

    def unsettled(self, chain_id: int, sender: str | None = None) -> list[JournalEntry]:
        """Transactions whose fate is not known yet (signed, sent or only just included),
        oldest nonce first."""
        marks = ", ".join("?" for _ in OPEN_STATUSES)
        where = f"WHERE chain_id = ? AND status IN ({marks})"
        params: tuple[object, ...] = (chain_id, *OPEN_STATUSES)
        if sender is not None:
            where += " AND sender = ?"
            params += (sender,)
        return self._select(where + " ORDER BY nonce, created_at", params)

    def with_nonce(self, chain_id: int, sender: str, nonce: int) -> list[JournalEntry]:
        """Every transaction signed for this nonce (the original and its replacements)."""
        return self._select(
            "WHERE chain_id = ? AND sender = ? AND nonce = ? ORDER BY created_at",
            (chain_id, sender, nonce),
        )

    def next_nonce(self, chain_id: int, sender: str) -> int | None:
        """One past the highest nonce signed for this account that may still be used (not
        dropped), or None when the journal has none."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT MAX(nonce) FROM signed_txs WHERE chain_id = ? AND sender = ? "
                    "AND status != 'dropped'",
                    (chain_id, sender),
                ).fetchone()
            except sqlite3.Error as error:
                raise JournalError(f"The transaction journal cannot be read ({error}).") from None
        return None if row is None or row[0] is None else int(row[0]) + 1

    def entries(self, chain_id: int, sender: str | None = None) -> list[JournalEntry]:
        where, params = "WHERE chain_id = ?", (chain_id,)
        if sender is not None:
            return self._select(where + " AND sender = ? ORDER BY nonce, created_at",
                                (*params, sender))
        return self._select(where + " ORDER BY nonce, created_at", params)

    def _select(self, where: str, params: tuple[object, ...]) -> list[JournalEntry]:
        with self._lock:
            try:
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM signed_txs {where}",  # noqa: S608 - fixed text
                    params,
                ).fetchall()
            except sqlite3.Error as error:
                raise JournalError(f"The transaction journal cannot be read ({error}).") from None
        return [
            JournalEntry(
                tx_hash=r[0], chain_id=r[1], sender=r[2], nonce=r[3], raw_tx=bytes(r[4]),
                status=r[5], kind=r[6], replaces=r[7], batch_id=r[8], label=r[9],
                block_number=r[10], block_hash=r[11], created_at=r[12], updated_at=r[13],
            )
            for r in rows
        ]
