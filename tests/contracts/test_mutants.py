"""Proof that the stateful machine bites: three mutants of the real vault must each fail it.

Each mutant is a textual patch of the vault's sources (copied to a temporary folder,
compiled with titanoboa from there and deployed as the factory's blueprint):
- the bucket folded at the wrong index when a sequence is applied;
- a fee rounded in the staker's favour (down instead of up);
- an exit exposed one sequence too long.
The machine runs with a focused budget (no shrinking: only the failure matters) and must
raise; the patch itself is checked to have applied, so a changed source cannot make the
test pass vacuously.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import boa
import pytest

from tests.contracts.test_vault_stateful import (
    SUMMARY,
    deploy,
    deployers,  # noqa: F401 - the fixture
    run_machine,
    stats_line,
)

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"

MUTANTS = {
    "bucket_folded_at_wrong_index": (
        "NumerBayVault.vy",
        [("b: uint256 = state.buckets[s]", "b: uint256 = state.buckets[j]"),
         ("            state.buckets[s] = 0", "            state.buckets[j] = 0")],
    ),
    "fee_rounded_for_the_staker": (
        "vault/ledger.vy",
        [("(principal * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR)",
          "(principal * acc) // (state.BPS * state.YEAR)"),
         ("(units * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR)",
          "(units * acc) // (state.BPS * state.YEAR)")],
    ),
    "exit_exposed_one_sequence_too_long": (
        "NumerBayVault.vy",
        [("state.exit_units[x] += units", "state.exit_units[x + 1] += units")],
    ),
}


def compile_mutant(name: str, tmp_path: Path) -> Any:
    relative, patches = MUTANTS[name]
    tree = tmp_path / "contracts"
    shutil.copytree(CONTRACTS, tree)
    target = tree / relative
    source = target.read_text()
    for old, new in patches:
        assert source.count(old) == 1, f"mutant {name}: '{old}' is not in {relative} once"
        source = source.replace(old, new)
    target.write_text(source)
    vault = tree / "NumerBayVault.vy"
    vault.write_text(vault.read_text() + f"\n# mutant: {name}\n")
    boa.interpret.set_search_paths([str(tree)])
    try:
        return boa.load_partial(str(vault))
    finally:
        boa.interpret.set_search_paths([str(CONTRACTS)])


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_stateful_machine_kills_mutant(
    name: str, tmp_path: Path, deployers: dict[str, Any], boa_anchor: None  # noqa: F811
) -> None:
    mutant = compile_mutant(name, tmp_path)
    world = deploy(deployers, vault_source=mutant)
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        run_machine(world, examples=40, steps=60, print_stats=False, shrink=False,
                    derandomize=True)
    # the type only: formatting a BoaError's call trace can itself fail to decode
    killed = f"mutant {name} killed by {type(caught.value).__name__}"
    SUMMARY.append(stats_line(f"{killed}; examples run until then", 60,
                              time.monotonic() - started))
    print(killed)


def test_real_vault_passes_the_focused_budget(
    deployers: dict[str, Any], boa_anchor: None  # noqa: F811
) -> None:
    """The same focused run on the unmutated vault is green (the kills are not noise)."""
    run_machine(deploy(deployers), examples=10, steps=60, print_stats=False, shrink=False,
                derandomize=True)
