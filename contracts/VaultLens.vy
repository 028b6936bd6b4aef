# pragma version ~=0.4.3
"""
@title VaultLens
@custom:contract-name VaultLens
@license MIT
@notice The views of VAULT_SPEC section 7 for every NumerBayVault, one call each, taking
        the vault address first. It decodes the vault's packed raw getters with the same
        arithmetic the vault uses (the `ledger` module's pure functions).
@dev Stateless: the `state` module is initialized only to reuse `ledger`'s pure helpers;
     this contract never reads or writes its own storage.
"""

from vault import state
from vault import ledger
from vault import types

initializes: state
initializes: ledger[state := state]


interface IVault:
    def owner() -> address: view
    def operator() -> address: view
    def model_id() -> bytes32: view
    def model_name() -> String[64]: view
    def staking() -> address: view
    def limits() -> uint256[4]: view
    def claimable(account: address) -> uint256: view
    def state_words() -> uint256[20]: view
    def lot_words(lot_id: uint256) -> uint256[2]: view
    def account_lot_words(account: address) -> uint256[2]: view
    def seq_words(j: uint256) -> uint256[2]: view
    def schedule_words(version: uint256) -> uint256[3]: view


struct VaultInfo:
    model_name: String[64]
    model_id: bytes32
    owner: address
    operator: address
    staking: address
    registered: bool
    total_assets: uint256
    idle: uint256
    at_stake: uint256
    exposed_value: uint256
    claimable_total: uint256
    exits_due: uint256
    fees_owed: uint256
    surplus: uint256
    stake_count: uint256
    applied_count: uint256
    index_ray: uint256
    last_return_ray: int256
    capacity: uint256
    min_deposit: uint256
    paused: bool
    shut_down: bool
    stalled: bool
    queue_head: uint256
    queue_length: uint256
    schedule_version: uint256
    pending_eta: uint256
    max_round_bps: uint256
    max_at_stake_bps: uint256


struct LotView:
    lot_id: uint256
    owner: address
    state: uint8
    principal: uint256
    units: uint256
    tier_basis: uint256
    hwm_ray: uint256
    entry_seq: uint256
    exit_seq: uint256
    exiting: bool
    unlock_time: uint256
    last_fee_time: uint256
    last_crystallized: uint256
    commitment_duration: uint256
    fixed_fee_bps: uint256
    profit_share_bps: uint256
    value: uint256
    accrued_fees: uint256
    claimable: uint256


struct DepositPreview:
    tier_id: uint256
    fixed_fee_bps: uint256
    profit_share_bps: uint256
    unlock_time: uint256
    first_seq: uint256


struct SequenceView:
    round_id: uint256
    amount: uint256
    stake_time: uint256
    recorded: bool
    written_off: bool
    applied: bool
    received: uint256
    return_ray: int256
    index_ray: uint256


LOT_PENDING: constant(uint8) = 0  # S < entry
LOT_JOINED: constant(uint8) = 1  # S == entry
LOT_ACTIVE: constant(uint8) = 2  # S > entry, not exiting
LOT_EXITING: constant(uint8) = 3  # asked to leave at x, S < x
LOT_FINAL: constant(uint8) = 4  # exiting and S >= x, not yet fulfilled
LOT_CLOSED: constant(uint8) = 5  # unknown, cancelled or fulfilled


@internal
@view
def _g(vault: IVault, j: uint256) -> uint256:
    return (staticcall vault.seq_words(j))[1] >> 96


@internal
@view
def _decode(w: uint256[3]) -> (DynArray[types.Tier, 8], DynArray[types.Commitment, 4]):
    tiers: DynArray[types.Tier, 8] = []
    commitments: DynArray[types.Commitment, 4] = []
    n: uint256 = (w[2] >> 192) & 15
    m: uint256 = (w[2] >> 196) & 15
    for i: uint256 in range(8):
        if i >= n:
            break
        t: uint256 = w[i // 4] >> ((i % 4) * 64)
        tiers.append(
            types.Tier(
                min_stake=(t & state.MASK32) * 10**18,
                fixed_fee_bps=convert((t >> 32) & 65535, uint16),
                profit_share_bps=convert((t >> 48) & 65535, uint16),
            )
        )
    for c: uint256 in range(4):
        if c >= m:
            break
        cw: uint256 = w[2] >> (c * 48)
        commitments.append(
            types.Commitment(
                duration=convert(cw & state.MASK32, uint64),
                discount_bps=convert((cw >> 32) & 65535, uint16),
            )
        )
    return tiers, commitments


@view
@external
def vault_info(vault: IVault) -> VaultInfo:
    """@notice Everything the app shows about a vault, in one call."""
    w: uint256[20] = staticcall vault.state_words()
    lim: uint256[4] = staticcall vault.limits()
    h: uint256 = w[0]
    cfg: uint256 = w[1]
    flags: uint256 = cfg >> 224
    s: uint256 = w[3]
    ret: int256 = 0
    if s > 0:
        g_prev: uint256 = self._g(vault, s - 1)
        if g_prev != 0:
            ret = (convert(w[6], int256) - convert(g_prev, int256)) * convert(state.RAY, int256) // convert(g_prev, int256)
    return VaultInfo(
        model_name=staticcall vault.model_name(),
        model_id=staticcall vault.model_id(),
        owner=staticcall vault.owner(),
        operator=staticcall vault.operator(),
        staking=staticcall vault.staking(),
        registered=flags & state.FLAG_REGISTERED != 0,
        total_assets=(h & state.MASK96) + w[2],
        idle=h & state.MASK96,
        at_stake=w[2],
        exposed_value=(w[4] - w[5]) * w[6] // state.RAY + w[7] + ((h >> 96) & state.MASK96),
        claimable_total=w[10],
        exits_due=w[9],
        fees_owed=w[11],
        surplus=w[8],
        stake_count=h >> 224,
        applied_count=s,
        index_ray=w[6],
        last_return_ray=ret,
        capacity=cfg & state.MASK96,
        min_deposit=(cfg >> 96) & state.MASK96,
        paused=flags & state.FLAG_PAUSED != 0,
        shut_down=flags & state.FLAG_SHUTDOWN != 0,
        stalled=w[19] != 0,
        queue_head=w[17],
        queue_length=w[18] - w[17],
        schedule_version=(cfg >> 192) & state.MASK32,
        pending_eta=w[16],
        max_round_bps=lim[0],
        max_at_stake_bps=lim[1],
    )


@view
@external
def schedule(vault: IVault) -> (DynArray[types.Tier, 8], DynArray[types.Commitment, 4]):
    """@notice The current fee schedule: tiers and commitments."""
    cfg: uint256 = (staticcall vault.state_words())[1]
    return self._decode(staticcall vault.schedule_words((cfg >> 192) & state.MASK32))


@view
@external
def pending_schedule(vault: IVault) -> (DynArray[types.Tier, 8], DynArray[types.Commitment, 4], uint256):
    """@notice The pending fee schedule and its eta (eta 0 and empty lists: none)."""
    w: uint256[20] = staticcall vault.state_words()
    if w[16] == 0:
        return [], [], 0
    tiers: DynArray[types.Tier, 8] = []
    commitments: DynArray[types.Commitment, 4] = []
    tiers, commitments = self._decode(staticcall vault.schedule_words(((w[1] >> 192) & state.MASK32) + 1))
    return tiers, commitments, w[16]


@view
@external
def lots_of(vault: IVault, account: address) -> DynArray[uint256, 16]:
    """@notice Ids of the account's open lots, oldest slot first."""
    words: uint256[2] = staticcall vault.account_lot_words(account)
    ids: DynArray[uint256, 16] = []
    for w: uint256 in range(2):
        for i: uint256 in range(8):
            lot_id: uint256 = (words[w] >> (i * 32)) & state.MASK32
            if lot_id != 0:
                ids.append(lot_id)
    return ids


@internal
@view
def _fixed_rate_time(vault: IVault, b: uint256, t_end: uint256, first: uint256, version: uint256) -> uint256:
    # mirror of ledger.fixed_rate_time, reading the schedules through the vault's getters
    start: uint256 = max((b >> 152) & state.MASK32, first)
    if first == 0 or start >= t_end:
        return 0
    snap: uint256 = (b >> 241) & 2047
    v: uint256 = version
    acc: uint256 = 0
    hi: uint256 = t_end
    for i: uint256 in range(state.MAX_FEE_VERSIONS):
        w: uint256[3] = staticcall vault.schedule_words(v)
        bps: uint256 = snap
        ok: bool = False
        f: uint256 = 0
        p: uint256 = 0
        ok, f, p = ledger.mapped(w, (b >> 96) & state.MASK32, (b >> 216) & (2**25 - 1))
        if ok:
            bps = min(f, snap)
        lo: uint256 = max((w[2] >> 200) & state.MASK40, start)
        if v == 0 or i == state.MAX_FEE_VERSIONS - 1:
            lo = start
        if hi > lo:
            acc += bps * (hi - lo)
            hi = lo
        if hi <= start:
            break
        v -= 1
    return acc


@internal
@view
def _profit_bps(vault: IVault, a: uint256, b: uint256, version: uint256) -> uint256:
    ok: bool = False
    f: uint256 = 0
    p: uint256 = 0
    ok, f, p = ledger.mapped(
        staticcall vault.schedule_words(version), (b >> 96) & state.MASK32, (b >> 216) & (2**25 - 1)
    )
    if ok:
        return min(p, a >> 240)
    return a >> 240


@view
@external
def lot(vault: IVault, lot_id: uint256) -> LotView:
    """
    @notice A lot, its state, its value now net of accrued fees, the fees it would be
            charged now (fixed fee accrued + profit share above its mark), and its
            owner's claimable NMR.
    """
    a: uint256 = (staticcall vault.lot_words(lot_id))[0]
    b: uint256 = (staticcall vault.lot_words(lot_id))[1]
    v: LotView = empty(LotView)
    v.lot_id = lot_id
    v.state = LOT_CLOSED
    if a == 0:
        return v
    w: uint256[20] = staticcall vault.state_words()
    s: uint256 = w[3]
    g_now: uint256 = w[6]
    version: uint256 = (w[1] >> 192) & state.MASK32
    owner: address = convert(a & state.MASK160, address)
    k: uint256 = (a >> 160) & state.MASK24
    x1: uint256 = (a >> 184) & state.MASK24
    principal: uint256 = b & state.MASK96
    v.owner = owner
    v.principal = principal
    v.tier_basis = ((b >> 96) & state.MASK32) * 10**18
    v.entry_seq = k
    v.exiting = x1 != 0
    if x1 != 0:
        v.exit_seq = x1 - 1
    v.unlock_time = (a >> 208) & state.MASK32
    v.last_fee_time = (b >> 152) & state.MASK32
    v.last_crystallized = (b >> 184) & state.MASK32
    v.commitment_duration = (b >> 216) & (2**25 - 1)
    v.fixed_fee_bps = (b >> 241) & 2047
    v.profit_share_bps = a >> 240
    v.claimable = staticcall vault.claimable(owner)
    if s < k:
        v.state = LOT_PENDING
    elif x1 != 0:
        v.state = LOT_EXITING
        if s >= x1 - 1:
            v.state = LOT_FINAL
    elif s == k:
        v.state = LOT_JOINED
    else:
        v.state = LOT_ACTIVE
    g_e: uint256 = 0
    if s >= k:
        g_e = self._g(vault, k)
        v.hwm_ray = self._g(vault, (b >> 128) & state.MASK24)
    if g_e == 0:
        # pending (or entered at G = 0): the value is the principal
        if x1 == 0:
            t_end: uint256 = block.timestamp
            if w[15] != 0:
                t_end = w[15]
            acc: uint256 = self._fixed_rate_time(vault, b, t_end, w[14], version)
            v.accrued_fees = min((principal * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR), principal)
        v.value = principal - v.accrued_fees
        return v
    units: uint256 = principal * state.RAY // g_e
    v.units = units
    g_at: uint256 = g_now
    if v.state == LOT_FINAL:
        g_at = self._g(vault, x1 - 1)
    value: uint256 = units * g_at // state.RAY
    if v.state == LOT_JOINED:
        value = principal
    fee_u: uint256 = 0
    if x1 == 0:
        t_end: uint256 = block.timestamp
        if w[15] != 0:
            t_end = w[15]
        acc: uint256 = self._fixed_rate_time(vault, b, t_end, w[14], version)
        fee_u = min((units * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR), units)
    fee: uint256 = fee_u * g_at // state.RAY
    if v.state == LOT_JOINED:
        t_end: uint256 = block.timestamp
        if w[15] != 0:
            t_end = w[15]
        acc: uint256 = self._fixed_rate_time(vault, b, t_end, w[14], version)
        fee = min((principal * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR), principal)
    elif g_at > v.hwm_ray:
        pbps: uint256 = self._profit_bps(vault, a, b, version)
        if x1 == 0:
            # a live lot pays in units at the current index, as ledger.charge does
            prof_u: uint256 = min(
                (units * (g_at - v.hwm_ray) * pbps + g_at * state.BPS - 1) // (g_at * state.BPS),
                units - fee_u,
            )
            fee += prof_u * g_at // state.RAY
        else:
            # an exiting or final lot pays in NMR at fulfilment, as ledger.final_value does
            fee += min(
                (units * (g_at - v.hwm_ray) * pbps + state.RAY * state.BPS - 1) // (state.RAY * state.BPS),
                value - fee,
            )
    v.accrued_fees = fee
    v.value = value - fee
    return v


@view
@external
def preview_deposit(vault: IVault, account: address, assets: uint256, commitment_id: uint256) -> DepositPreview:
    """
    @notice The terms a deposit would get now: tier, effective fees, unlock time and the
            first sequence it joins. Same arithmetic as deposit().
    """
    w: uint256[20] = staticcall vault.state_words()
    kk: uint256 = w[0] >> 224
    basis: uint256 = assets
    words: uint256[2] = staticcall vault.account_lot_words(account)
    for i: uint256 in range(16):
        other: uint256 = (words[i // 8] >> ((i % 8) * 32)) & state.MASK32
        if other != 0:
            lw: uint256[2] = staticcall vault.lot_words(other)
            if (lw[0] >> 160) & state.MASK24 < kk and (lw[0] >> 184) & state.MASK24 == 0:
                basis += lw[1] & state.MASK96
    sched: uint256[3] = staticcall vault.schedule_words((w[1] >> 192) & state.MASK32)
    assert commitment_id < (sched[2] >> 196) & 15, "VaultLens: unknown commitment"
    tier_id: uint256 = 0
    t: uint256 = 0
    tier_id, t = ledger.tier_of(sched, min(basis // 10**18, state.MASK32))
    cw: uint256 = sched[2] >> (commitment_id * 48)
    return DepositPreview(
        tier_id=tier_id,
        fixed_fee_bps=ledger.eff((t >> 32) & 65535, (cw >> 32) & 65535),
        profit_share_bps=ledger.eff((t >> 48) & 65535, (cw >> 32) & 65535),
        unlock_time=block.timestamp + (cw & state.MASK32),
        first_seq=kk + 1,
    )


@view
@external
def sequence(vault: IVault, j: uint256) -> SequenceView:
    """@notice Sequence j: round id, amount staked, recorded/applied, received, return, index."""
    sw: uint256[2] = staticcall vault.seq_words(j)
    s: uint256 = (staticcall vault.state_words())[3]
    flags: uint256 = (sw[0] >> 200) & 255
    v: SequenceView = SequenceView(
        round_id=sw[0] & state.MASK64,
        amount=(sw[0] >> 64) & state.MASK96,
        stake_time=(sw[0] >> 160) & state.MASK40,
        recorded=flags & state.SEQ_RECORDED != 0,
        written_off=flags & state.SEQ_WRITTEN_OFF != 0,
        applied=j <= s,
        received=sw[1] & state.MASK96,
        return_ray=0,
        index_ray=0,
    )
    if j <= s:
        v.index_ray = sw[1] >> 96
        if j > 0:
            g_prev: uint256 = self._g(vault, j - 1)
            if g_prev != 0:
                v.return_ray = (convert(v.index_ray, int256) - convert(g_prev, int256)) * convert(state.RAY, int256) // convert(g_prev, int256)
    return v
