"""kill -9 during every kind of file write the app makes, then start again.

Kinds: the account list with new keystores (accounts.json + keystores/<name>.json), a
password change (keystore rewritten, old one backed up), settings.json, the Numerai cache
(SQLite, WAL) and the nonce journal (SQLite, WAL). After each SIGKILL the app's loaders open
the data folder as a restarted app would: every file is the old or the new version, never
torn; no account whose creation finished is lost; a keystore opens with the old or the new
password. Temp files of killed writes are ignored by the loaders and swept by
`store.atomic.sweep_stray_temps`.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from numerbay_desktop.store.atomic import STALE_TEMP_S, sweep_stray_temps
from numerbay_desktop.store.cache import Cache
from numerbay_desktop.store.nonce_journal import JournalEntry, NonceJournal
from numerbay_desktop.store.settings import Settings, WindowGeometry, load_settings, save_settings
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.keystore import ScryptParams, WrongPassword, address_of_key
from tests.reliability.kill_harness import Outcome, Progress, campaign

KILLS = 25  # per kind, each landing inside a write
TIME_LIMIT_S = 40.0  # per kind; a loaded machine lands fewer, and at least MIN_LANDED
MIN_LANDED = 8
CHEAP = ScryptParams(n=2**4, r=8, p=1)  # the file format is the point here, not the cost
SENDER = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
CACHE_KEYS = [f"profile:model_{i}" for i in range(20)]


def _key(version: int) -> bytes:
    return hashlib.sha256(f"account {version}".encode()).digest()


def _password(version: int) -> str:
    return f"canary-password-{version}"


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A private folder: pytest's shared tmp root is pruned by concurrent sessions.
    folder = Path(tempfile.mkdtemp(prefix="numerbay-kill-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _finish(outcome: Outcome, folder: Path, real_files: list[Path]) -> None:
    """Enough kills landed; leftovers are swept, real files stay and still load."""
    assert outcome.landed >= MIN_LANDED, outcome
    strays = [p for p in folder.rglob(".*.tmp")]
    assert sweep_stray_temps(folder, older_than=STALE_TEMP_S) == [] or not strays
    swept = sweep_stray_temps(folder, older_than=0)
    assert sorted(swept) == sorted(strays)
    assert not list(folder.rglob(".*.tmp"))
    for path in real_files:
        assert path.exists(), path
    print(f"{outcome.kills} kills, {outcome.landed} inside a write, {len(strays)} temp files "
          f"swept, {outcome.seconds:.1f} s")


def test_new_accounts_survive_kills(data_dir: Path) -> None:
    """Creating accounts: accounts.json and the keystores are old or new, none lost."""
    seen: set[int] = set()

    def write_forever(progress: Progress) -> None:
        registry = AccountRegistry(data_dir, scrypt=CHEAP)
        while True:
            version = progress.next_version()
            progress.begin(version, version - 1)
            registry.import_private_key(f"a{version}", _key(version), _password(version))
            progress.done(version)

    def check(allowed: set[int]) -> int:
        registry = AccountRegistry(data_dir, scrypt=CHEAP)
        records = {r.name: r for r in registry.accounts()}  # RegistryDamaged would raise
        versions = {int(name[1:]) for name in records}
        newest = max(versions, default=0)
        assert newest in allowed, (newest, allowed)
        assert seen <= versions, f"accounts lost: {sorted(seen - versions)}"
        seen.update(versions)
        for version in {newest, min(versions, default=0)} - {0}:  # keystores open, not torn
            record = records[f"a{version}"]
            assert record.address == address_of_key(_key(version))
            key = registry.unlock(record.name, _password(version))
            assert bytes(key) == _key(version)
        return newest

    # An account takes two writes and key checks: long enough delays to let some finish.
    outcome = campaign(write_forever, check, kills=KILLS, time_limit_s=TIME_LIMIT_S,
                       max_delay_s=0.15)
    assert len(seen) >= 3, "too few accounts were completed to test anything"
    _finish(outcome, data_dir, [data_dir / "accounts.json"])


def test_password_change_survives_kills(data_dir: Path) -> None:
    """Changing a password: the keystore opens with the old or the new one, to the same key."""
    AccountRegistry(data_dir, scrypt=CHEAP).import_private_key("main", _key(0), _password(0))

    def write_forever(progress: Progress) -> None:
        registry = AccountRegistry(data_dir, scrypt=CHEAP)
        current = _password_version(registry, range(progress.next_version() - 1, -1, -1))
        while True:
            version = progress.next_version()
            progress.begin(version, version - 1)
            registry.change_password("main", _password(current), _password(version))
            progress.done(version)
            current = version

    def check(allowed: set[int]) -> int:
        registry = AccountRegistry(data_dir, scrypt=CHEAP)
        version = _password_version(registry, sorted(allowed))
        assert bytes(registry.unlock("main", _password(version))) == _key(0)
        return version

    outcome = campaign(write_forever, check, kills=KILLS, time_limit_s=TIME_LIMIT_S,
                       max_delay_s=0.02)
    _finish(outcome, data_dir, [data_dir / "keystores" / "main.json"])


def _password_version(registry: AccountRegistry, candidates: Iterable[int]) -> int:
    """Which version's password opens "main" (a keystore does not say which it is)."""
    tried = []
    for version in candidates:
        tried.append(version)
        try:
            key = registry.unlock("main", _password(version))
        except WrongPassword:  # a torn file raises something else, and fails the test
            continue
        assert bytes(key) == _key(0)
        return version
    raise AssertionError(f"no allowed password opens the keystore (tried {tried[:5]})")


def test_settings_survive_kills(data_dir: Path) -> None:
    """settings.json: the old or the new settings load; never the defaults of a torn file."""

    def write_forever(progress: Progress) -> None:
        while True:
            version = progress.next_version()
            progress.begin(version, version - 1)
            save_settings(data_dir, Settings(theme="dark", window=WindowGeometry(x=version)))
            progress.done(version)

    def check(allowed: set[int]) -> int:
        settings = load_settings(data_dir)
        version = settings.window.x or 0
        assert version in allowed, (version, allowed)
        assert version == 0 or settings.theme == "dark"
        assert not [p for p in data_dir.iterdir() if "damaged" in p.name or ".bad" in p.name]
        return version

    outcome = campaign(write_forever, check, kills=KILLS, time_limit_s=TIME_LIMIT_S,
                       max_delay_s=0.002)
    _finish(outcome, data_dir, [data_dir / "settings.json"])


def test_cache_survives_kills(data_dir: Path) -> None:
    """The Numerai cache: a batch of values is all old or all new, and the file opens."""
    path = data_dir / "numerai.sqlite3"

    def write_forever(progress: Progress) -> None:
        cache = Cache(path)
        while True:
            version = progress.next_version()
            progress.begin(version, version - 1)
            cache.put_many({key: {"version": version, "pad": "x" * 500} for key in CACHE_KEYS})
            progress.done(version)

    def check(allowed: set[int]) -> int:
        cache = Cache(path)
        try:
            values = cache.get_many(CACHE_KEYS)
        finally:
            cache.close()
        if not values:
            assert 0 in allowed
            return 0
        versions = {entry.value["version"] for entry in values.values()}
        assert len(values) == len(CACHE_KEYS) and len(versions) == 1, versions  # one batch
        (version,) = versions
        assert version in allowed, (version, allowed)
        return version

    outcome = campaign(write_forever, check, kills=KILLS, time_limit_s=TIME_LIMIT_S,
                       max_delay_s=0.003)
    _finish(outcome, data_dir, [path])


def test_nonce_journal_survives_kills(data_dir: Path) -> None:
    """The nonce journal: every signed transaction recorded before the kill is still there."""
    seen: set[int] = set()

    def write_forever(progress: Progress) -> None:
        journal = NonceJournal.open(data_dir)
        while True:
            version = progress.next_version()
            progress.begin(version, version - 1)
            journal.record_signed([_entry(version)])
            progress.done(version)

    def check(allowed: set[int]) -> int:
        with NonceJournal.open(data_dir) as journal:
            nonces = {e.nonce for e in journal.entries(31337, SENDER)}
            newest = max(nonces, default=-1) + 1  # version v is nonce v - 1
            assert newest in allowed, (newest, allowed)
            assert seen <= nonces, f"recorded transactions lost: {sorted(seen - nonces)}"
            seen.update(nonces)
            if newest:
                assert journal.next_nonce(31337, SENDER) == newest
                stored = journal.get(_entry(newest).tx_hash)
                assert stored is not None  # the journal stamps its own times
                assert replace(stored, created_at=0.0, updated_at=0.0) == _entry(newest)
        return newest

    outcome = campaign(write_forever, check, kills=KILLS, time_limit_s=TIME_LIMIT_S,
                       max_delay_s=0.01)
    assert len(seen) >= 3, "too few transactions were recorded to test anything"
    _finish(outcome, data_dir, [])


def _entry(version: int) -> JournalEntry:
    tx_hash = "0x" + hashlib.sha256(f"tx {version}".encode()).hexdigest()
    return JournalEntry(tx_hash, 31337, SENDER, version - 1, b"\x02" + bytes(90),
                        label=f"deposit {version}")
