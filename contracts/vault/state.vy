# pragma version ~=0.4.3
"""
@title NumerBay vault storage
@custom:contract-name state
@license MIT
@notice The complete storage of a NumerBay vault, its constants and its events.
        `NumerBayVault` and `VaultAdmin` both `initializes:` this module and declare
        no other storage, so the admin extension, run by delegatecall, sees exactly
        the vault's layout (checked by a test on `vyper -f layout`).
@dev Packed words (bit offsets from the least significant bit):
     hot:    idle[0:96] | bucket_cur[96:192] | last_lot_id[192:224] | K[224:256]
     config: capacity[0:96] | min_deposit[96:192] | schedule_version[192:224] | flags[224:232]
     lot A:  owner[0:160] | entry_seq[160:184] | exit_seq_plus_1[184:208]
             | unlock_time[208:240] | profit_share_bps[240:256]
     lot B:  principal[0:96] | tier_basis_nmr[96:128] | hwm_seq[128:152]
             | last_fee_time[152:184] | last_crystallized[184:216]
             | commitment_duration[216:241] | fixed_fee_bps[241:252]
     seq 0:  round_id[0:64] | amount[64:160] | stake_time[160:200] | flags[200:208]
     seq 1:  received[0:96] | index_ray[96:256]
     schedule w0/w1: four tiers each, 64 bits a tier: min_stake_nmr[0:32] | fixed[32:48] | profit[48:64]
     schedule w2: four commitments, 48 bits each: duration[0:32] | discount[32:48];
                  n_tiers[192:196] | n_commitments[196:200] | activation_time[200:240]
"""


# ---------------------------------------------------------------- constants

RAY: constant(uint256) = 10**27  # fixed point of the index G
BPS: constant(uint256) = 10_000  # basis points in one
YEAR: constant(uint256) = 365 * 86_400  # seconds in a fee year
MAX_TIERS: constant(uint256) = 8  # fee tiers per schedule
MAX_COMMITMENTS: constant(uint256) = 4  # commitment options per schedule
MAX_OPEN_LOTS: constant(uint256) = 16  # open lots per account
MAX_ROLL: constant(uint256) = 50  # lots per roll() call
MAX_ALLOWED: constant(uint256) = 50  # accounts per set_allowed() call
MAX_FULFILL: constant(uint256) = 50  # exits per fulfill() call
MAX_APPLY: constant(uint256) = 64  # sequences per apply() call
AUTO_APPLY: constant(uint256) = 8  # sequences applied by a settlement
AUTO_FULFILL: constant(uint256) = 8  # exits finished by a settlement
MAX_FEE_VERSIONS: constant(uint256) = 32  # schedule versions a fee charge walks back (exact below)
MAX_PROOF: constant(uint256) = 32  # Merkle proof length

MASK24: constant(uint256) = 2**24 - 1
MASK32: constant(uint256) = 2**32 - 1
MASK40: constant(uint256) = 2**40 - 1
MASK64: constant(uint256) = 2**64 - 1
MASK96: constant(uint256) = 2**96 - 1
MASK160: constant(uint256) = 2**160 - 1

FLAG_PAUSED: constant(uint256) = 1  # config flag: deposits paused
FLAG_SHUTDOWN: constant(uint256) = 2  # config flag: permanently shut down
FLAG_STALLED: constant(uint256) = 4  # config flag: stall declared
FLAG_ALLOWLIST: constant(uint256) = 8  # config flag: allowlist enforced
FLAG_REGISTERED: constant(uint256) = 16  # config flag: registered in the factory

SEQ_RECORDED: constant(uint256) = 1  # sequence flag: result recorded
SEQ_WRITTEN_OFF: constant(uint256) = 2  # sequence flag: recorded as 0 by write_off()
SEQ_LATE_BOOKED: constant(uint256) = 4  # sequence flag: NMR of a written-off round booked to surplus


# ---------------------------------------------------------------- storage

owner: address  # the model owner: setters, schedules, stake_round
pending_owner: address  # two-step ownership: the proposed owner
operator: address  # keeper allowed to stake_round, nothing else
factory: address  # the factory that created the vault (protocol fee, treasury, validation)
nmr: address  # the NMR token (copy of the vault's immutable, for the admin extension)
schedule_delay: uint256  # seconds between propose_schedule and activate_schedule
max_settle_delay: uint256  # seconds before an unapplied sequence counts as stalled

hot: uint256  # packed: idle, current bucket, last lot id, stake count K (see header)
config: uint256  # packed: capacity, min deposit, schedule version, flags (see header)

at_stake: uint256  # sum of A_j not yet applied (at cost)
applied_count: uint256  # S: sequences applied
units_total: uint256  # U: units of folded lots (active and exiting)
exiting_units: uint256  # units of lots that asked to leave and are not final yet
index_ray: uint256  # G[S]
bucket_total: uint256  # principal of unfolded buckets k with S <= k < K (the current bucket excluded)
surplus: uint256  # NMR owned by the next applied result
exits_due: uint256  # final exits not yet fulfilled
claimable_total: uint256  # sum of claimable (held inside idle)
fees_owed: uint256  # fees not yet paid out (held inside idle)
recorded_total: uint256  # NMR received for recorded sequences not yet applied (outside idle)
last_round_id: uint256  # the last staked Numerai round id
first_stake_time: uint256  # time of the first stake_round (fixed fees accrue from it)
shutdown_time: uint256  # time of shutdown (fixed fees stop), 0 while live
pending_eta: uint256  # activation time of the pending schedule, 0 if none
queue_head: uint256  # exit queue: index of the next exit to fulfill
queue_tail: uint256  # exit queue: index where the next request goes

lots: HashMap[uint256, uint256[2]]  # lot id -> packed words A, B (see header)
account_lots: HashMap[address, uint256[2]]  # account -> 16 open lot ids, 32 bits each (0 = free)
seqs: HashMap[uint256, uint256[2]]  # sequence j -> packed words (see header); j = 0 holds G[0]
round_seq: HashMap[uint256, uint256]  # Numerai round id -> sequence j
buckets: HashMap[uint256, uint256]  # k -> principal of lots created at K = k (k < K; K is in `hot`)
exit_units: HashMap[uint256, uint256]  # x -> units whose exposure ends with sequence x
queue: HashMap[uint256, uint256]  # exit queue position -> lot id
claimable: HashMap[address, uint256]  # account -> NMR ready to claim
allowed: HashMap[address, bool]  # allowlist
schedules: HashMap[uint256, uint256[3]]  # schedule version -> packed words (version + 1 = pending)


# ---------------------------------------------------------------- events

event Deposit:
    owner: indexed(address)
    lot_id: indexed(uint256)
    assets: uint256
    entry_seq: uint256
    commitment_id: uint256
    tier_id: uint256
    fixed_fee_bps: uint256
    profit_share_bps: uint256
    unlock_time: uint256
    tier_basis: uint256

event DepositCancelled:
    owner: indexed(address)
    lot_id: indexed(uint256)
    assets: uint256

event ExitRequested:
    owner: indexed(address)
    lot_id: indexed(uint256)
    exit_seq: uint256
    final: bool

event ExitFulfilled:
    owner: indexed(address)
    lot_id: indexed(uint256)
    assets: uint256
    profit_fee: uint256

event Claimed:
    account: indexed(address)
    assets: uint256

event FeesCharged:
    lot_id: indexed(uint256)
    fixed_fee: uint256
    profit_fee: uint256

event FeesClaimed:
    owner: indexed(address)
    owner_amount: uint256
    treasury: indexed(address)
    protocol_amount: uint256

event RoundStaked:
    seq: indexed(uint256)
    round_id: indexed(uint256)
    amount: uint256
    submission_hash: bytes32

event RoundRecorded:
    seq: indexed(uint256)
    round_id: indexed(uint256)
    received: uint256
    late: bool

event RoundSettled:
    seq: indexed(uint256)
    round_id: indexed(uint256)
    principal: uint256
    received: uint256
    return_ray: int256
    index_ray: uint256
    exposed_value: uint256
    timestamp: uint256

event RoundWrittenOff:
    seq: indexed(uint256)
    round_id: indexed(uint256)

event Registered:
    vault: indexed(address)
    model_id: indexed(bytes32)

event ScheduleProposed:
    version: indexed(uint256)
    eta: uint256

event ScheduleActivated:
    version: indexed(uint256)

event ScheduleCancelled:
    version: indexed(uint256)

event Rolled:
    lot_id: indexed(uint256)
    fixed_fee_bps: uint256
    profit_share_bps: uint256
    commitment_duration: uint256
    schedule_version: uint256

event PausedSet:
    paused: bool

event Shutdown:
    timestamp: uint256

event StalledSet:
    stalled: bool

event AllowedSet:
    account: indexed(address)
    allowed: bool

event OwnershipTransferStarted:
    previous_owner: indexed(address)
    new_owner: indexed(address)

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)

event UpdateOperator:
    old_operator: address
    new_operator: address

event UpdateCapacity:
    old_capacity: uint256
    new_capacity: uint256

event UpdateMinDeposit:
    old_min_deposit: uint256
    new_min_deposit: uint256

event UpdateAllowlistEnabled:
    old_enabled: bool
    new_enabled: bool
