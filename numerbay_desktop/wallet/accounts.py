"""The account registry: hot accounts (keystores), watch-only accounts, labels, an address book.

Stored in `<data dir>/accounts.json` (atomic writes); keys live only in the keystore files
next to it (`keystore.KeystoreDir`). Everything here is synchronous: unlocking and
creating hot accounts derive scrypt keys (~1 s), so the UI calls these methods from a worker
thread (e.g. `await asyncio.to_thread(registry.unlock, name, password)`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.store.atomic import write_text_atomic
from numerbay_desktop.wallet.hd import (
    ExtendedPublicKey,
    derivation_path,
    derive_private_key,
    generate_mnemonic,
)
from numerbay_desktop.wallet.keystore import (
    DEFAULT_SCRYPT,
    KeystoreDir,
    ScryptParams,
    check_private_key,
    validate_alias,
    wipe,
)
from numerbay_desktop.wallet.signer import checksum
from numerbay_desktop.wallet.ur import decode_ur, parse_crypto_hdkey

AccountKind = Literal["hot", "watch"]
REGISTRY_FILE = "accounts.json"
MAX_LABEL = 100


class AccountNotFound(NumerbayError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no account named '{name}'. See `numerbay accounts list`.")


class RegistryDamaged(NumerbayError):
    """accounts.json cannot be read; the message says where a copy was kept."""


@dataclass(frozen=True)
class AccountRecord:
    name: str
    address: str
    kind: AccountKind
    label: str = ""
    hd_path: str | None = None
    created_at: str = ""

    @property
    def can_sign(self) -> bool:
        return self.kind == "hot"


@dataclass(frozen=True)
class Contact:
    name: str
    address: str
    note: str = ""


class AccountRegistry:
    """All accounts of one data dir. Methods are synchronous; run slow ones in threads."""

    def __init__(self, data_dir: Path, *, scrypt: ScryptParams = DEFAULT_SCRYPT) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / REGISTRY_FILE
        self.keystores = KeystoreDir(self.data_dir, scrypt=scrypt)

    # ----------------------------------------------------------------- reading

    def accounts(self) -> list[AccountRecord]:
        """Every account, including keystores copied into the folder by hand."""
        records = {r.name: r for r in self._load()[0]}
        for alias in self.keystores.aliases():
            if alias not in records:
                try:
                    address = self.keystores.address(alias)
                except NumerbayError:
                    continue
                records[alias] = AccountRecord(alias, address, "hot")
        return sorted(records.values(), key=lambda r: r.name.lower())

    def get(self, name: str) -> AccountRecord:
        for record in self.accounts():
            if record.name == name:
                return record
        raise AccountNotFound(name)

    def find_by_address(self, address: str) -> AccountRecord | None:
        wanted = checksum(address)
        return next((r for r in self.accounts() if r.address == wanted), None)

    def contacts(self) -> list[Contact]:
        return sorted(self._load()[1], key=lambda c: c.name.lower())

    def known_addresses(self) -> set[str]:
        """Own accounts and the address book: what the risk rules treat as familiar."""
        return {r.address for r in self.accounts()} | {c.address for c in self.contacts()}

    # ----------------------------------------------------------------- hot accounts

    def generate(
        self, name: str, password: str, *, words: int | None = 12
    ) -> tuple[AccountRecord, str | None]:
        """A new hot account. With `words` (12/24) it is an HD account and the mnemonic is
        returned once for the user to write down (it is not stored); with None, a random key."""
        self._require_free(name)
        if words is None:
            key = bytearray(_random_key())
            return self._store_key(name, key, password, None), None
        mnemonic = generate_mnemonic(words)
        key = derive_private_key(mnemonic, 0)
        return self._store_key(name, key, password, derivation_path(0)), mnemonic

    def import_private_key(
        self, name: str, private_key: str | bytes | bytearray, password: str
    ) -> AccountRecord:
        self._require_free(name)
        if isinstance(private_key, str):
            text = private_key.strip().removeprefix("0x")
            try:
                key = bytearray(bytes.fromhex(text))
            except ValueError:
                raise InvalidInput("A private key is 64 hex characters.") from None
        else:
            key = bytearray(private_key)
        check_private_key(key)
        return self._store_key(name, key, password, None)

    def import_mnemonic(
        self,
        name: str,
        mnemonic: str,
        password: str,
        *,
        index: int = 0,
        passphrase: str = "",
        path: str | None = None,
    ) -> AccountRecord:
        """Import address `index` of a recovery phrase, or the key at an explicit `path`
        (show `hd.discover_addresses` first so the user picks the address they know)."""
        self._require_free(name)
        key = derive_private_key(mnemonic, index, passphrase, path=path)
        return self._store_key(name, key, password, path or derivation_path(index))

    def import_keystore(self, name: str, source: Path, password: str) -> AccountRecord:
        self._require_free(name)
        address = self.keystores.import_file(name, Path(source), password)
        return self._add(AccountRecord(name, address, "hot", created_at=_now()))

    def unlock(self, name: str, password: str) -> bytearray:
        """The private key of a hot account (caller wipes it). Slow: run in a thread."""
        record = self.get(name)
        if not record.can_sign:
            raise InvalidInput(f"'{name}' is watch-only: it has no key to sign with.")
        return self.keystores.unlock(name, password)

    def change_password(self, name: str, old_password: str, new_password: str) -> Path:
        self._require_hot(name)
        return self.keystores.change_password(name, old_password, new_password)

    def export(self, name: str, destination: Path) -> Path:
        """Write the encrypted keystore (never a plain key) to `destination`."""
        self._require_hot(name)
        return self.keystores.export(name, Path(destination))

    # ----------------------------------------------------------------- watch-only

    def watch(self, name: str, address: str, *, label: str = "") -> AccountRecord:
        self._require_free(name)
        return self._add(
            AccountRecord(name, checksum(address), "watch", _label(label), created_at=_now())
        )

    def watch_from_hdkey(
        self, prefix: str, ur_parts: Iterable[str], *, count: int = 5
    ) -> list[AccountRecord]:
        """Watch the first `count` addresses of another wallet's ERC-4527 crypto-hdkey export."""
        ur_type, message = decode_ur(ur_parts)
        if ur_type not in ("crypto-hdkey", "hdkey"):
            raise InvalidInput(f"This code holds a '{ur_type}', not an extended public key.")
        hdkey = parse_crypto_hdkey(message)
        node = ExtendedPublicKey(hdkey.key_data, hdkey.chain_code, _path_text(hdkey.origin_path))
        # MetaMask/Keystone export the account node (m/44'/60'/0') with children 0/*.
        children = hdkey.children_path
        if children is None:
            children = (0,) if len(hdkey.origin_path) == 3 else ()
        for index in children:
            node = node.child(index)
        records = []
        for derived in node.addresses(count):
            name = f"{prefix}-{derived.index}"
            validate_alias(name)
            self._require_free(name)
            records.append(AccountRecord(name, derived.address, "watch", hd_path=derived.path,
                                         created_at=_now()))
        accounts, contacts = self._load()
        self._save([*accounts, *records], contacts)
        return records

    # ----------------------------------------------------------------- labels, delete

    def set_label(self, name: str, label: str) -> AccountRecord:
        record = replace(self.get(name), label=_label(label))
        accounts, contacts = self._load()
        self._save([r for r in accounts if r.name != name] + [record], contacts)
        return record

    def delete(self, name: str) -> Path | None:
        """Remove an account; a hot account's keystore goes to the trash folder (returned)."""
        record = self.get(name)
        trashed = self.keystores.delete(name) if record.kind == "hot" else None
        accounts, contacts = self._load()
        self._save([r for r in accounts if r.name != name], contacts)
        return trashed

    # ----------------------------------------------------------------- address book

    def add_contact(self, name: str, address: str, *, note: str = "") -> Contact:
        if not name.strip() or len(name) > MAX_LABEL:
            raise InvalidInput("A contact needs a name of at most 100 characters.")
        contact = Contact(name.strip(), checksum(address), _label(note))
        accounts, contacts = self._load()
        if any(c.name == contact.name for c in contacts):
            raise InvalidInput(f"A contact named '{contact.name}' already exists.")
        self._save(accounts, [*contacts, contact])
        return contact

    def remove_contact(self, name: str) -> None:
        accounts, contacts = self._load()
        if not any(c.name == name for c in contacts):
            raise InvalidInput(f"There is no contact named '{name}'.")
        self._save(accounts, [c for c in contacts if c.name != name])

    # ----------------------------------------------------------------- storage

    def _store_key(
        self, name: str, key: bytearray, password: str, hd_path: str | None
    ) -> AccountRecord:
        try:
            address = self.keystores.create(name, key, password)
        finally:
            wipe(key)
        return self._add(AccountRecord(name, address, "hot", hd_path=hd_path, created_at=_now()))

    def _add(self, record: AccountRecord) -> AccountRecord:
        accounts, contacts = self._load()
        self._save([r for r in accounts if r.name != record.name] + [record], contacts)
        return record

    def _require_free(self, name: str) -> None:
        validate_alias(name)
        if any(r.name == name for r in self.accounts()):
            raise InvalidInput(f"An account named '{name}' already exists.")

    def _require_hot(self, name: str) -> None:
        if not self.get(name).can_sign:
            raise InvalidInput(f"'{name}' is watch-only: it has no keystore.")

    def _load(self) -> tuple[list[AccountRecord], list[Contact]]:
        if not self.path.exists():
            return [], []
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            accounts = [
                AccountRecord(
                    name=validate_alias(str(a["name"])),
                    address=checksum(a["address"]),
                    kind="hot" if a["kind"] == "hot" else "watch",
                    label=str(a.get("label", "")),
                    hd_path=a.get("hd_path"),
                    created_at=str(a.get("created_at", "")),
                )
                for a in document["accounts"]
            ]
            contacts = [
                Contact(str(c["name"]), checksum(c["address"]), str(c.get("note", "")))
                for c in document["contacts"]
            ]
        except (OSError, ValueError, KeyError, TypeError, InvalidInput):
            backup = self.path.with_name(f"{REGISTRY_FILE}.damaged-{_now_compact()}")
            try:
                self.path.replace(backup)
            except OSError:
                backup = self.path
            raise RegistryDamaged(
                f"The account list {self.path.name} was damaged; it was moved to {backup.name}. "
                "Keystores are untouched; watch-only accounts and contacts must be re-added."
            ) from None
        return accounts, contacts

    def _save(self, accounts: list[AccountRecord], contacts: list[Contact]) -> None:
        document: dict[str, Any] = {
            "version": 1,
            "accounts": [asdict(r) for r in sorted(accounts, key=lambda r: r.name.lower())],
            "contacts": [asdict(c) for c in sorted(contacts, key=lambda c: c.name.lower())],
        }
        write_text_atomic(self.path, json.dumps(document, indent=2) + "\n")


def _random_key() -> bytes:
    import secrets

    while True:
        candidate = secrets.token_bytes(32)
        try:
            check_private_key(candidate)
        except InvalidInput:
            continue
        return candidate


def _label(text: str) -> str:
    if not isinstance(text, str) or len(text) > MAX_LABEL:
        raise InvalidInput("A label is text of at most 100 characters.")
    return text.strip()


def _path_text(path: tuple[int, ...]) -> str:
    return "/".join(
        ["m"] + [f"{i & 0x7FFFFFFF}'" if i & 0x80000000 else str(i) for i in path]
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now_compact() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
