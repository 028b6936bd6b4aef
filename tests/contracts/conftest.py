"""Shared titanoboa fixtures for the contract tests.

Compiles once per session (`boa.load_partial`), deploys fresh per test, and rolls the whole
EVM (state and clock) back after each test through `boa.env.anchor()`. Contract authors add
their own fixtures in separate modules imported at the bottom of this file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_account import Account

from numerbay_desktop.core import abs as abs_codec

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "contracts"

# titanoboa ignores XDG_CACHE_HOME: keep its compile cache inside the repository.
boa.interpret.set_cache_dir(str(REPO / ".cache" / "titanoboa"))
boa.interpret.set_search_paths([str(CONTRACTS)])

SIGNER_KEY = bytes.fromhex("5a" * 32)  # Numerai's authorization signer in tests
CLASSIC = 8  # Numerai Classic's tournament id
DAY = 86_400
WAD = 10**18


@pytest.fixture(scope="session")
def nmr_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "MockNMR.vy"))


@pytest.fixture(scope="session")
def staking_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "LocalAtomicStaking.vy"))


@pytest.fixture
def boa_anchor() -> Iterator[None]:
    """Everything a test does on the EVM, including time travel, is undone after it."""
    with boa.env.anchor():
        yield


@pytest.fixture
def deployer(boa_anchor: None) -> str:
    return str(boa.env.eoa)


@pytest.fixture(scope="session")
def signer_address() -> str:
    return str(Account.from_key(SIGNER_KEY).address)


@pytest.fixture
def operator(boa_anchor: None) -> str:
    return str(boa.env.generate_address("operator"))


@pytest.fixture
def alice(boa_anchor: None) -> str:
    return str(boa.env.generate_address("alice"))


@pytest.fixture
def bob(boa_anchor: None) -> str:
    return str(boa.env.generate_address("bob"))


@pytest.fixture
def nmr(nmr_deployer: Any, deployer: str) -> Any:
    return nmr_deployer.deploy()


@pytest.fixture
def staking(staking_deployer: Any, nmr: Any, signer_address: str, operator: str) -> Any:
    return staking_deployer.deploy(nmr.address, signer_address, operator)


AuthorizeFn = Callable[..., tuple[abs_codec.StakeAuthorization, bytes]]


@pytest.fixture
def authorize(staking: Any) -> AuthorizeFn:
    """Build an authorization for `staking` and sign it with the test signer key.

    Defaults: Classic, max_amount 1,000 NMR, the staker's current on-chain nonce, a deadline
    one day ahead. Any field can be overridden; `key` signs with another key.
    """

    def build(
        *,
        round_id: int,
        staker: str,
        model_id: bytes,
        submission_hash: bytes = b"\x11" * 32,
        max_amount: int = 1_000 * WAD,
        nonce: int | None = None,
        deadline: int | None = None,
        tournament_id: int = CLASSIC,
        key: bytes = SIGNER_KEY,
    ) -> tuple[abs_codec.StakeAuthorization, bytes]:
        authorization = abs_codec.StakeAuthorization(
            tournament_id=tournament_id,
            round_id=round_id,
            staker=staker,
            model_id=model_id,
            submission_hash=submission_hash,
            max_amount=max_amount,
            nonce=staking.nonces(staker) if nonce is None else nonce,
            deadline=boa.env.timestamp + DAY if deadline is None else deadline,
        )
        signature = abs_codec.sign_authorization(
            key, authorization, chain_id=boa.env.evm.patch.chain_id,
            verifying_contract=staking.address,
        )
        return authorization, signature

    return build

from tests.contracts.vault_fixtures import *  # noqa: E402, F403


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The stateful machine's statistics (examples, steps per example), shown by default.

    The module can be loaded twice (as a test file and imported by test_mutants)."""
    lines: list[str] = []
    seen: set[int] = set()
    for name in ("test_vault_stateful", "tests.contracts.test_vault_stateful"):
        module = sys.modules.get(name)
        if module is not None and id(module) not in seen:
            seen.add(id(module))
            lines += getattr(module, "SUMMARY", [])
    if lines:
        terminalreporter.section("vault stateful machine (hypothesis statistics)")
        for line in lines:
            terminalreporter.write_line(line)
