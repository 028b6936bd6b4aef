"""An in-memory keyring backend for tests: a real `keyring` backend, nothing leaves the process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
import keyring.backend
import keyring.errors
import pytest


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict, keyed by (service, username). Counts calls for assertions."""

    priority = 1  # type: ignore[assignment]  # viable, above `fail` (0)

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append("delete")
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    """A secure keyring that refuses every operation (a locked collection), quoting its input."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked(f"locked while reading {service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"cannot store {password!r}: collection locked")


@contextmanager
def system_keyring_set_to(backend: keyring.backend.KeyringBackend) -> Iterator[None]:
    """Make `backend` the process-wide keyring (as `keyring.set_keyring` does), then restore."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(name="memory_keyring")
def memory_keyring_fixture() -> Iterator[MemoryKeyring]:
    """A fresh in-memory keyring as the process-wide keyring for one test.

    Use it as `memory_keyring` from any test module after
    `from tests.unit.keyring_memory import memory_keyring_fixture  # noqa: F401`
    (then `ApiKeyStore(data_dir)` picks it up, as it would the OS keyring)."""
    backend = MemoryKeyring()
    with system_keyring_set_to(backend):
        yield backend
