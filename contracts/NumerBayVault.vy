# pragma version ~=0.4.3
"""
@title NumerBayVault
@custom:contract-name NumerBayVault
@license MIT
@notice One vault per Numerai model. The vault itself is the Numerai staker: stakers'
        NMR never leaves it except into the staking contract fixed at creation and back.
        Exact round-cohort accounting (VAULT_SPEC section 3): every deposit takes part in
        exactly the rounds staked after it arrived, every exit stays exposed to exactly
        the rounds staked before it asked to leave. O(1) per operation.
@dev The owner's setters and schedule functions live in `VaultAdmin`, reached through
     `__default__` by delegatecall on this storage (`vault/state.vy`); the views live in
     `VaultLens`. See contracts/SPEC.md for the rules as built.
"""

from ethereum.ercs import IERC20
from interfaces import IAtomicStaking

from vault import state
from vault import ledger

initializes: state
initializes: ledger[state := state]


interface IFactory:
    def register() -> bool: nonpayable


# ---------------------------------------------------------------- immutables

NMR: immutable(IERC20)  # the asset
STAKING: immutable(IAtomicStaking)  # Numerai's staking contract, the only place NMR goes
ADMIN: immutable(address)  # VaultAdmin extension (delegatecall target)
MODEL_ID: immutable(bytes32)  # the Numerai model this vault stakes
MODEL_NAME: immutable(String[64])  # the model's name
MAX_ROUND_BPS: immutable(uint256)  # cap of one round's stake, bps of exposed value
MAX_AT_STAKE_BPS: immutable(uint256)  # cap of all open stakes, bps of exposed value
MAX_SETTLE_DELAY: immutable(uint256)  # seconds before an unsettled round can be written off


# ---------------------------------------------------------------- constructor


@deploy
def __init__(
    model_name: String[64],
    model_id: bytes32,
    owner: address,
    nmr: address,
    staking: address,
    admin: address,
    schedule: uint256[3],
    capacity: uint256,
    min_deposit: uint256,
    max_round_bps: uint256,
    max_at_stake_bps: uint256,
    max_settle_delay: uint256,
    schedule_delay: uint256,
):
    """
    @notice Called by the factory through its blueprint; the factory validated every bound
            and packed the schedule.
    """
    NMR = IERC20(nmr)
    STAKING = IAtomicStaking(staking)
    ADMIN = admin
    MODEL_ID = model_id
    MODEL_NAME = model_name
    MAX_ROUND_BPS = max_round_bps
    MAX_AT_STAKE_BPS = max_at_stake_bps
    MAX_SETTLE_DELAY = max_settle_delay
    state.owner = owner
    state.factory = msg.sender
    state.nmr = nmr
    state.schedule_delay = schedule_delay
    state.max_settle_delay = max_settle_delay
    state.config = capacity | (min_deposit << 96)
    state.schedules[0] = [
        schedule[0],
        schedule[1],
        (schedule[2] & ~(state.MASK40 << 200)) | (block.timestamp << 200),
    ]
    state.index_ray = state.RAY
    state.seqs[0][1] = state.RAY << 96
    log state.OwnershipTransferred(previous_owner=empty(address), new_owner=owner)


@external
@nonreentrant
def __default__():
    """@notice Everything else is the owner's extension, run on this storage."""
    raw_call(ADMIN, msg.data, is_delegate_call=True)


# ---------------------------------------------------------------- stakers


@external
@nonreentrant
def deposit(
    assets: uint256, commitment_id: uint256, max_fixed_bps: uint256, max_profit_bps: uint256
) -> uint256:
    """
    @notice Deposit `assets` NMR as a new lot with commitment `commitment_id`; the lot joins
            the rounds staked after this call.
    @param max_fixed_bps The highest effective fixed fee the depositor accepts.
    @param max_profit_bps The highest effective profit share the depositor accepts.
    @return The new lot id.
    """
    cfg: uint256 = state.config
    flags: uint256 = cfg >> 224
    assert flags & state.FLAG_PAUSED == 0, "NumerBayVault: paused"
    assert flags & state.FLAG_SHUTDOWN == 0, "NumerBayVault: shut down"
    assert not ledger.stalled(), "NumerBayVault: stalled"
    if flags & state.FLAG_REGISTERED == 0:
        assert msg.sender == state.owner, "NumerBayVault: not registered"
    if flags & state.FLAG_ALLOWLIST != 0:
        assert state.allowed[msg.sender], "NumerBayVault: not allowed"
    assert assets >= (cfg >> 96) & state.MASK96, "NumerBayVault: below min deposit"
    h: uint256 = state.hot
    idle: uint256 = h & state.MASK96
    assert idle + state.at_stake + assets <= cfg & state.MASK96, "NumerBayVault: over capacity"
    kk: uint256 = h >> 224

    # tier basis: this deposit plus open, non-exiting lots that can no longer be cancelled
    basis: uint256 = assets
    free_w: uint256 = 2
    free_i: uint256 = 0
    for w: uint256 in range(2):
        word: uint256 = state.account_lots[msg.sender][w]
        for i: uint256 in range(8):
            other: uint256 = (word >> (i * 32)) & state.MASK32
            if other == 0:
                if free_w == 2:
                    free_w = w
                    free_i = i
                continue
            oa: uint256 = state.lots[other][0]
            if (oa >> 160) & state.MASK24 < kk and (oa >> 184) & state.MASK24 == 0:
                basis += state.lots[other][1] & state.MASK96
    assert free_w != 2, "NumerBayVault: too many lots"

    # the second tier word is read only when the schedule has more than four tiers
    version: uint256 = (cfg >> 192) & state.MASK32
    w2: uint256 = state.schedules[version][2]
    sched: uint256[3] = [state.schedules[version][0], 0, w2]
    if (w2 >> 192) & 15 > 4:
        sched[1] = state.schedules[version][1]
    assert commitment_id < (w2 >> 196) & 15, "NumerBayVault: unknown commitment"
    basis_nmr: uint256 = min(basis // 10**18, state.MASK32)
    tier_id: uint256 = 0
    t: uint256 = 0
    tier_id, t = ledger.tier_of(sched, basis_nmr)
    cw: uint256 = sched[2] >> (commitment_id * 48)
    duration: uint256 = cw & state.MASK32
    fixed_bps: uint256 = ledger.eff((t >> 32) & 65535, (cw >> 32) & 65535)
    profit_bps: uint256 = ledger.eff((t >> 48) & 65535, (cw >> 32) & 65535)
    assert fixed_bps <= max_fixed_bps, "NumerBayVault: fixed fee above max"
    assert profit_bps <= max_profit_bps, "NumerBayVault: profit share above max"

    lot_id: uint256 = ((h >> 192) & state.MASK32) + 1
    state.account_lots[msg.sender][free_w] |= lot_id << (free_i * 32)
    unlock: uint256 = block.timestamp + duration
    state.lots[lot_id] = [
        convert(msg.sender, uint256) | (kk << 160) | (unlock << 208) | (profit_bps << 240),
        assets
        | (basis_nmr << 96)
        | (kk << 128)
        | (block.timestamp << 152)
        | (block.timestamp << 184)
        | (duration << 216)
        | (fixed_bps << 241),
    ]
    state.hot = (h + assets + (assets << 96)) & ~(state.MASK32 << 192) | (lot_id << 192)
    assert extcall NMR.transferFrom(msg.sender, self, assets, default_return_value=True)
    log state.Deposit(
        owner=msg.sender,
        lot_id=lot_id,
        assets=assets,
        entry_seq=kk,
        commitment_id=commitment_id,
        tier_id=tier_id,
        fixed_fee_bps=fixed_bps,
        profit_share_bps=profit_bps,
        unlock_time=unlock,
        tier_basis=basis,
    )
    return lot_id


@internal
@view
def _own_lot(lot_id: uint256) -> uint256:
    a: uint256 = state.lots[lot_id][0]
    assert a != 0, "NumerBayVault: no such lot"
    assert convert(a & state.MASK160, address) == msg.sender, "NumerBayVault: not lot owner"
    return a


@external
@nonreentrant
def cancel_deposit(lot_id: uint256):
    """
    @notice Take a deposit back while no round has been staked since it arrived; the whole
            principal comes back at once (nothing was at risk, no fee).
    """
    a: uint256 = self._own_lot(lot_id)
    assert (a >> 184) & state.MASK24 == 0, "NumerBayVault: already exiting"
    h: uint256 = state.hot
    assert (a >> 160) & state.MASK24 == h >> 224, "NumerBayVault: already staked"
    principal: uint256 = state.lots[lot_id][1] & state.MASK96
    state.hot = h - principal - (principal << 96)
    ledger.remove_account_lot(msg.sender, lot_id)
    state.lots[lot_id] = empty(uint256[2])
    assert extcall NMR.transfer(msg.sender, principal, default_return_value=True)
    log state.DepositCancelled(owner=msg.sender, lot_id=lot_id, assets=principal)


@external
@nonreentrant
def request_exit(lot_id: uint256) -> uint256:
    """
    @notice Ask to leave: the lot stays exposed to every round staked before this call and
            to none after. Charges the fixed fee accrued so far.
    @return The exit sequence x (the lot's exposure ends with sequence x).
    """
    a: uint256 = self._own_lot(lot_id)
    assert (a >> 184) & state.MASK24 == 0, "NumerBayVault: already exiting"
    k: uint256 = (a >> 160) & state.MASK24
    s: uint256 = state.applied_count
    assert s >= k, "NumerBayVault: not joined"
    if block.timestamp < (a >> 208) & state.MASK32:
        assert (
            state.config & (state.FLAG_SHUTDOWN << 224) != 0 or ledger.stalled()
        ), "NumerBayVault: locked"
    ledger.charge(lot_id, False)
    principal: uint256 = state.lots[lot_id][1] & state.MASK96
    x: uint256 = state.hot >> 224
    g_e: uint256 = ledger.g(k)
    folded: bool = s > k and g_e != 0
    final: bool = x == s
    if final:
        value: uint256 = principal
        if g_e != 0:
            units: uint256 = principal * state.RAY // g_e
            value = units * state.index_ray // state.RAY
            if folded:
                state.units_total -= units
        if not folded:
            ledger.bucket_sub(k, principal)
        state.exits_due += value
    else:
        assert g_e != 0, "NumerBayVault: not joined"
        units: uint256 = principal * state.RAY // g_e
        if not folded:
            # joined: move this lot's own part of bucket k into U now (G[k] is known)
            ledger.bucket_sub(k, principal)
            state.units_total += units
        state.exit_units[x] += units
        state.exiting_units += units
    state.lots[lot_id][0] = a | ((x + 1) << 184)
    tail: uint256 = state.queue_tail
    state.queue[tail] = lot_id
    state.queue_tail = tail + 1
    log state.ExitRequested(owner=msg.sender, lot_id=lot_id, exit_seq=x, final=final)
    return x


@internal
def _fulfill(max_count: uint256) -> uint256:
    head: uint256 = state.queue_head
    tail: uint256 = state.queue_tail
    s: uint256 = state.applied_count
    done: uint256 = 0
    for i: uint256 in range(state.MAX_FULFILL):
        if i >= max_count or head >= tail:
            break
        lot_id: uint256 = state.queue[head]
        a: uint256 = state.lots[lot_id][0]
        if a == 0:
            # defensive: a queued lot is only ever deleted here; never let one brick the queue
            head += 1
            continue
        if ((a >> 184) & state.MASK24) - 1 > s:
            break
        value: uint256 = 0
        fee: uint256 = 0
        value, fee = ledger.final_value(a, state.lots[lot_id][1])
        pay: uint256 = value - fee
        ct: uint256 = state.claimable_total
        if state.hot & state.MASK96 < ct + pay:
            break
        owner: address = convert(a & state.MASK160, address)
        state.exits_due -= value
        state.claimable[owner] += pay
        state.claimable_total = ct + pay
        ledger.remove_account_lot(owner, lot_id)
        state.lots[lot_id] = empty(uint256[2])
        head += 1
        done += 1
        if fee > 0:
            state.fees_owed += fee
            log state.FeesCharged(lot_id=lot_id, fixed_fee=0, profit_fee=fee)
        log state.ExitFulfilled(owner=owner, lot_id=lot_id, assets=pay, profit_fee=fee)
    state.queue_head = head
    return done


@external
@nonreentrant
def fulfill(max_count: uint256) -> uint256:
    """
    @notice Finish final exits in request order while idle NMR covers them (anyone).
    @param max_count At most this many (capped at MAX_FULFILL).
    @return The number of exits finished.
    """
    return self._fulfill(max_count)


@external
@nonreentrant
def claim() -> uint256:
    """@notice Send the caller's claimable NMR. @return The amount sent."""
    amount: uint256 = state.claimable[msg.sender]
    assert amount > 0, "NumerBayVault: nothing to claim"
    state.claimable[msg.sender] = 0
    state.claimable_total -= amount
    state.hot -= amount
    assert extcall NMR.transfer(msg.sender, amount, default_return_value=True)
    log state.Claimed(account=msg.sender, assets=amount)
    return amount


@external
@nonreentrant
def checkpoint(lot_id: uint256):
    """
    @notice Yearly crystallization of a lot's profit share (anyone), with its fixed fee,
            once 365 days have passed since the lot was last crystallized.
    """
    a: uint256 = state.lots[lot_id][0]
    assert a != 0, "NumerBayVault: no such lot"
    assert (a >> 184) & state.MASK24 == 0, "NumerBayVault: exiting"
    last: uint256 = (state.lots[lot_id][1] >> 184) & state.MASK32
    assert block.timestamp >= last + state.YEAR, "NumerBayVault: too early"
    ledger.charge(lot_id, True)


# ---------------------------------------------------------------- rounds


@external
@nonreentrant
def stake_round(
    authorization: IAtomicStaking.StakeAuthorization, amount: uint256, signature: Bytes[65]
) -> uint256:
    """
    @notice Stake `amount` NMR on one Numerai round with Numerai's authorization
            (owner or operator). The first success registers the vault in the factory.
    @return The sequence number j of this stake.
    """
    assert msg.sender == state.owner or msg.sender == state.operator, "NumerBayVault: not owner or operator"
    cfg: uint256 = state.config
    assert cfg & (state.FLAG_SHUTDOWN << 224) == 0, "NumerBayVault: shut down"
    assert not ledger.stalled(), "NumerBayVault: stalled"
    assert authorization.staker == self, "NumerBayVault: wrong staker"
    assert authorization.model_id == MODEL_ID, "NumerBayVault: wrong model"
    round_id: uint256 = authorization.round_id
    assert round_id > state.last_round_id and round_id <= state.MASK64, "NumerBayVault: round not new"
    assert amount > 0 and amount <= authorization.max_amount, "NumerBayVault: bad amount"
    exposed: uint256 = ledger.exposed()
    assert amount <= exposed * MAX_ROUND_BPS // state.BPS, "NumerBayVault: above round cap"
    at_stake: uint256 = state.at_stake
    assert at_stake + amount <= exposed * MAX_AT_STAKE_BPS // state.BPS, "NumerBayVault: above at-stake cap"
    h: uint256 = state.hot
    reserves: uint256 = (
        state.claimable_total
        + state.exits_due
        + state.fees_owed
        + (state.exiting_units * state.index_ray + state.RAY - 1) // state.RAY
    )
    assert h & state.MASK96 >= reserves + amount, "NumerBayVault: eats reserves"

    assert extcall NMR.approve(STAKING.address, amount, default_return_value=True)
    before: uint256 = staticcall NMR.balanceOf(self)
    extcall STAKING.stake(authorization, amount, signature)
    pulled: uint256 = before - staticcall NMR.balanceOf(self)
    assert pulled > 0 and pulled <= amount, "NumerBayVault: bad pull"
    if staticcall NMR.allowance(self, STAKING.address) != 0:
        assert extcall NMR.approve(STAKING.address, 0, default_return_value=True)

    kk: uint256 = h >> 224
    j: uint256 = kk + 1
    cur: uint256 = (h >> 96) & state.MASK96
    if cur != 0:
        state.buckets[kk] = cur
        state.bucket_total += cur
    state.hot = (h & (state.MASK32 << 192)) | ((h & state.MASK96) - pulled) | (j << 224)
    state.seqs[j][0] = round_id | (pulled << 64) | (block.timestamp << 160)
    state.round_seq[round_id] = j
    state.last_round_id = round_id
    state.at_stake = at_stake + pulled
    if state.first_stake_time == 0:
        state.first_stake_time = block.timestamp
    if cfg & (state.FLAG_REGISTERED << 224) == 0:
        if extcall IFactory(state.factory).register():
            state.config = cfg | (state.FLAG_REGISTERED << 224)
            log state.Registered(vault=self, model_id=MODEL_ID)
    log state.RoundStaked(
        seq=j, round_id=round_id, amount=pulled, submission_hash=authorization.submission_hash
    )
    return j


@internal
def _record(j: uint256, round_id: uint256, received: uint256):
    """@dev Book NMR that arrived for sequence j, then apply and fulfil what is ready."""
    s0: uint256 = state.seqs[j][0]
    flags: uint256 = (s0 >> 200) & 255
    if flags & state.SEQ_WRITTEN_OFF != 0:
        # the sequence was already booked as 0: what arrives later joins the next result
        assert flags & state.SEQ_LATE_BOOKED == 0, "NumerBayVault: already recorded"
        state.seqs[j][0] = s0 | (state.SEQ_LATE_BOOKED << 200)
        state.surplus += received
        state.hot += received
        log state.RoundRecorded(seq=j, round_id=round_id, received=received, late=True)
    else:
        assert flags & state.SEQ_RECORDED == 0, "NumerBayVault: already recorded"
        state.seqs[j][0] = s0 | (state.SEQ_RECORDED << 200)
        state.seqs[j][1] = received
        state.recorded_total += received
        log state.RoundRecorded(seq=j, round_id=round_id, received=received, late=False)
    self._apply(state.AUTO_APPLY)
    self._fulfill(state.AUTO_FULFILL)


@internal
def _apply(max_count: uint256) -> uint256:
    """@dev Apply recorded sequences strictly in order (section 3)."""
    s: uint256 = state.applied_count
    kk: uint256 = state.hot >> 224
    done: uint256 = 0
    for i: uint256 in range(state.MAX_APPLY):
        if i >= max_count or s >= kk:
            break
        j: uint256 = s + 1
        s0: uint256 = state.seqs[j][0]
        if (s0 >> 200) & state.SEQ_RECORDED == 0:
            break
        amount: uint256 = (s0 >> 64) & state.MASK96
        received: uint256 = state.seqs[j][1] & state.MASK96
        g_prev: uint256 = state.index_ray
        u: uint256 = state.units_total
        b: uint256 = state.buckets[s]
        if b != 0 and g_prev != 0:
            u += b * state.RAY // g_prev
            state.bucket_total -= b
            state.buckets[s] = 0
        x_val: uint256 = u * g_prev // state.RAY
        state.at_stake -= amount
        state.recorded_total -= received
        state.hot += received
        g_new: uint256 = g_prev
        ret: int256 = 0
        if x_val == 0:
            state.surplus += received
        else:
            gain: uint256 = received + state.surplus
            state.surplus = 0
            if gain >= amount:
                g_new = g_prev + (gain - amount) * state.RAY // u
                ret = convert((gain - amount) * state.RAY // x_val, int256)
            else:
                loss: uint256 = amount - gain
                drop: uint256 = (loss * state.RAY + u - 1) // u
                ret = -convert(loss * state.RAY // x_val, int256)
                if drop >= g_prev:
                    g_new = 0
                else:
                    g_new = g_prev - drop
        s = j
        state.seqs[j][1] = received | (g_new << 96)
        e: uint256 = state.exit_units[j]
        if e != 0:
            state.exits_due += e * g_new // state.RAY
            u -= e
            state.exiting_units -= e
        state.units_total = u
        state.index_ray = g_new
        state.applied_count = s
        done += 1
        if g_new == 0 and state.shutdown_time == 0:
            state.config |= state.FLAG_SHUTDOWN << 224
            state.shutdown_time = block.timestamp
            log state.Shutdown(timestamp=block.timestamp)
        log state.RoundSettled(
            seq=j,
            round_id=s0 & state.MASK64,
            principal=amount,
            received=received,
            return_ray=ret,
            index_ray=g_new,
            exposed_value=ledger.exposed(),
            timestamp=block.timestamp,
        )
    cfg: uint256 = state.config
    if cfg & (state.FLAG_STALLED << 224) != 0 and not ledger.stalled():
        state.config = cfg & ~(state.FLAG_STALLED << 224)
        log state.StalledSet(stalled=False)
    return done


@internal
def _seq_of(round_id: uint256) -> uint256:
    j: uint256 = state.round_seq[round_id]
    assert j != 0, "NumerBayVault: unknown round"
    return j


@external
@nonreentrant
def settle_round(
    round_id: uint256, payout: uint256, burn: uint256, proof: DynArray[bytes32, state.MAX_PROOF]
) -> uint256:
    """
    @notice Claim a resolved round through the staking contract with its Merkle proof
            (anyone) and book the NMR that arrived; applies what is next in line.
    @return The NMR received.
    """
    j: uint256 = self._seq_of(round_id)
    before: uint256 = staticcall NMR.balanceOf(self)
    extcall STAKING.claim(round_id, MODEL_ID, payout, burn, proof)
    received: uint256 = staticcall NMR.balanceOf(self) - before
    self._record(j, round_id, received)
    return received


@external
@nonreentrant
def sync_round(round_id: uint256) -> uint256:
    """
    @notice Book a position Numerai finalized (NMR sent without our claim), capped by
            the NMR that arrived unaccounted (anyone).
    @return The NMR recorded.
    """
    j: uint256 = self._seq_of(round_id)
    p: IAtomicStaking.Position = staticcall STAKING.position(round_id, self, MODEL_ID)
    assert p.claimed or p.finalized, "NumerBayVault: not settled"
    loose: uint256 = staticcall NMR.balanceOf(self) - (state.hot & state.MASK96) - state.recorded_total
    amount: uint256 = min(p.settled_amount, loose)
    self._record(j, round_id, amount)
    return amount


@external
@nonreentrant
def apply(max_count: uint256) -> uint256:
    """
    @notice Apply recorded sequences in order beyond the 8 a settlement applies (anyone).
    @return The number of sequences applied.
    """
    return self._apply(max_count)


@external
@nonreentrant
def write_off():
    """
    @notice Record the next sequence as 0 when it was staked more than max_settle_delay
            ago and its result never came, so the vault is never frozen (anyone).
    """
    j: uint256 = state.applied_count + 1
    assert j <= state.hot >> 224, "NumerBayVault: nothing to write off"
    s0: uint256 = state.seqs[j][0]
    assert (s0 >> 200) & state.SEQ_RECORDED == 0, "NumerBayVault: already recorded"
    assert ((s0 >> 160) & state.MASK40) + MAX_SETTLE_DELAY < block.timestamp, "NumerBayVault: too early"
    state.seqs[j][0] = s0 | ((state.SEQ_RECORDED | state.SEQ_WRITTEN_OFF) << 200)
    log state.RoundWrittenOff(seq=j, round_id=s0 & state.MASK64)
    self._apply(state.AUTO_APPLY)
    self._fulfill(state.AUTO_FULFILL)


@external
@nonreentrant
def declare_stalled():
    """
    @notice Declare the vault stalled when its oldest unapplied sequence is older than
            max_settle_delay (anyone): deposits and stakes stop, every lot is unlocked.
    """
    cfg: uint256 = state.config
    assert cfg & (state.FLAG_STALLED << 224) == 0, "NumerBayVault: already stalled"
    state.config = cfg | (state.FLAG_STALLED << 224)
    assert ledger.stalled(), "NumerBayVault: not stalled"
    log state.StalledSet(stalled=True)


# ---------------------------------------------------------------- raw getters


@view
@external
def owner() -> address:
    """@notice The vault's owner."""
    return state.owner


@view
@external
def pending_owner() -> address:
    """@notice The proposed owner (two-step)."""
    return state.pending_owner


@view
@external
def operator() -> address:
    """@notice The keeper allowed to stake rounds."""
    return state.operator


@view
@external
def model_id() -> bytes32:
    """@notice The Numerai model id (bytes32)."""
    return MODEL_ID


@view
@external
def model_name() -> String[64]:
    """@notice The Numerai model name."""
    return MODEL_NAME


@view
@external
def nmr() -> address:
    """@notice The asset."""
    return NMR.address


@view
@external
def staking() -> address:
    """@notice Numerai's staking contract."""
    return STAKING.address


@view
@external
def factory() -> address:
    """@notice The factory that created this vault."""
    return state.factory


@view
@external
def admin() -> address:
    """@notice The VaultAdmin extension."""
    return ADMIN


@view
@external
def limits() -> uint256[4]:
    """@notice max_round_bps, max_at_stake_bps, max_settle_delay, schedule_delay."""
    return [MAX_ROUND_BPS, MAX_AT_STAKE_BPS, MAX_SETTLE_DELAY, state.schedule_delay]


@view
@external
def is_shutdown() -> bool:
    """@notice True once shut down (permanent)."""
    return state.config & (state.FLAG_SHUTDOWN << 224) != 0


@view
@external
def claimable(account: address) -> uint256:
    """@notice NMR ready for `account` to claim."""
    return state.claimable[account]


@view
@external
def allowed(account: address) -> bool:
    """@notice Allowlist membership."""
    return state.allowed[account]


@view
@external
def state_words() -> uint256[20]:
    """@notice The packed scalars, decoded by VaultLens (order in contracts/SPEC.md)."""
    return [
        state.hot,
        state.config,
        state.at_stake,
        state.applied_count,
        state.units_total,
        state.exiting_units,
        state.index_ray,
        state.bucket_total,
        state.surplus,
        state.exits_due,
        state.claimable_total,
        state.fees_owed,
        state.recorded_total,
        state.last_round_id,
        state.first_stake_time,
        state.shutdown_time,
        state.pending_eta,
        state.queue_head,
        state.queue_tail,
        convert(ledger.stalled(), uint256),
    ]


@view
@external
def lot_words(lot_id: uint256) -> uint256[2]:
    """@notice The packed lot."""
    return state.lots[lot_id]


@view
@external
def account_lot_words(account: address) -> uint256[2]:
    """@notice The account's 16 open lot ids, 32 bits each."""
    return state.account_lots[account]


@view
@external
def seq_words(j: uint256) -> uint256[2]:
    """@notice The packed sequence j."""
    return state.seqs[j]


@view
@external
def schedule_words(version: uint256) -> uint256[3]:
    """@notice The packed schedule `version` (current + 1 is the pending one)."""
    return state.schedules[version]


@view
@external
def bucket_of(k: uint256) -> uint256:
    """@notice Principal of bucket k (the current bucket K is in state_words()[0])."""
    return state.buckets[k]


@view
@external
def exit_units_of(x: uint256) -> uint256:
    """@notice Units whose exposure ends with sequence x."""
    return state.exit_units[x]


@view
@external
def queue_at(i: uint256) -> uint256:
    """@notice Lot id at exit-queue position i."""
    return state.queue[i]
