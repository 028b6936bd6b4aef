# pragma version ~=0.4.3
"""
@title LocalAtomicStaking
@custom:contract-name LocalAtomicStaking
@license MIT
@notice Devnet and test stand-in for Numerai's Atomic Blockchain Staking (ABS,
        "staking v3") contract, with the semantics of VAULT_SPEC section 2:
        - the `operator` (Numerai's role) creates rounds, resolves them by
          posting a Merkle root with the aggregate payout and burn while pulling
          the payout reserve in, and finalizes positions left unclaimed for
          `CLAIM_WINDOW` after resolution;
        - a staker opens one position per (round, model) with an EIP-712
          `StakeAuthorization` signed by `authorization_signer`;
        - a staker claims `stake + payout - burn` with a sorted-pair Merkle
          proof of the leaf keccak256(abi_encode(round_id, staker, model_id,
          payout, burn)); the burn is destroyed with NMR's `burn`.
        EIP-712 domain: name "NumeraiAtomicStaking", version "1", the chain id
        and this contract's address (no salt).
@dev The live contract's ABI is unknown offline; the vault reaches Numerai only
     through `interfaces/IAtomicStaking.vyi`, which this contract implements.
"""


from interfaces import IAtomicStaking
from ethereum.ercs import IERC20

implements: IAtomicStaking

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator
from snekmate.utils import merkle_proof_verification

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: eip712_domain_separator

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    eip712_domain_separator.eip712Domain,
)


# @dev NMR's `burn`, which plain IERC20 lacks.
interface IBurnable:
    def burn(amount: uint256): nonpayable


################################################################
#                          CONSTANTS                           #
################################################################


# @dev After this long past resolution the operator may finalize a position.
CLAIM_WINDOW: public(constant(uint256)) = 7 * 86_400

# @dev Longest Merkle proof accepted (2**32 leaves).
MAX_PROOF_LENGTH: constant(uint256) = 32

# @dev EIP-712 type hash of the stake authorization signed by Numerai.
STAKE_AUTHORIZATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "StakeAuthorization(uint256 tournamentId,uint256 roundId,address staker,bytes32 modelId,"
    "bytes32 submissionHash,uint256 maxAmount,uint256 nonce,uint256 deadline)"
)


################################################################
#                           STORAGE                            #
################################################################


# @dev The NMR token (MockNMR on a devnet); fixed at deployment.
nmr: public(immutable(address))

# @dev Numerai's key that signs stake authorizations.
authorization_signer: public(address)

# @dev Numerai's role: creates, resolves and finalizes rounds.
operator: public(address)

# @dev When True, `stake` is refused; claims and finalization always work.
paused: public(bool)

# @dev Next authorization nonce of each staker.
nonces: public(HashMap[address, uint256])

# @dev Round parameters and resolution, by round id.
_rounds: HashMap[uint256, IAtomicStaking.RoundInfo]

# @dev NMR staked in each round.
total_staked: public(HashMap[uint256, uint256])

# @dev Payout reserve of each resolved round not yet paid out.
remaining_payout: public(HashMap[uint256, uint256])

# @dev Burn of each resolved round not yet executed.
remaining_burn: public(HashMap[uint256, uint256])

# @dev The one staker of each (round, model); empty while nobody staked.
staker_of: public(HashMap[uint256, HashMap[bytes32, address]])

# @dev Positions by (round, staker, model).
_positions: HashMap[uint256, HashMap[address, HashMap[bytes32, IAtomicStaking.Position]]]


################################################################
#                           EVENTS                             #
################################################################


event RoundCreated:
    round_id: indexed(uint256)
    tournament_id: uint256
    open_time: uint256
    close_time: uint256


event RoundResolved:
    round_id: indexed(uint256)
    merkle_root: bytes32
    total_payout: uint256
    total_burn: uint256


event Staked:
    round_id: indexed(uint256)
    staker: indexed(address)
    model_id: indexed(bytes32)
    submission_hash: bytes32
    amount: uint256
    nonce: uint256


event Claimed:
    round_id: indexed(uint256)
    staker: indexed(address)
    model_id: indexed(bytes32)
    payout: uint256
    burn: uint256
    settled_amount: uint256


event Finalized:
    round_id: indexed(uint256)
    staker: indexed(address)
    model_id: indexed(bytes32)
    payout: uint256
    burn: uint256
    settled_amount: uint256


event UpdateOperator:
    old_operator: indexed(address)
    new_operator: indexed(address)


event UpdateAuthorizationSigner:
    old_signer: indexed(address)
    new_signer: indexed(address)


event PausedSet:
    paused: bool


################################################################
#                         CONSTRUCTOR                          #
################################################################


@deploy
def __init__(nmr_: address, authorization_signer_: address, operator_: address):
    """
    @notice Deploys the stand-in; the deployer becomes owner.
    @param nmr_ The NMR token.
    @param authorization_signer_ The key that signs stake authorizations.
    @param operator_ The account that creates, resolves and finalizes rounds.
    """
    assert nmr_ != empty(address), "LocalAtomicStaking: nmr is the zero address"
    assert authorization_signer_ != empty(address), "LocalAtomicStaking: signer is the zero address"
    assert operator_ != empty(address), "LocalAtomicStaking: operator is the zero address"
    ownable.__init__()
    ownable_2step.__init__()
    eip712_domain_separator.__init__("NumeraiAtomicStaking", "1")
    nmr = nmr_
    self.authorization_signer = authorization_signer_
    self.operator = operator_
    log UpdateAuthorizationSigner(old_signer=empty(address), new_signer=authorization_signer_)
    log UpdateOperator(old_operator=empty(address), new_operator=operator_)


################################################################
#                         OPERATOR                             #
################################################################


@external
def create_round(round_id: uint256, tournament_id: uint256, open_time: uint256, close_time: uint256):
    """
    @notice Creates a round that accepts stakes while open_time <= now < close_time.
    @param round_id Numerai's round number (must be new).
    @param tournament_id The tournament (8 Classic, 11 Signals, 12 Crypto).
    @param open_time First second at which stakes are accepted.
    @param close_time First second at which stakes are refused.
    """
    self._check_operator()
    assert self._rounds[round_id].close_time == 0, "LocalAtomicStaking: round exists"
    assert open_time < close_time, "LocalAtomicStaking: open_time not before close_time"
    self._rounds[round_id] = IAtomicStaking.RoundInfo(
        tournament_id=tournament_id,
        open_time=open_time,
        close_time=close_time,
        resolved=False,
        merkle_root=empty(bytes32),
        total_payout=0,
        total_burn=0,
        resolve_time=0,
    )
    log RoundCreated(
        round_id=round_id, tournament_id=tournament_id, open_time=open_time, close_time=close_time
    )


@external
@nonreentrant
def resolve_round(round_id: uint256, merkle_root: bytes32, total_payout: uint256, total_burn: uint256):
    """
    @notice Posts the round's Merkle root of claims and pulls its payout reserve
            (`total_payout` NMR) from the operator, who must have approved it.
    @param round_id The round, closed and not yet resolved.
    @param merkle_root Root of the leaves keccak256(abi_encode(round_id, staker,
           model_id, payout, burn)), sorted-pair hashing.
    @param total_payout Sum of the payouts in the tree.
    @param total_burn Sum of the burns in the tree (at most the round's stake).
    """
    self._check_operator()
    info: IAtomicStaking.RoundInfo = self._rounds[round_id]
    assert info.close_time != 0, "LocalAtomicStaking: unknown round"
    assert not info.resolved, "LocalAtomicStaking: round already resolved"
    assert block.timestamp >= info.close_time, "LocalAtomicStaking: round not closed"
    assert total_burn <= self.total_staked[round_id], "LocalAtomicStaking: burn exceeds stakes"
    info.resolved = True
    info.merkle_root = merkle_root
    info.total_payout = total_payout
    info.total_burn = total_burn
    info.resolve_time = block.timestamp
    self._rounds[round_id] = info
    self.remaining_payout[round_id] = total_payout
    self.remaining_burn[round_id] = total_burn
    if total_payout != 0:
        assert extcall IERC20(nmr).transferFrom(msg.sender, self, total_payout, default_return_value=True), "LocalAtomicStaking: reserve transfer failed"
    log RoundResolved(
        round_id=round_id, merkle_root=merkle_root, total_payout=total_payout, total_burn=total_burn
    )


@external
@nonreentrant
def finalize(
    round_id: uint256,
    staker: address,
    model_id: bytes32,
    payout: uint256,
    burn: uint256,
    proof: DynArray[bytes32, MAX_PROOF_LENGTH],
) -> uint256:
    """
    @notice Settles a position its staker left unclaimed for CLAIM_WINDOW after the
            round resolved, sending stake + payout - burn to the staker.
    @param round_id The resolved round.
    @param staker The position's staker.
    @param model_id The position's model.
    @param payout The claim's payout in the tree.
    @param burn The claim's burn in the tree.
    @param proof Sorted-pair Merkle proof of the claim's leaf.
    @return uint256 The NMR sent to the staker.
    """
    self._check_operator()
    resolve_time: uint256 = self._rounds[round_id].resolve_time
    assert self._rounds[round_id].resolved, "LocalAtomicStaking: round not resolved"
    assert block.timestamp >= resolve_time + CLAIM_WINDOW, "LocalAtomicStaking: claim window open"
    settled: uint256 = self._settle(round_id, staker, model_id, payout, burn, proof, True)
    log Finalized(
        round_id=round_id,
        staker=staker,
        model_id=model_id,
        payout=payout,
        burn=burn,
        settled_amount=settled,
    )
    return settled


################################################################
#                           STAKER                             #
################################################################


@external
@nonreentrant
def stake(authorization: IAtomicStaking.StakeAuthorization, amount: uint256, signature: Bytes[65]):
    """
    @notice Locks `amount` NMR, pulled from the caller, in the position
            (authorization.round_id, caller, authorization.model_id).
    @dev Checks: not paused; caller is the staker; deadline not passed; round
         exists, is open and belongs to the tournament; nonce is the staker's
         next; nobody staked on (round, model) yet; 0 < amount <= max_amount;
         signature by `authorization_signer` over the EIP-712 digest.
    @param authorization The StakeAuthorization signed by Numerai.
    @param amount NMR to lock, in wei.
    @param signature 65-byte (r, s, v) signature over the authorization.
    """
    assert not self.paused, "LocalAtomicStaking: paused"
    assert msg.sender == authorization.staker, "LocalAtomicStaking: caller is not the staker"
    assert block.timestamp <= authorization.deadline, "LocalAtomicStaking: authorization expired"
    info: IAtomicStaking.RoundInfo = self._rounds[authorization.round_id]
    assert info.close_time != 0, "LocalAtomicStaking: unknown round"
    assert info.tournament_id == authorization.tournament_id, "LocalAtomicStaking: wrong tournament"
    assert block.timestamp >= info.open_time, "LocalAtomicStaking: round not open"
    assert block.timestamp < info.close_time, "LocalAtomicStaking: round closed"
    assert authorization.nonce == self.nonces[msg.sender], "LocalAtomicStaking: invalid nonce"
    assert self.staker_of[authorization.round_id][authorization.model_id] == empty(address), "LocalAtomicStaking: model already staked in round"
    assert amount != 0, "LocalAtomicStaking: zero amount"
    assert amount <= authorization.max_amount, "LocalAtomicStaking: amount exceeds max_amount"
    signer: address = ecdsa._recover_sig(self._authorization_digest(authorization), signature)
    assert signer == self.authorization_signer, "LocalAtomicStaking: invalid signature"

    self.nonces[msg.sender] = authorization.nonce + 1
    self.staker_of[authorization.round_id][authorization.model_id] = msg.sender
    self._positions[authorization.round_id][msg.sender][authorization.model_id] = IAtomicStaking.Position(
        amount=amount,
        submission_hash=authorization.submission_hash,
        claimed=False,
        finalized=False,
        settled_amount=0,
    )
    self.total_staked[authorization.round_id] += amount
    assert extcall IERC20(nmr).transferFrom(msg.sender, self, amount, default_return_value=True), "LocalAtomicStaking: stake transfer failed"
    log Staked(
        round_id=authorization.round_id,
        staker=msg.sender,
        model_id=authorization.model_id,
        submission_hash=authorization.submission_hash,
        amount=amount,
        nonce=authorization.nonce,
    )


@external
@nonreentrant
def claim(
    round_id: uint256,
    model_id: bytes32,
    payout: uint256,
    burn: uint256,
    proof: DynArray[bytes32, MAX_PROOF_LENGTH],
) -> uint256:
    """
    @notice Settles the caller's position in a resolved round with its Merkle
            proof: pays stake + payout - burn to the caller and burns the burn.
    @param round_id The resolved round.
    @param model_id The position's model.
    @param payout The claim's payout in the tree.
    @param burn The claim's burn in the tree.
    @param proof Sorted-pair Merkle proof of the claim's leaf.
    @return uint256 The NMR paid to the caller.
    """
    assert self._rounds[round_id].resolved, "LocalAtomicStaking: round not resolved"
    settled: uint256 = self._settle(round_id, msg.sender, model_id, payout, burn, proof, False)
    log Claimed(
        round_id=round_id,
        staker=msg.sender,
        model_id=model_id,
        payout=payout,
        burn=burn,
        settled_amount=settled,
    )
    return settled


################################################################
#                           OWNER                              #
################################################################


@external
def set_operator(new_operator: address):
    """
    @notice Replaces the operator (owner only).
    @param new_operator The new operator, not the zero address.
    """
    ownable._check_owner()
    assert new_operator != empty(address), "LocalAtomicStaking: operator is the zero address"
    log UpdateOperator(old_operator=self.operator, new_operator=new_operator)
    self.operator = new_operator


@external
def set_authorization_signer(new_signer: address):
    """
    @notice Replaces the authorization signer (owner only); authorizations signed
            by the old key stop working at once.
    @param new_signer The new signer, not the zero address.
    """
    ownable._check_owner()
    assert new_signer != empty(address), "LocalAtomicStaking: signer is the zero address"
    log UpdateAuthorizationSigner(old_signer=self.authorization_signer, new_signer=new_signer)
    self.authorization_signer = new_signer


@external
def set_paused(paused_: bool):
    """
    @notice Pauses or resumes new stakes (owner only).
    @param paused_ True to refuse new stakes.
    """
    ownable._check_owner()
    self.paused = paused_
    log PausedSet(paused=paused_)


################################################################
#                            VIEWS                             #
################################################################


@view
@external
def position(round_id: uint256, staker: address, model_id: bytes32) -> IAtomicStaking.Position:
    """
    @notice The position of `staker` on `model_id` in `round_id` (all zero if none).
    @param round_id The round.
    @param staker The staker.
    @param model_id The model.
    @return Position Amount, submission hash, claimed, finalized, settled amount.
    """
    return self._positions[round_id][staker][model_id]


@view
@external
def round(round_id: uint256) -> IAtomicStaking.RoundInfo:
    """
    @notice A round's parameters and resolution (all zero if unknown).
    @param round_id The round.
    @return RoundInfo Tournament, times, resolution, root, totals.
    """
    return self._rounds[round_id]


@view
@external
def authorization_digest(authorization: IAtomicStaking.StakeAuthorization) -> bytes32:
    """
    @notice The EIP-712 digest that `authorization_signer` signs for `authorization`.
    @param authorization The authorization.
    @return bytes32 keccak256(0x1901 ++ domain separator ++ struct hash).
    """
    return self._authorization_digest(authorization)


@view
@external
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator of this contract on this chain.
    @return bytes32 The domain separator.
    """
    return eip712_domain_separator._domain_separator_v4()


@pure
@external
def claim_leaf(round_id: uint256, staker: address, model_id: bytes32, payout: uint256, burn: uint256) -> bytes32:
    """
    @notice The Merkle leaf of a claim.
    @return bytes32 keccak256(abi_encode(round_id, staker, model_id, payout, burn)).
    """
    return self._leaf(round_id, staker, model_id, payout, burn)


@view
@external
def is_valid_claim(
    round_id: uint256,
    staker: address,
    model_id: bytes32,
    payout: uint256,
    burn: uint256,
    proof: DynArray[bytes32, MAX_PROOF_LENGTH],
) -> bool:
    """
    @notice Whether `proof` proves the claim against the round's posted root, so a
            client can check a served proof before spending gas on it.
    @return bool True when the round is resolved and the proof leads to its root.
    """
    if not self._rounds[round_id].resolved:
        return False
    leaf: bytes32 = self._leaf(round_id, staker, model_id, payout, burn)
    return merkle_proof_verification._verify(proof, self._rounds[round_id].merkle_root, leaf)


################################################################
#                          INTERNAL                            #
################################################################


@internal
@view
def _check_operator():
    assert msg.sender == self.operator, "LocalAtomicStaking: caller is not the operator"


@internal
@pure
def _leaf(round_id: uint256, staker: address, model_id: bytes32, payout: uint256, burn: uint256) -> bytes32:
    return keccak256(abi_encode(round_id, staker, model_id, payout, burn))


@internal
@view
def _authorization_digest(authorization: IAtomicStaking.StakeAuthorization) -> bytes32:
    struct_hash: bytes32 = keccak256(
        abi_encode(
            STAKE_AUTHORIZATION_TYPEHASH,
            authorization.tournament_id,
            authorization.round_id,
            authorization.staker,
            authorization.model_id,
            authorization.submission_hash,
            authorization.max_amount,
            authorization.nonce,
            authorization.deadline,
        )
    )
    return eip712_domain_separator._hash_typed_data_v4(struct_hash)


@internal
def _settle(
    round_id: uint256,
    staker: address,
    model_id: bytes32,
    payout: uint256,
    burn: uint256,
    proof: DynArray[bytes32, MAX_PROOF_LENGTH],
    finalized: bool,
) -> uint256:
    """
    @dev Shared by `claim` and `finalize`: verifies the proof, marks the
         position settled, pays the staker and burns the burn.
    """
    position: IAtomicStaking.Position = self._positions[round_id][staker][model_id]
    assert position.amount != 0, "LocalAtomicStaking: no position"
    assert not (position.claimed or position.finalized), "LocalAtomicStaking: already settled"
    leaf: bytes32 = self._leaf(round_id, staker, model_id, payout, burn)
    assert merkle_proof_verification._verify(proof, self._rounds[round_id].merkle_root, leaf), "LocalAtomicStaking: invalid proof"
    assert burn <= position.amount, "LocalAtomicStaking: burn exceeds stake"
    assert payout <= self.remaining_payout[round_id], "LocalAtomicStaking: payout exceeds reserve"
    assert burn <= self.remaining_burn[round_id], "LocalAtomicStaking: burn exceeds round burn"

    settled: uint256 = position.amount + payout - burn
    position.claimed = not finalized
    position.finalized = finalized
    position.settled_amount = settled
    self._positions[round_id][staker][model_id] = position
    self.remaining_payout[round_id] -= payout
    self.remaining_burn[round_id] -= burn

    if burn != 0:
        extcall IBurnable(nmr).burn(burn)
    if settled != 0:
        assert extcall IERC20(nmr).transfer(staker, settled, default_return_value=True), "LocalAtomicStaking: payment failed"
    return settled
