"""The SQLite cache: values with fetch times, batches atomic, usable from many threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from numerbay_desktop.store.cache import Cache


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    made = Cache(tmp_path / "cache" / "numerai.sqlite3")
    yield made
    made.close()


def test_put_get_with_fetch_time(cache: Cache) -> None:
    assert cache.get("missing") is None
    cache.put("a", {"x": [1, 2, "three"]}, fetched_at=1000.0)
    hit = cache.get("a")
    assert hit is not None and hit.value == {"x": [1, 2, "three"]} and hit.fetched_at == 1000.0
    assert hit.age(now=1060.0) == 60.0
    assert hit.is_fresh(120, now=1060.0) and not hit.is_fresh(30, now=1060.0)
    cache.put("a", "newer", fetched_at=2000.0)
    again = cache.get("a")
    assert again is not None and again.value == "newer" and again.fetched_at == 2000.0


def test_many_keys_prefix_clear_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = Cache(path)
    first.put_many({f"numerai|p|{i}": i for i in range(1200)})
    first.put("other|x", 1)
    found = first.get_many([f"numerai|p|{i}" for i in range(0, 1200, 3)] + ["absent"])
    assert len(found) == 400 and found["numerai|p|3"].value == 3
    first.close()
    reopened = Cache(path)  # survives a restart
    assert reopened.get("numerai|p|1199") is not None
    reopened.clear("numerai|")
    assert reopened.get("numerai|p|1") is None and reopened.get("other|x") is not None
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    reopened.close()


def test_a_failed_batch_writes_nothing(cache: Cache) -> None:
    cache.put("keep", "old")
    with pytest.raises(TypeError):
        cache.put_many({"keep": "new", "bad": object()})  # not JSON: the batch is refused
    hit = cache.get("keep")
    assert hit is not None and hit.value == "old" and cache.get("bad") is None


def test_damaged_row_is_a_miss(cache: Cache) -> None:
    cache.put("k", 1)
    conn = sqlite3.connect(cache.path)
    with conn:
        conn.execute("UPDATE cache SET value = '{broken' WHERE key = 'k'")
    conn.close()
    assert cache.get("k") is None


def test_threads_share_one_cache(cache: Cache) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.put(f"t{n}|{i}", i)
                assert cache.get(f"t{n}|{i}") is not None
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cache.get_many([f"t{n}|{i}" for n in range(4) for i in range(50)])) == 200
