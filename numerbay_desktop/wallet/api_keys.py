"""The Numerai API key: entered once, kept in the OS keyring or in a password-encrypted file.

Where it goes (decided once per `ApiKeyStore`, told to the user with `where()`):

* the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager, KWallet) when
  `keyring` finds a secure backend. The data dir then holds only a pointer without the secret,
  ``secrets/keyring/numerai-<profile>.json``, so each data dir has its own entries and
  `profiles()` / `info()` never touch (or unlock) the keyring.
* otherwise (a headless Linux box: the `fail`/`null` backends, an empty chainer, the
  plaintext `keyrings.alt` ones) ``secrets/numerai-<profile>.json``, encrypted like a
  keystore v3 file: scrypt, AES-128-CTR and a keccak MAC, with the user's password.

Profiles name keys: "default", or one per owner account. The secret travels as `SecretStr`,
whose repr and str never show it; errors and logs never contain it. All calls are synchronous;
the encrypted file costs a scrypt derivation (about a second): call from a worker thread.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.store.atomic import write_text_atomic
from numerbay_desktop.wallet.api_key_file import FILE_KIND, decrypt_api_key, encrypt_api_key
from numerbay_desktop.wallet.api_key_types import (
    PUBLIC_ID_PATTERN,
    ApiKeyError,
    ApiKeyNotFound,
    ApiKeyWrongPassword,
    CorruptApiKeyFile,
    KeyringUnavailable,
    NumeraiApiKey,
    PasswordRequired,
    SecretStr,
)
from numerbay_desktop.wallet.keystore import DEFAULT_SCRYPT, ScryptParams

log = logging.getLogger(__name__)
_T = TypeVar("_T")

KEYRING_SERVICE = "numerbay-desktop"
POINTER_KIND = "numerai-api-key-keyring-entry"
MAX_FILE_BYTES = 16 * 1024
MIN_PASSWORD_LENGTH = 8
_PROFILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_FRIENDLY_KEYRINGS = {
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "Secret Service",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Manager",
    "keyring.backends.kwallet": "KWallet",
}


# --------------------------------------------------------------------------- backends


class Backend(StrEnum):
    KEYRING = "keyring"
    ENCRYPTED_FILE = "encrypted-file"


def is_secure_keyring(backend: object) -> bool:
    """Whether `backend` keeps secrets encrypted by the OS (fail, null, an empty chainer and
    every keyrings.alt backend, plaintext ones included, do not count)."""
    if not isinstance(backend, keyring.backend.KeyringBackend):
        return False
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    module = type(backend).__module__
    if module.startswith("keyrings.alt") or "plaintext" in type(backend).__name__.lower():
        return False
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return bool(chained) and all(is_secure_keyring(b) for b in chained)
    try:
        priority = float(backend.priority)
    except Exception:  # a backend that is not viable here raises from `priority`
        return False
    return priority > 0


def keyring_display_name(backend: keyring.backend.KeyringBackend) -> str:
    """'Secret Service', 'macOS Keychain', ... or the backend's own name."""
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if chained:
            return keyring_display_name(chained[0])
    module = type(backend).__module__
    for prefix, friendly in _FRIENDLY_KEYRINGS.items():
        if module.startswith(prefix):
            return friendly
    name = getattr(backend, "name", None)
    return name if isinstance(name, str) and name else type(backend).__name__


def system_keyring() -> keyring.backend.KeyringBackend | None:
    """The OS keyring when a secure one is available here, else None."""
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # a broken keyring configuration: treat as absent
        log.warning("no usable keyring (%s)", type(error).__name__)
        return None
    return backend if is_secure_keyring(backend) else None


def where_sentence(backend: Backend, keyring_name: str | None = None) -> str:
    if backend is Backend.KEYRING:
        return f"in your system keyring ({keyring_name or 'keyring'})"
    return "in an encrypted file in your data folder, protected by your password"


@dataclass(frozen=True)
class StoredKey:
    """What is known about a saved key without its secret (and without unlocking anything)."""

    profile: str
    public_id: str
    backend: Backend
    where: str  # "in your system keyring (Secret Service)" / "in an encrypted file ..."
    path: Path  # the encrypted file, or the pointer file of a keyring entry


# --------------------------------------------------------------------------- the store


class ApiKeyStore:
    """Numerai API keys of one data dir, one per profile. Synchronous; see the module doc.

    `keyring_backend`: the keyring to use instead of the system's (tests pass an in-memory
    one); an insecure one means the encrypted file. `prefer_file=True` skips the keyring.
    `scrypt` sets the cost of new encrypted files (tests pass cheap parameters).
    """

    def __init__(
        self,
        data_dir: Path,
        keyring_backend: keyring.backend.KeyringBackend | None = None,
        *,
        prefer_file: bool = False,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ) -> None:
        self.root = Path(data_dir) / "secrets"
        self.scrypt = scrypt
        self._prefer_file = prefer_file
        self._explicit = keyring_backend
        self._resolved = False
        self._keyring: keyring.backend.KeyringBackend | None = None

    # ---- where new keys go

    @property
    def keyring_backend(self) -> keyring.backend.KeyringBackend | None:
        """The secure keyring in use, or None (resolved on first use: it may talk to D-Bus)."""
        if not self._resolved:
            if self._prefer_file:
                self._keyring = None
            elif self._explicit is not None:
                self._keyring = self._explicit if is_secure_keyring(self._explicit) else None
            else:
                self._keyring = system_keyring()
            self._resolved = True
        return self._keyring

    @property
    def backend(self) -> Backend:
        """Where `save` puts a key."""
        return Backend.ENCRYPTED_FILE if self.keyring_backend is None else Backend.KEYRING

    def needs_password(self, profile: str | None = None) -> bool:
        """Whether saving (no profile) or loading `profile` asks for a password."""
        if profile is None:
            return self.backend is Backend.ENCRYPTED_FILE
        return self.info(profile).backend is Backend.ENCRYPTED_FILE

    def where(self, profile: str | None = None) -> str:
        """A sentence fragment for the user: where `profile`'s key is, or where a new key goes."""
        if profile is not None:
            return self.info(profile).where
        backend = self.keyring_backend
        return where_sentence(self.backend, keyring_display_name(backend) if backend else None)

    # ---- paths

    def file_path(self, profile: str) -> Path:
        return self.root / f"numerai-{validate_profile(profile)}.json"

    def pointer_path(self, profile: str) -> Path:
        return self.root / "keyring" / f"numerai-{validate_profile(profile)}.json"

    # ---- reading without the secret

    def profiles(self) -> list[str]:
        found: set[str] = set()
        for folder in (self.root, self.root / "keyring"):
            if folder.is_dir():
                for path in folder.glob("numerai-*.json"):
                    name = path.stem.removeprefix("numerai-")
                    if _PROFILE.fullmatch(name):
                        found.add(name)
        return sorted(found)

    def exists(self, profile: str) -> bool:
        return self.pointer_path(profile).exists() or self.file_path(profile).exists()

    def info(self, profile: str) -> StoredKey:
        """Profile, public id and place of a saved key (ApiKeyNotFound, CorruptApiKeyFile)."""
        pointer = self.pointer_path(profile)
        if pointer.exists():
            doc = _read_json(pointer, POINTER_KIND)
            name = doc.get("keyring")
            sentence = where_sentence(Backend.KEYRING, name if isinstance(name, str) else None)
            return StoredKey(profile, _public_id_field(doc, pointer), Backend.KEYRING,
                             sentence, pointer)
        path = self.file_path(profile)
        if path.exists():
            doc = _read_json(path, FILE_KIND)
            return StoredKey(profile, _public_id_field(doc, path), Backend.ENCRYPTED_FILE,
                             where_sentence(Backend.ENCRYPTED_FILE), path)
        raise ApiKeyNotFound(
            f"No Numerai API key is saved under the profile '{profile}'; enter it first."
        )

    # ---- the secret

    def save(self, profile: str, key: NumeraiApiKey, password: str | None = None) -> StoredKey:
        """Store `key` under `profile` (replacing a previous one, in either backend).

        The password is needed (at least 8 characters) only for the encrypted file.
        """
        validate_profile(profile)
        if not isinstance(key, NumeraiApiKey):
            raise InvalidInput("Only a checked Numerai API key can be saved.")
        backend = self.keyring_backend
        if backend is None:
            _check_new_password(password)
            assert password is not None
            document = encrypt_api_key(key, password, profile=profile, scrypt=self.scrypt)
            _write_json(self.file_path(profile), document)
            self._drop_keyring_entry(profile, strict=False)
        else:
            username = self._keyring_username(profile)
            _call_keyring(
                "store the Numerai API key",
                lambda: backend.set_password(KEYRING_SERVICE, username, key.token().reveal()),
            )
            _write_json(self.pointer_path(profile), {
                "kind": POINTER_KIND, "version": 1, "profile": profile,
                "public_id": key.public_id, "service": KEYRING_SERVICE,
                "username": username, "keyring": keyring_display_name(backend),
            })
            stale = self.file_path(profile)
            if stale.exists():
                stale.unlink()
        log.info("Numerai API key %s saved for profile %s", key.public_id, profile)
        return self.info(profile)

    def load(self, profile: str, password: str | None = None) -> NumeraiApiKey:
        """The saved key. Raises ApiKeyNotFound, ApiKeyWrongPassword, PasswordRequired,
        CorruptApiKeyFile (file kept) or KeyringUnavailable; never anything with the secret."""
        info = self.info(profile)
        if info.backend is Backend.KEYRING:
            doc = _read_json(info.path, POINTER_KIND)
            service, username = doc.get("service"), doc.get("username")
            if not isinstance(service, str) or not isinstance(username, str):
                raise CorruptApiKeyFile(f"The keyring pointer {info.path} is damaged; it was kept.")
            backend = self._keyring_for_reading()
            token = _call_keyring(
                "read the Numerai API key", lambda: backend.get_password(service, username)
            )
            if token is None:
                raise ApiKeyNotFound(
                    f"Your system keyring no longer holds the Numerai API key of profile "
                    f"'{profile}'; enter it again."
                )
            try:
                key = NumeraiApiKey.from_token(token)
            except InvalidInput:
                raise CorruptApiKeyFile(
                    f"The keyring entry of profile '{profile}' is not a Numerai API key; "
                    "enter the key again."
                ) from None
        else:
            if password is None or password == "":
                raise PasswordRequired("Enter the password that protects the Numerai API key.")
            key = decrypt_api_key(_read_json(info.path, FILE_KIND), password, path=info.path)
        if key.public_id != info.public_id:
            raise CorruptApiKeyFile(
                f"The saved Numerai API key of profile '{profile}' does not match its public id "
                f"in {info.path}; the files were kept. Enter the key again."
            )
        return key

    def delete(self, profile: str) -> bool:
        """Remove the key of `profile` from wherever it is; False when none was saved."""
        removed = self._drop_keyring_entry(profile)
        path = self.file_path(profile)
        if path.exists():
            path.unlink()
            removed = True
        if removed:
            log.info("Numerai API key of profile %s deleted", profile)
        return removed

    def change_password(self, profile: str, old_password: str, new_password: str) -> StoredKey:
        """Re-encrypt an encrypted-file key under a new password."""
        info = self.info(profile)
        if info.backend is not Backend.ENCRYPTED_FILE:
            raise InvalidInput("This key is in your system keyring; it has no password.")
        _check_new_password(new_password)
        key = self.load(profile, old_password)
        document = encrypt_api_key(key, new_password, profile=profile, scrypt=self.scrypt)
        _write_json(info.path, document)
        return self.info(profile)

    # ---- keyring details

    def _keyring_username(self, profile: str) -> str:
        """Reuse the entry named in an existing pointer; else a new name unique to this dir."""
        pointer = self.pointer_path(profile)
        if pointer.exists():
            try:
                username = _read_json(pointer, POINTER_KIND).get("username")
            except CorruptApiKeyFile:
                username = None
            if isinstance(username, str) and username:
                return username
        return f"numerai-api-key/{profile}/{secrets.token_hex(8)}"

    def _keyring_for_reading(self) -> keyring.backend.KeyringBackend:
        backend = self._explicit if self._explicit is not None else (
            self.keyring_backend or system_keyring()
        )
        if backend is None or not is_secure_keyring(backend):
            raise KeyringUnavailable(
                "This key was saved in a system keyring that is not available now; unlock or "
                "start your keyring, or enter the key again."
            )
        return backend

    def _drop_keyring_entry(self, profile: str, *, strict: bool = True) -> bool:
        """Delete the keyring entry and its pointer. Not strict: a keyring that cannot be
        reached leaves an orphan entry (logged) rather than failing a save elsewhere."""
        pointer = self.pointer_path(profile)
        if not pointer.exists():
            return False
        try:
            doc = _read_json(pointer, POINTER_KIND)
        except CorruptApiKeyFile:
            doc = {}
        service, username = doc.get("service"), doc.get("username")
        if isinstance(service, str) and isinstance(username, str):
            try:
                backend = self._keyring_for_reading()
                _call_keyring(
                    "delete the Numerai API key",
                    lambda: backend.delete_password(service, username),
                    missing_ok=True,
                )
            except KeyringUnavailable:
                if strict:
                    raise
                log.warning("left an orphan keyring entry for profile %s", profile)
        pointer.unlink()
        return True


# --------------------------------------------------------------------------- helpers


def validate_profile(profile: str) -> str:
    if not isinstance(profile, str) or not _PROFILE.fullmatch(profile):
        raise InvalidInput(
            "Profile names use 1-64 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit."
        )
    return profile


def _check_new_password(password: str | None) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRequired(
            "No secure system keyring here: the Numerai API key is kept in an encrypted file. "
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters for it."
        )


def _call_keyring(action: str, call: Callable[[], _T], *, missing_ok: bool = False) -> _T | None:
    """`call()`, with any keyring failure turned into KeyringUnavailable.

    Only the failure's type is kept: a keyring library's message is not ours to show and may
    quote its input. The error is raised outside the `except` block so the library's exception
    does not even ride along as `__context__`.
    """
    try:
        return call()
    except keyring.errors.PasswordDeleteError as error:
        if missing_ok:
            return None  # already gone from the keyring
        failure = type(error).__name__
    except Exception as error:
        failure = type(error).__name__
    log.warning("keyring could not %s (%s)", action, failure)
    raise KeyringUnavailable(
        f"Your system keyring could not {action} (is it locked?). Unlock it and try again, "
        "or keep the key in an encrypted file instead."
    )


def _read_json(path: Path, kind: str) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CorruptApiKeyFile(f"The file {path} is too large to be ours; it was kept.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ApiKeyNotFound(f"There is no saved API key file at {path}.") from None
    except (OSError, UnicodeDecodeError):
        raise CorruptApiKeyFile(f"The file {path} cannot be read; it was kept.") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict) or document.get("kind") != kind:
        raise CorruptApiKeyFile(
            f"The file {path} is damaged (not a saved Numerai API key); it was kept. "
            "Enter the key again."
        )
    return document


def _public_id_field(document: dict[str, Any], path: Path) -> str:
    public_id = document.get("public_id")
    if not isinstance(public_id, str) or not PUBLIC_ID_PATTERN.fullmatch(public_id):
        raise CorruptApiKeyFile(f"The file {path} is damaged (no valid public id); it was kept.")
    return public_id


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_text_atomic(path, json.dumps(document, indent=2, sort_keys=True) + "\n", mode=0o600)


__all__ = [
    "ApiKeyError", "ApiKeyNotFound", "ApiKeyStore", "ApiKeyWrongPassword", "Backend",
    "CorruptApiKeyFile", "KeyringUnavailable", "NumeraiApiKey", "PasswordRequired", "SecretStr",
    "StoredKey", "decrypt_api_key", "encrypt_api_key", "is_secure_keyring",
    "keyring_display_name", "system_keyring", "validate_profile", "where_sentence",
]
