# pragma version ~=0.4.3
"""
@title VaultAdmin
@custom:contract-name VaultAdmin
@license MIT
@notice The owner's setters and schedule functions of every NumerBayVault, run by
        delegatecall from the vault's `__default__` on the vault's own storage. Call
        these on the vault address with this contract's ABI.
@dev Declares no storage besides `vault/state.vy`, exactly like NumerBayVault, so the
     layouts are identical (checked by a test). Only functions returning nothing live
     here (Vyper 0.4.3 has no raw_return). Called directly, its own storage has no owner,
     so every owner function reverts; anyone-functions find nothing pending.
"""

from ethereum.ercs import IERC20

from vault import state
from vault import ledger
from vault import types

initializes: state
initializes: ledger[state := state]


interface IFactory:
    def validate_schedule(
        tiers: DynArray[types.Tier, state.MAX_TIERS],
        commitments: DynArray[types.Commitment, state.MAX_COMMITMENTS],
    ) -> uint256[3]: view
    def treasury() -> address: view
    def protocol_fee_bps() -> uint256: view


# ---------------------------------------------------------------- helpers


@internal
@view
def _only_owner():
    assert msg.sender == state.owner, "VaultAdmin: not owner"


@internal
def _set_flag(flag: uint256, on: bool):
    if on:
        state.config |= flag << 224
    else:
        state.config &= ~(flag << 224)


@internal
@view
def _flag(flag: uint256) -> bool:
    return state.config & (flag << 224) != 0


# ---------------------------------------------------------------- schedules


@external
def propose_schedule(
    tiers: DynArray[types.Tier, state.MAX_TIERS],
    commitments: DynArray[types.Commitment, state.MAX_COMMITMENTS],
):
    """
    @notice Propose a new fee schedule; it can be activated after schedule_delay.
            A new proposal replaces a pending one and restarts its delay.
    @dev The factory validates the protocol bounds and packs the words (staticcall).
    """
    self._only_owner()
    words: uint256[3] = staticcall IFactory(state.factory).validate_schedule(tiers, commitments)
    version: uint256 = ((state.config >> 192) & state.MASK32) + 1
    state.schedules[version] = words
    eta: uint256 = block.timestamp + state.schedule_delay
    state.pending_eta = eta
    log state.ScheduleProposed(version=version, eta=eta)


@external
def cancel_schedule():
    """@notice Drop the pending schedule."""
    self._only_owner()
    assert state.pending_eta != 0, "VaultAdmin: nothing pending"
    state.pending_eta = 0
    log state.ScheduleCancelled(version=((state.config >> 192) & state.MASK32) + 1)


@external
def activate_schedule():
    """@notice Make the pending schedule current once its eta has passed (anyone)."""
    eta: uint256 = state.pending_eta
    assert eta != 0, "VaultAdmin: nothing pending"
    assert block.timestamp >= eta, "VaultAdmin: too early"
    version: uint256 = ((state.config >> 192) & state.MASK32) + 1
    w2: uint256 = state.schedules[version][2]
    state.schedules[version][2] = (w2 & ~(state.MASK40 << 200)) | (block.timestamp << 200)
    state.config = (state.config & ~(state.MASK32 << 192)) | (version << 192)
    state.pending_eta = 0
    log state.ScheduleActivated(version=version)


@external
def roll(lot_ids: DynArray[uint256, state.MAX_ROLL]):
    """
    @notice Move unlocked, non-exiting lots onto the current terms (charging what they
            owe first, keeping unlock_time). Only a schedule activated at least
            schedule_delay ago can be rolled onto.
    """
    self._only_owner()
    version: uint256 = (state.config >> 192) & state.MASK32
    w: uint256[3] = state.schedules[version]
    assert ((w[2] >> 200) & state.MASK40) + state.schedule_delay <= block.timestamp, "VaultAdmin: schedule too new"
    for lot_id: uint256 in lot_ids:
        a: uint256 = state.lots[lot_id][0]
        assert a != 0, "VaultAdmin: no such lot"
        assert (a >> 184) & state.MASK24 == 0, "VaultAdmin: exiting"
        assert block.timestamp >= (a >> 208) & state.MASK32, "VaultAdmin: locked"
        ledger.charge(lot_id, True)
        b: uint256 = state.lots[lot_id][1]
        t: uint256 = ledger.tier_of(w, (b >> 96) & state.MASK32)[1]
        duration: uint256 = (b >> 216) & (2**25 - 1)
        n: uint256 = (w[2] >> 196) & 15
        cw: uint256 = w[2]  # commitments[0] unless one has the lot's duration
        for c: uint256 in range(state.MAX_COMMITMENTS):
            if c >= n:
                break
            if (w[2] >> (c * 48)) & state.MASK32 == duration:
                cw = w[2] >> (c * 48)
                break
        duration = cw & state.MASK32
        fixed_bps: uint256 = ledger.eff((t >> 32) & 65535, (cw >> 32) & 65535)
        profit_bps: uint256 = ledger.eff((t >> 48) & 65535, (cw >> 32) & 65535)
        state.lots[lot_id][0] = (a & ~(65535 << 240)) | (profit_bps << 240)
        state.lots[lot_id][1] = (
            (b & ~(((2**25 - 1) << 216) | (2047 << 241))) | (duration << 216) | (fixed_bps << 241)
        )
        log state.Rolled(
            lot_id=lot_id,
            fixed_fee_bps=fixed_bps,
            profit_share_bps=profit_bps,
            commitment_duration=duration,
            schedule_version=version,
        )


# ---------------------------------------------------------------- setters


@external
def set_operator(operator: address):
    """@notice Set the keeper allowed to stake_round (empty: none)."""
    self._only_owner()
    log state.UpdateOperator(old_operator=state.operator, new_operator=operator)
    state.operator = operator


@external
def set_capacity(capacity: uint256):
    """@notice Set the cap of total assets (deposits beyond it revert)."""
    self._only_owner()
    assert capacity <= state.MASK96, "VaultAdmin: capacity too large"
    cfg: uint256 = state.config
    log state.UpdateCapacity(old_capacity=cfg & state.MASK96, new_capacity=capacity)
    state.config = (cfg & ~state.MASK96) | capacity


@external
def set_min_deposit(min_deposit: uint256):
    """@notice Set the smallest deposit (at least 1 NMR)."""
    self._only_owner()
    assert min_deposit >= 10**18 and min_deposit <= state.MASK96, "VaultAdmin: bad min deposit"
    cfg: uint256 = state.config
    log state.UpdateMinDeposit(old_min_deposit=(cfg >> 96) & state.MASK96, new_min_deposit=min_deposit)
    state.config = (cfg & ~(state.MASK96 << 96)) | (min_deposit << 96)


@external
def set_paused(paused: bool):
    """@notice Pause or resume deposits (exits, claims, settlements always work)."""
    self._only_owner()
    self._set_flag(state.FLAG_PAUSED, paused)
    log state.PausedSet(paused=paused)


@external
def set_allowlist_enabled(enabled: bool):
    """@notice Enforce the allowlist on deposits, or stop enforcing it."""
    self._only_owner()
    log state.UpdateAllowlistEnabled(old_enabled=self._flag(state.FLAG_ALLOWLIST), new_enabled=enabled)
    self._set_flag(state.FLAG_ALLOWLIST, enabled)


@external
def set_allowed(accounts: DynArray[address, state.MAX_ALLOWED], allowed: bool):
    """@notice Add accounts to or remove them from the allowlist."""
    self._only_owner()
    for account: address in accounts:
        state.allowed[account] = allowed
        log state.AllowedSet(account=account, allowed=allowed)


@external
def shutdown():
    """
    @notice Permanent: no deposits, no new stakes, the fixed fee stops, every lot is
            unlocked; settlements and exits go on until everything is returned.
    """
    self._only_owner()
    assert not self._flag(state.FLAG_SHUTDOWN), "VaultAdmin: already shut down"
    self._set_flag(state.FLAG_SHUTDOWN, True)
    state.shutdown_time = block.timestamp
    log state.Shutdown(timestamp=block.timestamp)


@external
def claim_fees():
    """
    @notice Pay fees_owed from what idle holds beyond claimable_total + exits_due: the
            factory's protocol cut to its treasury, the rest to the owner.
    """
    self._only_owner()
    idle: uint256 = state.hot & state.MASK96
    reserved: uint256 = state.claimable_total + state.exits_due
    assert idle > reserved, "VaultAdmin: no idle NMR"
    pay: uint256 = min(state.fees_owed, idle - reserved)
    assert pay > 0, "VaultAdmin: no fees"
    factory: IFactory = IFactory(state.factory)
    treasury: address = staticcall factory.treasury()
    cut: uint256 = pay * staticcall factory.protocol_fee_bps() // state.BPS
    state.fees_owed -= pay
    state.hot -= pay
    token: IERC20 = IERC20(state.nmr)
    if cut != 0:
        assert extcall token.transfer(treasury, cut, default_return_value=True)
    assert extcall token.transfer(msg.sender, pay - cut, default_return_value=True)
    log state.FeesClaimed(owner=msg.sender, owner_amount=pay - cut, treasury=treasury, protocol_amount=cut)


# ---------------------------------------------------------------- ownership


@external
def transfer_ownership(new_owner: address):
    """@notice Start a two-step ownership transfer (empty address cancels it)."""
    self._only_owner()
    state.pending_owner = new_owner
    log state.OwnershipTransferStarted(previous_owner=state.owner, new_owner=new_owner)


@external
def accept_ownership():
    """@notice The pending owner accepts ownership."""
    new_owner: address = state.pending_owner
    assert msg.sender == new_owner and new_owner != empty(address), "VaultAdmin: not pending owner"
    log state.OwnershipTransferred(previous_owner=state.owner, new_owner=new_owner)
    state.owner = new_owner
    state.pending_owner = empty(address)
