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
     - at most `MAX_CALLS` (256) calls per `aggregate3`;
     - each call's calldata at most `MAX_CALLDATA` (1,028) bytes: a selector
       and 32 words;
     - each call's return data at most `MAX_RETURNDATA` (1,024) bytes (32
       words). Longer return data is cut to its first 1,024 bytes, so a caller
       must not batch views that return more (the app's client checks the
       declared output size of every view it batches).
     Unlike the canonical contract, `aggregate3` is not payable: it forwards
     no value, and ether sent to it could never be taken out again.
     A failed call with `allowFailure == False` reverts the whole batch with
     the canonical reason "Multicall3: call failed".
"""


################################################################
#                          CONSTANTS                           #
################################################################


# @dev Most calls in one `aggregate3`.
MAX_CALLS: public(constant(uint256)) = 256

# @dev Largest calldata of one call: a 4-byte selector and 32 ABI words.
MAX_CALLDATA: public(constant(uint256)) = 1028

# @dev Largest return data kept from one call: 32 ABI words.
MAX_RETURNDATA: public(constant(uint256)) = 1024


################################################################
#                           STRUCTS                            #
################################################################


# @dev One call of a batch, as canonical Multicall3's `Call3`.
struct Call3:
    target: address
    allowFailure: bool
    callData: Bytes[MAX_CALLDATA]


# @dev The outcome of one call, as canonical Multicall3's `Result`.
struct Result:
    success: bool
    returnData: Bytes[MAX_RETURNDATA]


################################################################
#                          BATCHING                            #
################################################################


@external
def aggregate3(calls: DynArray[Call3, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    """
    @notice Calls each target in order and returns every outcome.
    @dev A call marked `allowFailure` may fail; any other failure reverts the
         whole batch with "Multicall3: call failed".
    @param calls The calls: target, whether it may fail, and its calldata.
    @return DynArray The success flag and return data of each call, in order.
    """
    results: DynArray[Result, MAX_CALLS] = []
    for call: Call3 in calls:
        success: bool = False
        data: Bytes[MAX_RETURNDATA] = b""
        success, data = raw_call(
            call.target,
            call.callData,
            max_outsize=MAX_RETURNDATA,
            revert_on_failure=False,
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
