"""VAULT_SPEC section 9: the stateful property test of a NumerBayVault over titanoboa.

Random deposits, cancellations, exit requests, fulfilment, claims, round stakes (Numerai
authorizations signed with core/abs.py), settlements resolved and recorded out of order
and applied in order with random payouts and burns (Merkle trees built here), Numerai
finalizations with sync_round, write-offs and late NMR, stall declarations, time travel,
schedule changes, rolls, yearly checkpoints, fee claims, donations and shutdown, across
several stakers. Three references run beside the chain:
- `VaultModel` (numerbay_desktop/core/vault_model.py) predicts every call: a revert must
  carry the reason the model names, a success must leave the same ledger words;
- `VaultOracle` (oracle.py, exact fractions, no buckets or index) must agree with every
  lot's value, the fees, the exits and the claims within a dust bound (cohort exactness);
- direct checks: conservation, NMR held >= idle + recorded, G >= 0 and X_j >= A_j,
  terms never rise while a lot is locked, exits finish in request order, a deposit that
  leaves at once never returns more than it put in.
Budget: `STATEFUL_EXAMPLES` x `STATEFUL_STEPS` by default; `make fuzz` runs 2,000 x 100.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boa
import pytest
from eth_account import Account
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.core import vault_math as vm
from numerbay_desktop.core.vault_model import FINAL, VaultModel
from tests.contracts.oracle import ScheduleSpec, VaultOracle
from tests.contracts.vault_fixtures import (
    COMMITMENTS,
    MODEL_ID,
    OTHER_MODEL_ID,
    TIERS,
    VAULT_PARAMS,
    make_vault,
)

NMR = 10**18
DAY = 86_400
MASK96 = 2**96 - 1
SIGNER_KEY = bytes.fromhex("5a" * 32)  # tests/contracts/conftest.py's Numerai signer
FUZZ = os.environ.get("NUMERBAY_FUZZ") == "1"
STATEFUL_EXAMPLES = int(os.environ.get("NUMERBAY_STATEFUL_EXAMPLES", "50"))
STATEFUL_STEPS = int(os.environ.get("NUMERBAY_STATEFUL_STEPS", "200"))


@dataclass
class Deployment:
    """Contracts deployed once per test; each example runs inside its own boa anchor."""

    nmr: Any
    staking: Any
    factory: Any
    lens: Any
    vault: Any
    admin: Any  # the vault address with the merged vault + VaultAdmin ABI
    owner: str
    numerai: str
    stakers: list[str]
    deployed_at: int


def deploy(deployers: dict[str, Any], vault_source: Any | None = None) -> Deployment:
    """Deploy MockNMR, LocalAtomicStaking, the factory (with `vault_source` as blueprint)."""
    numerai = str(boa.env.generate_address("numerai"))
    owner = str(boa.env.generate_address("model-owner"))
    nmr = deployers["nmr"].deploy()
    signer = Account.from_key(SIGNER_KEY).address
    staking = deployers["staking"].deploy(nmr.address, signer, numerai)
    vault_deployer = vault_source or deployers["vault"]
    blueprint = vault_deployer.deploy_as_blueprint()
    admin = deployers["admin"].deploy()
    lens = deployers["lens"].deploy()
    treasury = boa.env.generate_address("treasury")
    factory = deployers["factory"].deploy(
        nmr.address, staking.address, blueprint.address, admin.address, lens.address, treasury
    )
    vault = make_vault(factory, vault_deployer, owner)
    stakers = [owner] + [str(boa.env.generate_address(f"staker{i}")) for i in range(3)]
    return Deployment(nmr, staking, factory, deployers["lens"].at(factory.lens()), vault,
                      deployers["full_abi"].at(vault.address), owner, numerai, stakers,
                      boa.env.timestamp)


def schedule_of(tiers: list[tuple[int, int, int]], commitments: list[tuple[int, int]]
                ) -> vm.Schedule:
    return vm.Schedule(tuple(vm.Tier(*t) for t in tiers),
                       tuple(vm.Commitment(*c) for c in commitments))


def spec_of(schedule: vm.Schedule) -> ScheduleSpec:
    tiers = [(t.min_stake, t.fixed_fee_bps, t.profit_share_bps) for t in schedule.tiers]
    return ScheduleSpec(tiers, [(c.duration, c.discount_bps) for c in schedule.commitments])


LOT = st.integers(0, 2**16)
STATS = {"examples": 0, "steps": 0}
STEPS_PER_EXAMPLE: list[int] = []  # steps (rules run) of each finished example
# a long campaign prints a progress line every N examples (NUMERBAY_STATEFUL_PROGRESS=N)
PROGRESS_EVERY = int(os.environ.get("NUMERBAY_STATEFUL_PROGRESS", "0"))
STARTED = time.monotonic()
# one line per machine run, shown at the end of every pytest run (tests/contracts/conftest.py)
SUMMARY: list[str] = []
# shrinking a long contract history can take many minutes: NUMERBAY_NO_SHRINK=1 skips it
PHASES = [p for p in Phase if not (p == Phase.shrink and os.environ.get("NUMERBAY_NO_SHRINK"))]
REFUSALS: dict[str, int] = {}
PERCENT = st.integers(0, 100)


def machine_for(world: Deployment) -> type[RuleBasedStateMachine]:
    """The state machine class bound to one deployment."""

    class VaultMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()  # boa's pytest plugin anchors every hypothesis example
            schedule = schedule_of(TIERS, COMMITMENTS)
            self.model = VaultModel(
                schedule, now=world.deployed_at,
                max_round_bps=VAULT_PARAMS["max_round_bps"],
                max_at_stake_bps=VAULT_PARAMS["max_at_stake_bps"],
                schedule_delay=VAULT_PARAMS["schedule_delay"],
                max_settle_delay=VAULT_PARAMS["max_settle_delay"],
                min_deposit=VAULT_PARAMS["min_deposit"], capacity=VAULT_PARAMS["capacity"],
                owner=world.owner, registered=False,
            )
            self.oracle = VaultOracle(spec_of(schedule))
            self.oracle.activations[0] = (world.deployed_at, spec_of(schedule))
            self.next_round = 1343
            self.round_of_seq: dict[int, int] = {}
            self.resolved: dict[int, tuple[int, int, list[bytes]]] = {}
            self.touched: set[int] = set()
            self.locked_terms: dict[int, tuple[int, int]] = {}
            self.steps = 0

        def teardown(self) -> None:
            STATS["examples"] += 1
            STATS["steps"] += self.steps
            STEPS_PER_EXAMPLE.append(self.steps)  # the invariants run once after every step
            if PROGRESS_EVERY and STATS["examples"] % PROGRESS_EVERY == 0:
                print(f"progress: {STATS['examples']} examples, {STATS['steps']} steps, "
                      f"{time.monotonic() - STARTED:.0f}s", flush=True)
            if os.environ.get("NUMERBAY_STATEFUL_DEBUG"):
                m = self.model
                print("lots", m.last_lot_id, "K", m.stake_count, "S", m.applied_count,
                      "exits", len(m.queue), "done", m.queue_head, "fees", m.fees_owed,
                      "versions", len(m.versions), "shut", m.shut_down)
            self.check_lens_values()

        # -- plumbing -----------------------------------------------------------------
        def sync_time(self) -> None:
            self.model.now = boa.env.timestamp

        def expect(self, model_call: Callable[[], Any], chain_call: Callable[[], Any]) -> Any:
            """Run the model, then the chain: same success, or the model's revert reason."""
            self.sync_time()
            try:
                predicted = model_call()
            except vm.VaultRuleError as refusal:
                REFUSALS[str(refusal)] = REFUSALS.get(str(refusal), 0) + 1
                with boa.reverts(str(refusal)):
                    chain_call()
                return None
            chain_call()
            return predicted if predicted is not None else True

        def after_records(self, fulfilled: list[tuple[int, int, int]]) -> None:
            while self.oracle.applied_count < self.model.applied_count:
                j = self.oracle.applied_count + 1
                sequence = self.oracle.apply_next(self.model.now)
                if sequence.eligible > 0:
                    assert sequence.eligible >= sequence.amount, f"X_{j} < A_{j}"
            for lot_id, _pay, _fee in fulfilled:
                self.oracle.fulfill(lot_id)
                self.touched.add(lot_id)

        def pick(self, index: int, *states: int) -> int | None:
            lots = [i for i in self.model.lots if self.model.state(i) in states]
            return lots[index % len(lots)] if lots else None

        def fund(self, account: str, amount: int) -> None:
            world.nmr.mint(account, amount)
            if world.nmr.allowance(account, world.vault.address):
                world.nmr.approve(world.vault.address, 0, sender=account)
            world.nmr.approve(world.vault.address, amount, sender=account)

        # -- stakers ------------------------------------------------------------------
        @initialize(amount=st.integers(100, 3000), percent=st.integers(1, 100))
        def owner_seeds_and_registers(self, amount: int, percent: int) -> None:
            self.deposit_as(0, amount * NMR, 0)
            self.stake_round(percent, False)

        def deposit_as(self, who: int, assets: int, commitment: int) -> int | None:
            account = world.stakers[who]
            self.fund(account, assets)
            self.sync_time()
            if commitment < len(self.model.current.commitments):
                # the app's fee preview (core/vault_math) must agree with the lens exactly
                basis = min(self.model.tier_basis(account, assets) // NMR, 2**32 - 1) * NMR
                mine = vm.preview_deposit(self.model.current, basis, commitment,
                                          self.model.now, self.model.stake_count)
                lens = world.lens.preview_deposit(world.vault.address, account, assets,
                                                  commitment)
                assert (mine.tier_id, mine.fixed_bps, mine.profit_bps, mine.unlock_time,
                        mine.first_sequence) == tuple(lens), "fee preview differs from lens"
            lot_id = self.expect(
                lambda: self.model.deposit(account, assets, commitment),
                lambda: world.vault.deposit(assets, commitment, 10_000, 10_000, sender=account),
            )
            if lot_id is not None:
                self.oracle.deposit(lot_id, account, assets, commitment, self.model.now)
                self.touched.add(lot_id)
            return lot_id

        @rule(who=st.integers(0, 3), whole=st.integers(1, 4000), wei=st.integers(0, NMR),
              commitment=st.integers(0, 3))
        def deposit(self, who: int, whole: int, wei: int, commitment: int) -> None:
            self.deposit_as(who, whole * NMR + wei, commitment)

        @rule(who=st.integers(0, 3), whole=st.integers(1, 4000), commitment=st.integers(0, 3))
        def deposit_whole(self, who: int, whole: int, commitment: int) -> None:
            self.deposit_as(who, whole * NMR, commitment)

        @rule(index=LOT)
        def cancel_deposit(self, index: int) -> None:
            lot_id = self.pick(index, 0, 1, 2, 3, 4)  # any open lot: refusals are checked too
            if lot_id is None:
                return
            owner = self.model.lots[lot_id].owner
            paid = self.expect(lambda: self.model.cancel_deposit(owner, lot_id),
                               lambda: world.vault.cancel_deposit(lot_id, sender=owner))
            if paid is not None:
                self.oracle.cancel(lot_id, paid)

        @rule(index=LOT)
        def request_exit(self, index: int) -> None:
            lot_id = self.pick(index, 0, 1, 2, 2, 2, 3, 4)
            if lot_id is None:
                return
            owner = self.model.lots[lot_id].owner
            x = self.expect(lambda: self.model.request_exit(owner, lot_id),
                            lambda: world.vault.request_exit(lot_id, sender=owner))
            if x is not None:
                self.oracle.request_exit(lot_id, self.model.now)
                self.touched.add(lot_id)

        @rule(count=st.integers(1, 8))
        def fulfill(self, count: int) -> None:
            done = self.expect(lambda: self.model.fulfill(count),
                               lambda: world.vault.fulfill(count))
            self.after_records(done or [])

        @rule(who=st.integers(0, 3))
        def claim(self, who: int) -> None:
            account = world.stakers[who]
            before = world.nmr.balanceOf(account)
            paid = self.expect(lambda: self.model.claim(account),
                               lambda: world.vault.claim(sender=account))
            if paid is not None:
                assert world.nmr.balanceOf(account) - before == paid
                self.oracle.claim(account, paid)

        @rule(who=st.integers(1, 3), whole=st.integers(1, 500))
        def deposit_and_leave(self, who: int, whole: int) -> None:
            """Nothing staked since the last application: in and straight out."""
            if self.model.stake_count != self.model.applied_count:
                return
            account = world.stakers[who]
            lot_id = self.deposit_as(who, whole * NMR, 0)
            if lot_id is None:
                return
            self.expect(lambda: self.model.request_exit(account, lot_id),
                        lambda: world.vault.request_exit(lot_id, sender=account))
            self.oracle.request_exit(lot_id, self.model.now)
            done = self.expect(lambda: self.model.fulfill(50), lambda: world.vault.fulfill(50))
            self.after_records(done or [])
            for fulfilled_id, pay, _fee in done or []:
                if fulfilled_id == lot_id:
                    assert pay <= whole * NMR, "deposit + immediate exit returned more"

        @rule(index=LOT)
        def checkpoint(self, index: int) -> None:
            lot_id = self.pick(index, 0, 1, 2, 3, 4)
            if lot_id is None:
                return
            if self.expect(lambda: self.model.checkpoint(lot_id),
                           lambda: world.vault.checkpoint(lot_id)) is not None:
                self.oracle.charge(lot_id, self.model.now)
                self.touched.add(lot_id)

        @rule(whole=st.integers(0, 100))
        def donate(self, whole: int) -> None:
            if whole < 90:  # rarely: a donation changes nothing but the balance
                return
            world.nmr.mint(world.vault.address, whole * NMR)

        # -- rounds -------------------------------------------------------------------
        @rule(percent=st.integers(1, 100), use_operator=st.booleans())
        def stake_round(self, percent: int, use_operator: bool) -> None:
            self.sync_time()
            amount = max(1, self.model.stake_ceiling() * percent // 100)
            rid = self.next_round
            self.next_round += 1
            now = boa.env.timestamp
            world.staking.create_round(rid, 8, now, now + DAY, sender=world.numerai)
            authorization = abs_codec.StakeAuthorization(
                tournament_id=8, round_id=rid, staker=world.vault.address, model_id=MODEL_ID,
                submission_hash=b"\x11" * 32, max_amount=amount,
                nonce=world.staking.nonces(world.vault.address), deadline=now + DAY,
            )
            signature = abs_codec.sign_authorization(
                SIGNER_KEY, authorization, chain_id=boa.env.evm.patch.chain_id,
                verifying_contract=world.staking.address)
            j = self.expect(
                lambda: self.model.stake(amount, rid),
                lambda: world.vault.stake_round(authorization.as_tuple(), amount, signature,
                                                sender=world.owner))
            if j is not None:
                self.oracle.stake(amount, self.model.now)
                self.round_of_seq[j] = rid

        @rule(percent=st.integers(1, 100))
        def stake_again(self, percent: int) -> None:
            self.stake_round(percent, False)

        def resolve(self, j: int, payout_pct: int, burn_pct: int) -> tuple[int, int, list[bytes]]:
            rid = self.round_of_seq[j]
            if rid in self.resolved:
                return self.resolved[rid]
            amount = self.model.seqs[j - 1].amount
            payout, burn = amount * payout_pct // 100, amount * burn_pct // 100
            close_time = world.staking.round(rid).close_time
            if boa.env.timestamp < close_time:
                boa.env.time_travel(seconds=close_time - boa.env.timestamp)
            leaves = [abs_codec.leaf(rid, world.vault.address, MODEL_ID, payout, burn),
                      abs_codec.leaf(rid, world.numerai, OTHER_MODEL_ID, 0, 0)]
            world.nmr.mint(world.numerai, payout)
            if payout:
                world.nmr.approve(world.staking.address, payout, sender=world.numerai)
            world.staking.resolve_round(rid, abs_codec.merkle_root(leaves), payout, burn,
                                        sender=world.numerai)
            self.resolved[rid] = (payout, burn, abs_codec.merkle_proof(leaves, 0))
            return self.resolved[rid]

        def unsettled(self) -> list[int]:
            return [j for j, s in enumerate(self.model.seqs, 1)
                    if (not s.recorded or (s.written_off and not s.late_booked))
                    and not self.claimed(j)]

        def claimed(self, j: int) -> bool:
            position = world.staking.position(self.round_of_seq[j], world.vault.address, MODEL_ID)
            return bool(position.claimed or position.finalized)

        @rule(index=LOT, payout=PERCENT, burn=PERCENT, zero=st.integers(0, 2))
        def settle_round(self, index: int, payout: int, burn: int, zero: int) -> None:
            waiting = self.unsettled()
            if not waiting:
                return
            j = waiting[index % len(waiting)]
            payout, burn = (0, burn) if zero == 0 else (payout, 0) if zero == 1 else (payout, burn)
            payout_amount, burn_amount, proof = self.resolve(j, payout, burn)
            amount = self.model.seqs[j - 1].amount
            received = amount + payout_amount - burn_amount
            written_off = self.model.seqs[j - 1].written_off
            fulfilled = self.expect(
                lambda: self.model.record(j, received),
                lambda: world.vault.settle_round(self.round_of_seq[j], payout_amount,
                                                 burn_amount, proof))
            if written_off:
                self.oracle.late_arrival(received)
            else:
                self.oracle.record(j, received)
            self.after_records(fulfilled or [])

        @rule(index=LOT, payout=PERCENT, burn=PERCENT)
        def settle_again(self, index: int, payout: int, burn: int) -> None:
            self.settle_round(index, payout, burn, 2)

        @rule(index=LOT, payout=PERCENT, burn=PERCENT)
        def numerai_finalizes(self, index: int, payout: int, burn: int) -> None:
            waiting = self.unsettled()
            if not waiting:
                return
            j = waiting[index % len(waiting)]
            payout_amount, burn_amount, proof = self.resolve(j, payout, burn)
            rid = self.round_of_seq[j]
            resolve_time = world.staking.round(rid).resolve_time
            wait = resolve_time + abs_codec.CLAIM_WINDOW_SECONDS - boa.env.timestamp
            if wait > 0:
                boa.env.time_travel(seconds=wait)
            world.staking.finalize(rid, world.vault.address, MODEL_ID, payout_amount,
                                   burn_amount, proof, sender=world.numerai)
            received = self.model.seqs[j - 1].amount + payout_amount - burn_amount
            written_off = self.model.seqs[j - 1].written_off
            fulfilled = self.expect(lambda: self.model.record(j, received),
                                    lambda: world.vault.sync_round(rid))
            if written_off:
                self.oracle.late_arrival(received)
            else:
                self.oracle.record(j, received)
            self.after_records(fulfilled or [])

        @rule(task=st.integers(0, 3), count=st.integers(1, 64))
        def housekeeping(self, task: int, count: int) -> None:
            """Anyone's upkeep: write-off, stall declaration, apply; the owner's fee claim."""
            if task == 0:
                j = self.model.applied_count + 1
                fulfilled = self.expect(self.model.write_off, world.vault.write_off)
                if fulfilled is not None:
                    self.oracle.write_off(j)
                    self.after_records(fulfilled if isinstance(fulfilled, list) else [])
            elif task == 1:
                self.expect(self.model.declare_stalled, world.vault.declare_stalled)
            elif task == 2:
                self.expect(lambda: self.model.apply(count), lambda: world.vault.apply(count))
                self.after_records([])
            else:
                paid = self.expect(self.model.claim_fees,
                                   lambda: world.admin.claim_fees(sender=world.owner))
                if paid is not None:
                    self.oracle.claim_fees(sum(paid))

        @rule(days=st.integers(0, 40), long=st.integers(0, 9))
        def time_travel(self, days: int, long: int) -> None:
            seconds = days * DAY + 3_600 if long else 151 * DAY
            boa.env.time_travel(seconds=seconds)

        # -- owner --------------------------------------------------------------------
        @rule(fixed0=st.integers(0, 1000), profit0=st.integers(0, 5000),
              fixed1=st.integers(0, 1000), profit1=st.integers(0, 5000),
              drop_commitment=st.booleans())
        def change_schedule(self, fixed0: int, profit0: int, fixed1: int, profit1: int,
                            drop_commitment: bool) -> None:
            if len(self.model.versions) >= vm.MAX_FEE_VERSIONS:
                return  # beyond MAX_FEE_VERSIONS the fee walk is bounded (contracts/SPEC.md)
            tiers = [(0, fixed0, profit0), (TIERS[1][0], fixed1, profit1)]
            commitments = COMMITMENTS[:2] if drop_commitment else COMMITMENTS
            world.admin.propose_schedule(tiers, commitments, sender=world.owner)
            boa.env.time_travel(seconds=VAULT_PARAMS["schedule_delay"])
            world.admin.activate_schedule()
            self.sync_time()
            schedule = schedule_of(tiers, commitments)
            self.model.activate_schedule(schedule)
            self.oracle.activate_schedule(spec_of(schedule), self.model.now)

        @rule(index=LOT)
        def roll(self, index: int) -> None:
            lot_id = self.pick(index, 0, 1, 2, 3, 4)
            if lot_id is None:
                return
            if self.expect(lambda: self.model.roll([lot_id]),
                           lambda: world.admin.roll([lot_id], sender=world.owner)):
                self.oracle.roll(lot_id, self.model.now)
                self.touched.add(lot_id)
                self.locked_terms.pop(lot_id, None)

        @rule(rare=st.integers(0, 39))
        def shutdown(self, rare: int) -> None:
            if rare:
                return
            if self.expect(self.model.shutdown,
                           lambda: world.admin.shutdown(sender=world.owner)):
                self.oracle.shutdown(self.model.now)

        # -- invariants ---------------------------------------------------------------
        @invariant()
        def ledger_matches_model(self) -> None:
            m = self.model
            w = list(world.vault.state_words())
            hot = w[0]
            assert hot & MASK96 == m.idle, "idle"
            assert hot >> 224 == m.stake_count, "stake count"
            assert (w[2], w[3], w[4], w[5], w[6]) == (
                m.at_stake, m.applied_count, m.units_total, m.exiting_units, m.index_ray)
            assert w[7] + ((hot >> 96) & MASK96) == sum(m.buckets.values()), "buckets"
            assert (w[8], w[9], w[10], w[11], w[12]) == (
                m.surplus, m.exits_due, m.claimable_total, m.fees_owed, m.recorded_total)
            assert (w[17], w[18]) == (m.queue_head, len(m.queue)), "exit queue"
            for lot_id in self.touched:
                a, b = world.vault.lot_words(lot_id)
                lot = m.lots.get(lot_id)
                if lot is None:
                    assert a == 0 and b == 0, f"lot {lot_id} should be closed"
                    continue
                assert b & MASK96 == lot.principal, f"lot {lot_id} principal"
                assert (a >> 160) & (2**24 - 1) == lot.entry_seq
                assert (b >> 128) & (2**24 - 1) == lot.hwm_seq
                assert ((b >> 241) & 2047, a >> 240) == (lot.fixed_bps, lot.profit_bps)
            self.touched.clear()
            balance = world.nmr.balanceOf(world.vault.address)
            assert balance >= m.idle + m.recorded_total, "NMR held below idle + recorded"

        @invariant()
        def cohorts_match_oracle(self) -> None:
            self.steps += 1
            m, oracle = self.model, self.oracle
            assert all(g >= 0 for g in m.index)
            if oracle.wiped_out or m.index_ray == 0:
                return
            dust = 4 * self.steps + 8
            lots = 0
            for lot_id in oracle.lots:
                expected = oracle.lot_value(lot_id) + oracle.final_value(lot_id)
                got = m.lot_value(lot_id)
                assert got <= expected + 2, f"lot {lot_id} worth {got} > {float(expected)}"
                assert expected - got <= dust, f"lot {lot_id}: {got} vs {float(expected)}"
                if m.state(lot_id) != FINAL:
                    lots += got
            liabilities = lots + m.exits_due + m.claimable_total + m.fees_owed + m.surplus
            slack = m.idle + m.at_stake - liabilities
            bound = dust * (len(oracle.lots) + 1)
            assert 0 <= slack <= bound, f"conservation slack {slack}"
            assert abs(m.fees_owed - oracle.fees_owed) <= bound, "fees owed"
            assert abs(m.exits_due - oracle.exits_due) <= bound, "exits due"

        @invariant()
        def terms_never_rise_while_locked(self) -> None:
            for lot_id, lot in self.model.lots.items():
                terms = (lot.fixed_bps, lot.profit_bps)
                if self.model.now < lot.unlock_time:
                    previous = self.locked_terms.setdefault(lot_id, terms)
                    assert terms[0] <= previous[0] and terms[1] <= previous[1]
                    charged = self.model.terms_now(lot)
                    assert charged.fixed_bps <= terms[0] and charged.profit_bps <= terms[1]

        def check_lens_values(self) -> None:
            """At the end: the lens's value + accrued fees equals the booked value."""
            for lot_id in list(self.model.lots)[:6]:
                view = world.lens.lot(world.vault.address, lot_id)
                booked = self.model.lot_value(lot_id)
                assert abs(view.value + view.accrued_fees - booked) <= 2, f"lens lot {lot_id}"

    return VaultMachine


@pytest.fixture
def deployers(
    nmr_deployer: Any, staking_deployer: Any, vault_deployer: Any, vault_admin_deployer: Any,
    vault_lens_deployer: Any, vault_factory_deployer: Any, vault_full_abi: Any,
) -> dict[str, Any]:
    return {"nmr": nmr_deployer, "staking": staking_deployer, "vault": vault_deployer,
            "admin": vault_admin_deployer, "lens": vault_lens_deployer,
            "factory": vault_factory_deployer, "full_abi": vault_full_abi}


def run_machine(world: Deployment, examples: int, steps: int, print_stats: bool = True,
                shrink: bool = True, derandomize: bool = False) -> None:
    started = time.monotonic()
    STATS.update(examples=0, steps=0)
    STEPS_PER_EXAMPLE.clear()
    phases = PHASES if shrink else [p for p in PHASES if p != Phase.shrink]
    run_state_machine_as_test(
        machine_for(world),
        settings=settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                          suppress_health_check=list(HealthCheck), database=None,
                          print_blob=True, phases=phases,
                          derandomize=derandomize),
    )
    line = stats_line(f"budget {examples} x {steps}", steps, time.monotonic() - started)
    SUMMARY.append(line)
    if print_stats:
        print("refused:", REFUSALS)
        print(line)


def stats_line(label: str, steps: int, seconds: float) -> str:
    """Examples and steps run so far by the current machine run (hypothesis statistics)."""
    lengths = sorted(STEPS_PER_EXAMPLE) or [0]
    full = sum(1 for n in lengths if n >= steps)
    return (f"stateful ({label}): {len(STEPS_PER_EXAMPLE)} examples, {sum(lengths)} steps "
            f"in {seconds:.1f}s; steps per example min {lengths[0]} median "
            f"{lengths[len(lengths) // 2]} max {lengths[-1]}, {full} ran the full {steps}")


def test_vault_stateful(deployers: dict[str, Any], boa_anchor: None) -> None:
    world = deploy(deployers)
    run_machine(world, STATEFUL_EXAMPLES, STATEFUL_STEPS)


@pytest.mark.fuzz
@pytest.mark.skipif(not FUZZ, reason="long campaign: make fuzz (NUMERBAY_FUZZ=1)")
def test_vault_stateful_fuzz(deployers: dict[str, Any], boa_anchor: None) -> None:
    world = deploy(deployers)
    run_machine(world, 2_000, 100)
