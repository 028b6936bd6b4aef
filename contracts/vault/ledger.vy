# pragma version ~=0.4.3
"""
@title NumerBay vault ledger
@custom:contract-name ledger
@license MIT
@notice The internal arithmetic shared by `NumerBayVault` and `VaultAdmin`:
        schedule mapping, fee charging, the index G, buckets and account lot lists.
        It has no storage of its own: everything lives in `state`.
"""

from . import state

uses: state


# ---------------------------------------------------------------- schedule words


@internal
@pure
def eff(fee: uint256, discount: uint256) -> uint256:
    """@dev Effective fee after a discount, rounded up (against the staker)."""
    return (fee * (state.BPS - discount) + state.BPS - 1) // state.BPS


@internal
@pure
def tier_of(w: uint256[3], basis_nmr: uint256) -> (uint256, uint256):
    """@dev The tier id and its 64-bit word for a tier basis in whole NMR."""
    n: uint256 = (w[2] >> 192) & 15
    tid: uint256 = 0
    for i: uint256 in range(state.MAX_TIERS):
        if i >= n:
            break
        if (w[i // 4] >> ((i % 4) * 64)) & state.MASK32 > basis_nmr:
            break
        tid = i
    return tid, (w[tid // 4] >> ((tid % 4) * 64)) & state.MASK64


@internal
@pure
def mapped(w: uint256[3], basis_nmr: uint256, duration: uint256) -> (bool, uint256, uint256):
    """
    @dev The effective (fixed, profit) bps of schedule `w` for a lot's tier basis and
         commitment duration; False when no commitment of that duration exists.
    """
    t: uint256 = self.tier_of(w, basis_nmr)[1]
    n: uint256 = (w[2] >> 196) & 15
    for c: uint256 in range(state.MAX_COMMITMENTS):
        if c >= n:
            break
        cw: uint256 = w[2] >> (c * 48)
        if cw & state.MASK32 == duration:
            d: uint256 = (cw >> 32) & 65535
            return True, self.eff((t >> 32) & 65535, d), self.eff((t >> 48) & 65535, d)
    return False, 0, 0


# ---------------------------------------------------------------- index and buckets


@internal
@view
def g(j: uint256) -> uint256:
    """@dev G[j] for an applied sequence j (G[0] = RAY)."""
    return state.seqs[j][1] >> 96


@internal
def bucket_sub(k: uint256, amount: uint256):
    """@dev Remove principal from bucket k (the current bucket lives in `hot`)."""
    h: uint256 = state.hot
    if k == h >> 224:
        state.hot = h - (amount << 96)
    else:
        state.buckets[k] -= amount
        state.bucket_total -= amount


@internal
@view
def exposed() -> uint256:
    """@dev Capital that may be staked: non-exiting folded value plus unfolded buckets."""
    return (
        (state.units_total - state.exiting_units) * state.index_ray // state.RAY
        + state.bucket_total
        + ((state.hot >> 96) & state.MASK96)
    )


@internal
@view
def stalled() -> bool:
    """@dev Declared stalled and a sequence older than max_settle_delay is still unapplied."""
    if state.config & (state.FLAG_STALLED << 224) == 0:
        return False
    s: uint256 = state.applied_count
    if s >= state.hot >> 224:
        return False
    t: uint256 = (state.seqs[s + 1][0] >> 160) & state.MASK40
    return t + state.max_settle_delay < block.timestamp


# ---------------------------------------------------------------- fees


@internal
@view
def fixed_rate_time(b: uint256, t_end: uint256) -> uint256:
    """
    @dev Sum of (charged fixed bps x seconds) since the lot's last fee time: each interval
         between schedule activations is charged at min(snapshot, that schedule's mapped
         terms), walking back at most MAX_FEE_VERSIONS versions.
    """
    first: uint256 = state.first_stake_time
    start: uint256 = max((b >> 152) & state.MASK32, first)
    if first == 0 or start >= t_end:
        return 0
    snap: uint256 = (b >> 241) & 2047
    basis: uint256 = (b >> 96) & state.MASK32
    dur: uint256 = (b >> 216) & (2**25 - 1)
    v: uint256 = (state.config >> 192) & state.MASK32
    acc: uint256 = 0
    hi: uint256 = t_end
    for i: uint256 in range(state.MAX_FEE_VERSIONS):
        w: uint256[3] = state.schedules[v]
        bps: uint256 = snap
        ok: bool = False
        f: uint256 = 0
        p: uint256 = 0
        ok, f, p = self.mapped(w, basis, dur)
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
def profit_bps_now(a: uint256, b: uint256) -> uint256:
    """@dev The profit share charged now: min(snapshot, current schedule's mapped terms)."""
    snap: uint256 = a >> 240
    ok: bool = False
    f: uint256 = 0
    p: uint256 = 0
    ok, f, p = self.mapped(
        state.schedules[(state.config >> 192) & state.MASK32],
        (b >> 96) & state.MASK32,
        (b >> 216) & (2**25 - 1),
    )
    if ok:
        return min(p, snap)
    return snap


@internal
def charge(lot_id: uint256, crystallize: bool):
    """
    @dev Charge a lot that is not exiting: the fixed fee accrued since its last fee time
         and, if `crystallize`, the profit share above its high-water mark. Fees round up,
         capped at what the lot holds, and move into `fees_owed`.
    """
    a: uint256 = state.lots[lot_id][0]
    b: uint256 = state.lots[lot_id][1]
    k: uint256 = (a >> 160) & state.MASK24
    s: uint256 = state.applied_count
    t_end: uint256 = block.timestamp
    if state.shutdown_time != 0:
        t_end = state.shutdown_time
    acc: uint256 = self.fixed_rate_time(b, t_end)
    principal: uint256 = b & state.MASK96
    fixed_fee: uint256 = 0
    profit_fee: uint256 = 0
    g_e: uint256 = 0
    if s > k:
        g_e = self.g(k)
    if g_e != 0:
        # active: the lot's units are in U
        g_now: uint256 = state.index_ray
        units: uint256 = principal * state.RAY // g_e
        fee_u: uint256 = min(
            (units * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR), units
        )
        prof_u: uint256 = 0
        if crystallize:
            g_h: uint256 = self.g((b >> 128) & state.MASK24)
            if g_now > g_h:
                pbps: uint256 = self.profit_bps_now(a, b)
                prof_u = min(
                    (units * (g_now - g_h) * pbps + g_now * state.BPS - 1) // (g_now * state.BPS),
                    units - fee_u,
                )
                b = (b & ~(state.MASK24 << 128)) | (s << 128)
        if fee_u + prof_u > 0:
            state.units_total -= fee_u + prof_u
            principal = (units - fee_u - prof_u) * g_e // state.RAY
            fixed_fee = fee_u * g_now // state.RAY
            profit_fee = prof_u * g_now // state.RAY
    else:
        # pending or joined: the principal is in bucket k
        fixed_fee = min((principal * acc + state.BPS * state.YEAR - 1) // (state.BPS * state.YEAR), principal)
        if fixed_fee > 0:
            principal -= fixed_fee
            self.bucket_sub(k, fixed_fee)
    keep: uint256 = ~(state.MASK96 | (state.MASK32 << 152))
    b = (b & keep) | principal | (block.timestamp << 152)
    if crystallize:
        b = (b & ~(state.MASK32 << 184)) | (block.timestamp << 184)
    state.lots[lot_id][1] = b
    if fixed_fee + profit_fee > 0:
        state.fees_owed += fixed_fee + profit_fee
        log state.FeesCharged(lot_id=lot_id, fixed_fee=fixed_fee, profit_fee=profit_fee)


@internal
@view
def final_value(a: uint256, b: uint256) -> (uint256, uint256):
    """@dev (value, profit fee) of a final lot: units x G[x] and the share above its mark."""
    principal: uint256 = b & state.MASK96
    g_e: uint256 = self.g((a >> 160) & state.MASK24)
    if g_e == 0:
        return principal, 0
    units: uint256 = principal * state.RAY // g_e
    g_x: uint256 = self.g(((a >> 184) & state.MASK24) - 1)
    value: uint256 = units * g_x // state.RAY
    g_h: uint256 = self.g((b >> 128) & state.MASK24)
    fee: uint256 = 0
    if g_x > g_h:
        pbps: uint256 = self.profit_bps_now(a, b)
        fee = min(
            (units * (g_x - g_h) * pbps + state.RAY * state.BPS - 1) // (state.RAY * state.BPS),
            value,
        )
    return value, fee


# ---------------------------------------------------------------- account lot lists


@internal
def remove_account_lot(account: address, lot_id: uint256):
    """@dev Free the slot of `lot_id` in the account's 16-slot list."""
    for w: uint256 in range(2):
        word: uint256 = state.account_lots[account][w]
        for i: uint256 in range(8):
            if (word >> (i * 32)) & state.MASK32 == lot_id:
                state.account_lots[account][w] = word & ~(state.MASK32 << (i * 32))
                return
