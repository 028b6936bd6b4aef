# pragma version ~=0.4.3
"""
@title VaultFactory
@custom:contract-name VaultFactory
@license MIT
@notice Deploys NumerBayVaults from a blueprint, enforces the protocol's bounds, keeps
        the registry of all vaults and which vault is its model's registered vault, and
        holds the protocol fee (a cut of vault fees, paid to the treasury). The protocol
        owner can never touch a vault's funds.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step

from vault import types

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
)


interface IVault:
    def model_id() -> bytes32: view
    def is_shutdown() -> bool: view


# ---------------------------------------------------------------- constants

MAX_TIERS: constant(uint256) = 8  # tiers per schedule
MAX_COMMITMENTS: constant(uint256) = 4  # commitments per schedule
MAX_FIXED_FEE_BPS: constant(uint256) = 1_000  # annual fixed fee cap
MAX_PROFIT_SHARE_BPS: constant(uint256) = 5_000  # profit share cap
MAX_DISCOUNT_BPS: constant(uint256) = 10_000  # commitment discount cap
MAX_DURATION: constant(uint256) = 365 * 86_400  # longest commitment
MAX_PROTOCOL_FEE_BPS: constant(uint256) = 2_000  # protocol cut of vault fees
MAX_ROUND_BPS: constant(uint256) = 2_000  # cap of max_round_bps
MAX_AT_STAKE_BPS: constant(uint256) = 9_500  # cap of max_at_stake_bps
MIN_SETTLE_DELAY: constant(uint256) = 150 * 86_400  # floor of max_settle_delay
MAX_SETTLE_DELAY: constant(uint256) = 3_650 * 86_400  # ceiling of max_settle_delay
MIN_SCHEDULE_DELAY: constant(uint256) = 7 * 86_400  # floor of schedule_delay
MAX_SCHEDULE_DELAY: constant(uint256) = 365 * 86_400  # ceiling of schedule_delay
MIN_DEPOSIT_FLOOR: constant(uint256) = 10**18  # min_deposit is at least 1 NMR
MAX_AMOUNT: constant(uint256) = 2**96 - 1  # capacity and min_deposit fit 96 bits
NMR_UNIT: constant(uint256) = 10**18  # tier minimums are whole NMR


# ---------------------------------------------------------------- immutables

NMR: immutable(address)  # the asset of every vault
STAKING: immutable(address)  # Numerai's staking contract of every vault
BLUEPRINT: immutable(address)  # NumerBayVault blueprint (EIP-5202)
ADMIN: immutable(address)  # VaultAdmin extension shared by every vault
LENS: immutable(address)  # VaultLens serving every vault's views


# ---------------------------------------------------------------- storage

treasury: public(address)  # receives the protocol cut
protocol_fee_bps: public(uint256)  # protocol cut of vault fees, bps
vault_count: public(uint256)  # number of vaults created
vaults: public(HashMap[uint256, address])  # index -> vault
vault_of_model: public(HashMap[bytes32, address])  # model id -> registered vault
is_vault: public(HashMap[address, bool])  # created by this factory


# ---------------------------------------------------------------- events

event VaultCreated:
    vault: indexed(address)
    owner: indexed(address)
    model_id: indexed(bytes32)
    model_name: String[64]

event Registered:
    vault: indexed(address)
    model_id: indexed(bytes32)

event UpdateProtocolFee:
    old_fee_bps: uint256
    new_fee_bps: uint256

event UpdateTreasury:
    old_treasury: address
    new_treasury: address


@deploy
def __init__(
    nmr: address, staking: address, vault_blueprint: address, admin: address, lens: address, treasury: address
):
    """@notice The deployer becomes the protocol owner."""
    ownable.__init__()
    ownable_2step.__init__()
    assert treasury != empty(address), "VaultFactory: no treasury"
    NMR = nmr
    STAKING = staking
    BLUEPRINT = vault_blueprint
    ADMIN = admin
    LENS = lens
    self.treasury = treasury


# ---------------------------------------------------------------- schedules


@view
@external
def validate_schedule(
    tiers: DynArray[types.Tier, MAX_TIERS], commitments: DynArray[types.Commitment, MAX_COMMITMENTS]
) -> uint256[3]:
    """
    @notice Check a fee schedule against the protocol bounds and pack it for a vault.
    @return The three packed schedule words (activation time left 0).
    """
    return self._validate(tiers, commitments)


@internal
@pure
def _validate(
    tiers: DynArray[types.Tier, MAX_TIERS], commitments: DynArray[types.Commitment, MAX_COMMITMENTS]
) -> uint256[3]:
    n: uint256 = len(tiers)
    assert n >= 1, "VaultFactory: no tiers"
    assert tiers[0].min_stake == 0, "VaultFactory: first tier not at 0"
    words: uint256[3] = empty(uint256[3])
    prev: uint256 = 0
    for i: uint256 in range(MAX_TIERS):
        if i >= n:
            break
        t: types.Tier = tiers[i]
        assert i == 0 or t.min_stake > prev, "VaultFactory: tiers not ascending"
        assert t.min_stake % NMR_UNIT == 0, "VaultFactory: tier min not whole NMR"
        assert t.min_stake // NMR_UNIT <= 2**32 - 1, "VaultFactory: tier min too large"
        assert convert(t.fixed_fee_bps, uint256) <= MAX_FIXED_FEE_BPS, "VaultFactory: fixed fee too high"
        assert convert(t.profit_share_bps, uint256) <= MAX_PROFIT_SHARE_BPS, "VaultFactory: profit share too high"
        prev = t.min_stake
        packed: uint256 = (
            t.min_stake // NMR_UNIT
            | (convert(t.fixed_fee_bps, uint256) << 32)
            | (convert(t.profit_share_bps, uint256) << 48)
        )
        words[i // 4] |= packed << ((i % 4) * 64)
    m: uint256 = len(commitments)
    assert m >= 1, "VaultFactory: no commitments"
    prev = 0
    for c: uint256 in range(MAX_COMMITMENTS):
        if c >= m:
            break
        d: uint256 = convert(commitments[c].duration, uint256)
        assert c == 0 or d > prev, "VaultFactory: commitments not ascending"
        assert d <= MAX_DURATION, "VaultFactory: commitment too long"
        disc: uint256 = convert(commitments[c].discount_bps, uint256)
        assert disc <= MAX_DISCOUNT_BPS, "VaultFactory: discount too high"
        prev = d
        words[2] |= (d | (disc << 32)) << (c * 48)
    words[2] |= (n << 192) | (m << 196)
    return words


# ---------------------------------------------------------------- vaults


@external
def create_vault(
    model_name: String[64],
    model_id: bytes32,
    tiers: DynArray[types.Tier, MAX_TIERS],
    commitments: DynArray[types.Commitment, MAX_COMMITMENTS],
    capacity: uint256,
    min_deposit: uint256,
    max_round_bps: uint256,
    max_at_stake_bps: uint256,
    max_settle_delay: uint256,
    schedule_delay: uint256,
) -> address:
    """
    @notice Deploy a vault for `model_id`; the caller becomes its owner. It is only a
            candidate until its first successful stake_round registers it.
    @return The new vault's address.
    """
    assert len(model_name) > 0, "VaultFactory: no model name"
    assert model_id != empty(bytes32), "VaultFactory: no model id"
    assert min_deposit >= MIN_DEPOSIT_FLOOR, "VaultFactory: min deposit below 1 NMR"
    assert capacity >= min_deposit and capacity <= MAX_AMOUNT, "VaultFactory: bad capacity"
    assert max_round_bps >= 1 and max_round_bps <= MAX_ROUND_BPS, "VaultFactory: bad max round bps"
    assert max_at_stake_bps >= max_round_bps and max_at_stake_bps <= MAX_AT_STAKE_BPS, "VaultFactory: bad max at-stake bps"
    assert max_settle_delay >= MIN_SETTLE_DELAY and max_settle_delay <= MAX_SETTLE_DELAY, "VaultFactory: bad settle delay"
    assert schedule_delay >= MIN_SCHEDULE_DELAY and schedule_delay <= MAX_SCHEDULE_DELAY, "VaultFactory: bad schedule delay"
    words: uint256[3] = self._validate(tiers, commitments)
    vault: address = create_from_blueprint(
        BLUEPRINT,
        model_name,
        model_id,
        msg.sender,
        NMR,
        STAKING,
        ADMIN,
        words,
        capacity,
        min_deposit,
        max_round_bps,
        max_at_stake_bps,
        max_settle_delay,
        schedule_delay,
        code_offset=3,
    )
    index: uint256 = self.vault_count
    self.vaults[index] = vault
    self.vault_count = index + 1
    self.is_vault[vault] = True
    log VaultCreated(vault=vault, owner=msg.sender, model_id=model_id, model_name=model_name)
    return vault


@external
def register() -> bool:
    """
    @notice Called by a vault of this factory at its first successful stake_round: makes it
            its model's vault unless a registered vault of that model is still live.
    @return True when the caller is now its model's registered vault.
    """
    assert self.is_vault[msg.sender], "VaultFactory: not a vault"
    model_id: bytes32 = staticcall IVault(msg.sender).model_id()
    current: address = self.vault_of_model[model_id]
    if current != empty(address) and current != msg.sender:
        if not staticcall IVault(current).is_shutdown():
            return False
    self.vault_of_model[model_id] = msg.sender
    log Registered(vault=msg.sender, model_id=model_id)
    return True


# ---------------------------------------------------------------- protocol


@external
def set_protocol_fee(fee_bps: uint256):
    """@notice Set the protocol's cut of vault fees (at most 2,000 bps)."""
    ownable._check_owner()
    assert fee_bps <= MAX_PROTOCOL_FEE_BPS, "VaultFactory: protocol fee too high"
    log UpdateProtocolFee(old_fee_bps=self.protocol_fee_bps, new_fee_bps=fee_bps)
    self.protocol_fee_bps = fee_bps


@external
def set_treasury(treasury: address):
    """@notice Set the address receiving the protocol cut."""
    ownable._check_owner()
    assert treasury != empty(address), "VaultFactory: no treasury"
    log UpdateTreasury(old_treasury=self.treasury, new_treasury=treasury)
    self.treasury = treasury


@view
@external
def lens() -> address:
    """@notice The VaultLens serving every vault's views."""
    return LENS


@view
@external
def admin() -> address:
    """@notice The VaultAdmin extension of every vault."""
    return ADMIN


@view
@external
def vault_blueprint() -> address:
    """@notice The NumerBayVault blueprint."""
    return BLUEPRINT


@view
@external
def nmr() -> address:
    """@notice The asset of every vault."""
    return NMR


@view
@external
def staking() -> address:
    """@notice Numerai's staking contract of every vault."""
    return STAKING
