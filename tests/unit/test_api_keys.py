"""The Numerai API key store: OS keyring (an in-memory backend here) or an encrypted file,
scopes in plain words, and a canary secret that must appear in no log, error, repr or file."""

from __future__ import annotations

import json
import logging
import pickle
import stat
import traceback
from pathlib import Path

import pytest
from keyring.backends import chainer, fail, null

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.wallet.api_key_scopes import describe_scopes, scopes_of_key
from numerbay_desktop.wallet.api_keys import (
    KEYRING_SERVICE,
    ApiKeyNotFound,
    ApiKeyStore,
    ApiKeyWrongPassword,
    Backend,
    CorruptApiKeyFile,
    KeyringUnavailable,
    NumeraiApiKey,
    PasswordRequired,
    SecretStr,
    is_secure_keyring,
)
from numerbay_desktop.wallet.keystore import DEFAULT_SCRYPT, ScryptParams, WrongPassword
from tests.unit.keyring_memory import (
    LockedKeyring,
    MemoryKeyring,
    memory_keyring_fixture,  # noqa: F401 (the `memory_keyring` fixture)
    system_keyring_set_to,
)

PUBLIC_ID = "CANARYPUBL1CID000000000000000042"
SECRET = "C4NARYSECRET" + "QZ7X" * 13  # 64 capital letters and digits
PASSWORD = "api key password 1"
CHEAP = ScryptParams(n=2**10, r=8, p=1)
ALL_SCOPES = ["read_user_info", "read_submission_info", "upload_submission", "stake",
              "web3_staking"]


def _key() -> NumeraiApiKey:
    return NumeraiApiKey.parse(PUBLIC_ID, SECRET)


def _file_store(data_dir: Path) -> ApiKeyStore:
    return ApiKeyStore(data_dir, prefer_file=True, scrypt=CHEAP)


def _needles() -> list[str]:
    return [SECRET, SECRET.lower(), SECRET[10:40], f"{PUBLIC_ID}${SECRET}"]


def _leaks(text: str) -> list[str]:
    return [needle for needle in _needles() if needle in text]


# --------------------------------------------------------------------------- the value


def test_secret_never_shows_itself() -> None:
    secret = SecretStr(SECRET)
    key = _key()
    for text in (repr(secret), str(secret), f"{secret}", f"{secret:>80}", repr(key), str(key),
                 f"{key}", repr([key]), repr({"k": key})):
        assert not _leaks(text), text
    assert PUBLIC_ID in repr(key)  # the public id identifies the key and may be shown
    assert key.secret.reveal() == SECRET
    assert key.credentials() == (PUBLIC_ID, SECRET)
    assert key == NumeraiApiKey.parse(PUBLIC_ID, SECRET)
    assert key != NumeraiApiKey.parse(PUBLIC_ID, "X" * 64)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        hash(secret)


def test_key_shapes_are_checked_without_echoing_the_secret() -> None:
    assert NumeraiApiKey.parse(f"  {PUBLIC_ID}\n", f"\t{SECRET} ") == _key()
    assert NumeraiApiKey.from_token(f"{PUBLIC_ID}${SECRET}") == _key()
    cases = {
        (PUBLIC_ID, SECRET[:-1]): "64 capital letters and digits; the one entered has 63",
        (PUBLIC_ID, SECRET.lower()): "some of them lower-case",
        (PUBLIC_ID, SECRET[:-1] + "!"): "neither letters nor digits",
        (PUBLIC_ID[:-2], SECRET): "public id is 32 capital letters and digits",
        (SECRET, PUBLIC_ID): "look swapped",
    }
    for (public_id, secret), expected in cases.items():
        with pytest.raises(InvalidInput) as caught:
            NumeraiApiKey.parse(public_id, secret)
        assert expected in str(caught.value)
        assert not _leaks(str(caught.value)) and SECRET[:-1] not in str(caught.value)
    with pytest.raises(InvalidInput, match="joined by"):
        NumeraiApiKey.from_token(SECRET)


# --------------------------------------------------------------------------- keyring backend


def test_keyring_round_trip_keeps_only_a_pointer_in_the_data_dir(isolated_data_dir: Path) -> None:
    memory = MemoryKeyring()
    store = ApiKeyStore(isolated_data_dir, memory, scrypt=CHEAP)
    assert store.backend is Backend.KEYRING and not store.needs_password()
    assert store.where().startswith("in your system keyring (")

    info = store.save("default", _key())
    assert info.backend is Backend.KEYRING and info.public_id == PUBLIC_ID
    assert info.where == store.where("default")
    assert list(memory.entries.values()) == [f"{PUBLIC_ID}${SECRET}"]
    (service, username), = memory.entries
    assert service == KEYRING_SERVICE and "default" in username

    pointer = store.pointer_path("default")
    assert stat.S_IMODE(pointer.stat().st_mode) == 0o600
    assert not _leaks(pointer.read_text())
    assert store.load("default") == _key()
    assert store.profiles() == ["default"] and store.exists("default")

    # A second data dir keeps its own entry: the two never see each other's key.
    other = ApiKeyStore(isolated_data_dir.parent / "other", memory)
    with pytest.raises(ApiKeyNotFound):
        other.load("default")

    # Replacing the key reuses the entry; deleting removes entry and pointer.
    new_key = NumeraiApiKey.parse("B" * 32, "D" * 64)
    store.save("default", new_key)
    assert len(memory.entries) == 1 and store.load("default") == new_key
    assert store.delete("default") is True
    assert memory.entries == {} and not pointer.exists() and store.profiles() == []
    assert store.delete("default") is False


def test_keyring_entry_removed_outside_the_app_asks_for_the_key_again(
    isolated_data_dir: Path,
) -> None:
    memory = MemoryKeyring()
    store = ApiKeyStore(isolated_data_dir, memory)
    store.save("0xOwner", _key())
    memory.entries.clear()
    with pytest.raises(ApiKeyNotFound, match="no longer holds"):
        store.load("0xOwner")
    assert store.delete("0xOwner") is True  # an already-missing entry is fine to delete


def test_a_locked_keyring_gives_one_clear_error_without_its_raw_text(
    isolated_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = ApiKeyStore(isolated_data_dir, LockedKeyring())
    with pytest.raises(KeyringUnavailable) as caught:
        store.save("default", _key())
    text = str(caught.value) + "".join(traceback.format_exception(caught.value))
    assert "locked" in str(caught.value) and not _leaks(text) and not _leaks(caplog.text)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert not store.exists("default")


def test_secure_keyring_detection() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    empty_chainer = chainer.ChainerBackend()
    assert is_secure_keyring(MemoryKeyring())
    for backend in (fail.Keyring(), null.Keyring(), PlaintextKeyring(), object()):
        assert not is_secure_keyring(backend), backend
    if not list(empty_chainer.backends):  # no OS keyring on this machine: an empty chainer
        assert not is_secure_keyring(empty_chainer)


def test_the_system_keyring_is_used_when_secure_else_the_encrypted_file(
    isolated_data_dir: Path,
) -> None:
    memory = MemoryKeyring()
    with system_keyring_set_to(memory):
        store = ApiKeyStore(isolated_data_dir, scrypt=CHEAP)
        assert store.backend is Backend.KEYRING
        store.save("default", _key())
        assert memory.entries and store.load("default") == _key()
    with system_keyring_set_to(fail.Keyring()):
        store = ApiKeyStore(isolated_data_dir, scrypt=CHEAP)
        assert store.backend is Backend.ENCRYPTED_FILE and store.needs_password()
        assert store.where() == (
            "in an encrypted file in your data folder, protected by your password"
        )
        # The key saved earlier is still in the (now unreachable) keyring: a clear error.
        with pytest.raises(KeyringUnavailable):
            store.load("default")
    with system_keyring_set_to(null.Keyring()):
        assert ApiKeyStore(isolated_data_dir).backend is Backend.ENCRYPTED_FILE
    assert ApiKeyStore(isolated_data_dir).scrypt == DEFAULT_SCRYPT  # new files: full cost


def test_memory_keyring_fixture_stands_in_for_the_os_keyring(
    isolated_data_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    store = ApiKeyStore(isolated_data_dir)
    assert store.backend is Backend.KEYRING
    store.save("default", _key())
    assert memory_keyring.entries and ApiKeyStore(isolated_data_dir).load("default") == _key()


# --------------------------------------------------------------------------- encrypted file


def test_encrypted_file_round_trip(isolated_data_dir: Path) -> None:
    store = _file_store(isolated_data_dir)
    with pytest.raises(PasswordRequired, match="at least 8"):
        store.save("default", _key())
    with pytest.raises(PasswordRequired):
        store.save("default", _key(), password="short")
    info = store.save("default", _key(), password=PASSWORD)
    assert info.backend is Backend.ENCRYPTED_FILE
    assert info.path == isolated_data_dir / "secrets" / "numerai-default.json"
    assert info.where == "in an encrypted file in your data folder, protected by your password"
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    document = json.loads(info.path.read_text())
    assert document["public_id"] == PUBLIC_ID
    assert document["crypto"]["kdf"] == "scrypt" and document["crypto"]["kdfparams"]["n"] == 2**10
    assert not _leaks(info.path.read_text())
    assert store.needs_password("default")
    with pytest.raises(PasswordRequired):
        store.load("default")
    assert store.load("default", PASSWORD) == _key()
    # Another profile, another file; profile names are checked.
    store.save("owner.main", NumeraiApiKey.parse("E" * 32, "F" * 64), password=PASSWORD)
    assert store.profiles() == ["default", "owner.main"]
    with pytest.raises(InvalidInput, match="Profile names"):
        store.save("../escape", _key(), password=PASSWORD)


def test_wrong_password_is_one_typed_error(isolated_data_dir: Path) -> None:
    store = _file_store(isolated_data_dir)
    store.save("default", _key(), password=PASSWORD)
    before = store.file_path("default").read_bytes()
    with pytest.raises(ApiKeyWrongPassword) as caught:
        store.load("default", "not the password")
    assert isinstance(caught.value, WrongPassword) and isinstance(caught.value, NumerbayError)
    assert str(caught.value) == "Wrong password for the saved Numerai API key."
    assert store.file_path("default").read_bytes() == before


def test_change_password(isolated_data_dir: Path) -> None:
    store = _file_store(isolated_data_dir)
    store.save("default", _key(), password=PASSWORD)
    store.change_password("default", PASSWORD, "a new password")
    with pytest.raises(ApiKeyWrongPassword):
        store.load("default", PASSWORD)
    assert store.load("default", "a new password") == _key()


@pytest.mark.parametrize(
    "damage",
    ["not json", "truncated", "wrong kind", "bad hex", "public id swapped", "costly scrypt",
     "flipped ciphertext"],
)
def test_a_damaged_file_gives_a_clear_error_and_is_kept(
    isolated_data_dir: Path, damage: str
) -> None:
    store = _file_store(isolated_data_dir)
    store.save("default", _key(), password=PASSWORD)
    path = store.file_path("default")
    text = path.read_text()
    document = json.loads(text)
    crypto = document["crypto"]
    if damage == "not json":
        text = "\x00garbage{"
    elif damage == "truncated":
        text = text[: len(text) // 2]
    elif damage == "wrong kind":
        document["kind"] = "something else"
    elif damage == "bad hex":
        crypto["mac"] = "zz" * 32
    elif damage == "public id swapped":
        document["public_id"] = "Z" * 32
    elif damage == "costly scrypt":
        crypto["kdfparams"]["n"] = 2**30
    elif damage == "flipped ciphertext":
        cipher = bytearray(bytes.fromhex(crypto["ciphertext"]))
        cipher[5] ^= 1
        crypto["ciphertext"] = cipher.hex()
    if damage not in ("not json", "truncated"):
        text = json.dumps(document)
    path.write_text(text)
    expected: type[Exception] = CorruptApiKeyFile
    if damage == "flipped ciphertext":  # the MAC cannot tell tampering from a wrong password
        expected = ApiKeyWrongPassword
    with pytest.raises(expected) as caught:
        store.load("default", PASSWORD)
    if expected is CorruptApiKeyFile:
        assert "kept" in str(caught.value)
    assert not _leaks(str(caught.value))
    assert path.read_text() == text  # nothing deleted or rewritten


def test_moving_between_backends_leaves_one_copy(isolated_data_dir: Path) -> None:
    memory = MemoryKeyring()
    _file_store(isolated_data_dir).save("default", _key(), password=PASSWORD)
    in_keyring = ApiKeyStore(isolated_data_dir, memory)
    assert in_keyring.info("default").backend is Backend.ENCRYPTED_FILE
    in_keyring.save("default", _key())
    assert not in_keyring.file_path("default").exists() and memory.entries
    assert in_keyring.load("default") == _key()
    # and back to a file: the keyring entry and its pointer go
    ApiKeyStore(isolated_data_dir, memory, prefer_file=True, scrypt=CHEAP).save(
        "default", _key(), password=PASSWORD
    )
    assert memory.entries == {} and not in_keyring.pointer_path("default").exists()
    assert in_keyring.info("default").backend is Backend.ENCRYPTED_FILE


# --------------------------------------------------------------------------- canary


def test_canary_secret_reaches_no_log_error_repr_or_file(
    isolated_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    def attempt(action: object) -> None:
        try:
            result = action()  # type: ignore[operator]
            texts.append(repr(result) + str(result))
        except NumerbayError as error:
            texts.append(str(error) + repr(error) + "".join(traceback.format_exception(error)))

    memory = MemoryKeyring()
    for store in (ApiKeyStore(isolated_data_dir / "k", memory),
                  _file_store(isolated_data_dir / "f"),
                  ApiKeyStore(isolated_data_dir / "l", LockedKeyring())):
        texts.append(repr(store.__dict__))
        attempt(lambda s=store: s.save("default", _key(), password=PASSWORD))
        attempt(lambda s=store: s.load("default", PASSWORD))
        attempt(lambda s=store: s.load("default", "wrong password!"))
        attempt(lambda s=store: s.info("default"))
        attempt(lambda s=store: NumeraiApiKey.parse(PUBLIC_ID, SECRET + "X"))
        attempt(lambda s=store: s.save("bad/profile", _key(), password=PASSWORD))
    texts.append(caplog.text)
    for text in texts:
        assert not _leaks(text), text
    files = [p for p in isolated_data_dir.rglob("*") if p.is_file()]
    assert len(files) >= 2
    for path in files:
        data = path.read_bytes()
        assert not any(needle.encode() in data for needle in _needles()), path


# --------------------------------------------------------------------------- scopes


def test_scopes_in_plain_words() -> None:
    full = describe_scopes(ALL_SCOPES)
    assert full.can_read and full.can_upload and full.can_stake_rounds
    assert full.missing_for_round_work == ()
    assert full.summary.startswith("Full access") and "stake rounds for vaults" in full.summary

    read_only = describe_scopes(["read_user_info", "read_submission_info"])
    assert read_only.can_read and not read_only.can_upload and not read_only.can_stake_rounds
    assert read_only.missing_for_round_work == ("web3_staking",)
    assert "web3_staking" in read_only.summary and read_only.summary.startswith("Read access")
    assert "lacks the web3_staking scope" in read_only.feature("round_work").explanation

    staking_only = describe_scopes(["web3_staking"])
    assert not staking_only.can_stake_rounds  # round work also reads the account
    assert staking_only.missing_for_round_work == ("read_user_info",)
    assert "cannot read your account" in staking_only.summary

    assert describe_scopes([]).summary.startswith("This key has no scopes")
    unknown = describe_scopes(None)
    assert unknown.scopes is None and not unknown.can_read and "unknown" in unknown.summary


def test_scopes_of_key_reads_numerais_token_list() -> None:
    account = {"username": "u", "apiTokens": [
        {"name": "ro", "public_id": "A" * 32, "scopes": ["read_user_info"]},
        {"name": "all", "publicId": PUBLIC_ID, "scopes": [*ALL_SCOPES, "stake"]},
    ]}
    assert scopes_of_key(account, PUBLIC_ID) == tuple(sorted(ALL_SCOPES))
    assert scopes_of_key(account["apiTokens"], "A" * 32) == ("read_user_info",)
    assert scopes_of_key(account, "Q" * 32) is None
    assert scopes_of_key({"apiTokens": None}, PUBLIC_ID) is None
    assert scopes_of_key([{"public_id": PUBLIC_ID, "scopes": None}], PUBLIC_ID) == ()
