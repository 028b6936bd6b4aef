"""A small SQLite cache: key -> JSON value with the time it was fetched.

The app opens from what is cached and refreshes in the background; `fetched_at` says how old
each value is, so a page can show "as of 10:42" and decide what to refresh. SQLite in WAL
mode with one connection per thread; every write is a transaction, so a crash leaves the old
value or the new one, never half of a batch.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    fetched_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CachedValue:
    value: Any
    fetched_at: float

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.fetched_at

    def is_fresh(self, max_age: float, now: float | None = None) -> bool:
        return self.age(now) <= max_age


class Cache:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self._conn() as conn:
            conn.execute(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def get(self, key: str) -> CachedValue | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedValue]:
        wanted = list(dict.fromkeys(keys))
        out: dict[str, CachedValue] = {}
        conn = self._conn()
        for start in range(0, len(wanted), 500):  # under SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, value, fetched_at FROM cache WHERE key IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
            for key, value, fetched_at in rows:
                try:
                    out[key] = CachedValue(json.loads(value), fetched_at)
                except json.JSONDecodeError:
                    continue  # a damaged row is a cache miss
        return out

    def put(self, key: str, value: Any, fetched_at: float | None = None) -> None:
        self.put_many({key: value}, fetched_at)

    def put_many(self, items: Mapping[str, Any], fetched_at: float | None = None) -> None:
        when = time.time() if fetched_at is None else fetched_at
        rows = [
            (key, json.dumps(value, separators=(",", ":")), when) for key, value in items.items()
        ]
        with self._conn() as conn:  # one transaction for the whole batch
            conn.executemany(
                "INSERT INTO cache (key, value, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                "fetched_at = excluded.fetched_at",
                rows,
            )

    def delete(self, key: str) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM cache WHERE key = ?", (key,))

    def clear(self, prefix: str = "") -> None:
        with self._conn() as conn:
            conn.execute(
                "DELETE FROM cache WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
            )

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
