"""`numerbay numerai-key`: saved in the (in-memory) system keyring or an encrypted file, the
user told which, scopes checked against the local Numerai; the secret never printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail

from numerbay_desktop.cli import main
from numerbay_desktop.devnet.local_numerai.server import LocalNumeraiServer
from numerbay_desktop.devnet.local_numerai.tournament import Tournament
from tests.unit.keyring_memory import MemoryKeyring, system_keyring_set_to


@pytest.fixture(scope="module")
def tour() -> Tournament:
    return Tournament(seed=3, n_models=6, n_accounts=2)


@pytest.fixture(scope="module")
def server(tour: Tournament) -> Iterator[LocalNumeraiServer]:
    with LocalNumeraiServer(tour) as running:
        yield running


def _secret_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "numerai-secret.txt"
    path.write_text(text + "\n")
    path.chmod(0o600)
    return str(path)


def test_keyring_set_check_show_delete(
    tour: Tournament, server: LocalNumeraiServer, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    full, read_only = tour.accounts[0].api_keys
    memory = MemoryKeyring()
    data = ["--data-dir", str(tmp_path / "data")]
    with system_keyring_set_to(memory):
        code = main([*data, "numerai-key", "set", "--public-id", full.public_id,
                     "--secret-file", _secret_file(tmp_path, full.secret),
                     "--check", "--numerai-url", server.url])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "in your system keyring (" in out.out and full.public_id in out.out
        assert "Full access" in out.out
        assert list(memory.entries.values()) == [full.token]

        # A read-only key under another profile, given as Numerai's token form.
        code = main([*data, "numerai-key", "set", "--profile", "owner-2",
                     "--secret-file", _secret_file(tmp_path, read_only.token)])
        assert code == 0
        capsys.readouterr()
        assert main([*data, "numerai-key", "show", "--profile", "owner-2", "--check",
                     "--json", "--numerai-url", server.url]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["backend"] == "keyring" and shown["public_id"] == read_only.public_id
        assert shown["features"]["round_work"] is False and shown["features"]["read"] is True
        assert "web3_staking" in shown["summary"]

        assert main([*data, "numerai-key", "list"]) == 0
        listing = capsys.readouterr().out
        assert "default" in listing and "owner-2" in listing

        assert main([*data, "numerai-key", "delete", "--profile", "owner-2", "--yes"]) == 0
        assert list(memory.entries.values()) == [full.token]
        capsys.readouterr()
        assert main([*data, "numerai-key", "show", "--profile", "owner-2"]) == 2
        assert "No Numerai API key is saved under the profile 'owner-2'" in capsys.readouterr().err
    for secret in (full.secret, read_only.secret):
        for path in (tmp_path / "data").rglob("*"):
            assert not path.is_file() or secret.encode() not in path.read_bytes()


def test_encrypted_file_when_no_secure_keyring(
    tour: Tournament, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tour.accounts[1].api_keys[0]
    password_file = tmp_path / "password.txt"
    password_file.write_text("file password 1\n")
    data = ["--data-dir", str(tmp_path / "data")]
    with system_keyring_set_to(fail.Keyring()):
        # Bad input: one sentence, exit 2, no secret echoed.
        assert main([*data, "numerai-key", "set", "--public-id", key.public_id,
                     "--secret-file", _secret_file(tmp_path, key.secret[:-3]),
                     "--password-file", str(password_file)]) == 2
        err = capsys.readouterr().err
        assert "64 capital letters and digits" in err and key.secret[:-3] not in err

        assert main([*data, "numerai-key", "set", "--public-id", key.public_id,
                     "--secret-file", _secret_file(tmp_path, key.secret),
                     "--password-file", str(password_file)]) == 0
        out = capsys.readouterr()
        assert "in an encrypted file in your data folder, protected by your password" in out.out
        assert key.secret not in out.out + out.err
        stored = tmp_path / "data" / "secrets" / "numerai-default.json"
        assert stored.exists() and key.secret.encode() not in stored.read_bytes()

        assert main([*data, "numerai-key", "show", "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["backend"] == "encrypted-file" and shown["public_id"] == key.public_id
