# pragma version ~=0.4.3
"""
@title Multicall3
@custom:contract-name Multicall3
@license MIT
@notice Batches many read calls into one `eth_call`. ABI-compatible with the
        canonical Multicall3 (0xcA11bde05977b3631167028862bE2a173976CA11) for the
        functions it has: `aggregate3((address,bool,bytes)[])` has the same
        selector (0x82ad56cb) and the same tuple layout in and out, so the app
        can use the canonical deployment on mainnet and Sepolia and this one on
        the devnet with one encoder.
@dev Vyper needs static bounds; they are chosen for view batching:
     - at most `MAX_CALLS` (128) calls per `aggregate3`;
     - each call's calldata at most `MAX_CALLDATA` (1,028) bytes: a selector
       and 32 words;
     - each call's return data at most `MAX_RETURNDATA` (2,048) bytes (64
       words: the vault lens's largest view, `schedule`, returns 1,152).
       A call that returns more counts as failed, with the revert reason
       "Multicall3: return data too long" (never silently cut).
     Memory for these bounds is allocated statically: an aggregate3 costs about
     0.4M gas before its first call (free in `eth_call`; the app's client sizes
     its chunks under the node's gas cap). The app sends many chunks in one
     JSON-RPC batch, so a small per-chunk bound costs no extra HTTP request.
     Unlike the canonical contract, `aggregate3` is not payable: it forwards
     no value, and ether sent to it could never be taken out again.
     A failed call with `allowFailure == False` reverts the whole batch with
     the canonical reason "Multicall3: call failed".
"""


################################################################
#                          CONSTANTS                           #
################################################################


# @dev Most calls in one `aggregate3`.
MAX_CALLS: public(constant(uint256)) = 128

# @dev Largest calldata of one call: a 4-byte selector and 32 ABI words.
MAX_CALLDATA: public(constant(uint256)) = 1028

# @dev Largest return data kept from one call: 64 ABI words.
MAX_RETURNDATA: public(constant(uint256)) = 2048


################################################################
#                           STRUCTS                            #
################################################################


# @dev One call of a batch, as canonical Multicall3's `Call3`.
struct Call3:
    target: address
    allowFailure: bool
    callData: Bytes[MAX_CALLDATA]


# @dev The outcome of one call, as canonical Multicall3's `Result`. One byte
#      more than the bound, so that too-long return data can be detected (it is
#      then replaced by the "too long" reason, which is far shorter).
struct Result:
    success: bool
    returnData: Bytes[MAX_RETURNDATA + 1]


################################################################
#                          BATCHING                            #
################################################################


@external
def aggregate3(calls: DynArray[Call3, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    """
    @notice Calls each target in order and returns every outcome.
    @dev A call marked `allowFailure` may fail; any other failure reverts the
         whole batch with "Multicall3: call failed". Return data longer than
         `MAX_RETURNDATA` makes the call a failure whose data is
         Error("Multicall3: return data too long").
    @param calls The calls: target, whether it may fail, and its calldata.
    @return DynArray The success flag and return data of each call, in order.
    """
    results: DynArray[Result, MAX_CALLS] = []
    for call: Call3 in calls:
        success: bool = False
        data: Bytes[MAX_RETURNDATA + 1] = b""
        success, data = raw_call(
            call.target,
            call.callData,
            max_outsize=MAX_RETURNDATA + 1,
            revert_on_failure=False,
        )
        if len(data) > MAX_RETURNDATA:
            success = False
            data = abi_encode(
                "Multicall3: return data too long", method_id=method_id("Error(string)")
            )
        assert success or call.allowFailure, "Multicall3: call failed"
        results.append(Result(success=success, returnData=data))
    return results


################################################################
#                        BLOCK VIEWS                           #
################################################################


@external
@view
def getBlockNumber() -> uint256:
    """
    @notice The number of the block the call runs in.
    @return uint256 `block.number`.
    """
    return block.number


@external
@view
def getCurrentBlockTimestamp() -> uint256:
    """
    @notice The timestamp of the block the call runs in.
    @return uint256 `block.timestamp`, in seconds.
    """
    return block.timestamp


@external
@view
def getEthBalance(addr: address) -> uint256:
    """
    @notice The ether balance of an account.
    @param addr The account.
    @return uint256 Its balance in wei.
    """
    return addr.balance


@external
@view
def getChainId() -> uint256:
    """
    @notice The chain id the call runs on.
    @return uint256 `chain.id`.
    """
    return chain.id


@external
@view
def getBasefee() -> uint256:
    """
    @notice The base fee of the block the call runs in.
    @return uint256 `block.basefee`, in wei.
    """
    return block.basefee
