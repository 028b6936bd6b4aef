# pragma version ~=0.4.3
"""
@title ReentrantStaking
@notice Test-only stand-in for Numerai's staking contract: `stake` pulls the NMR, then calls
        back into the staker with `payload` and records whether that nested call succeeded.
"""

from ethereum.ercs import IERC20
from interfaces import IAtomicStaking

NMR: immutable(IERC20)
payload: public(Bytes[512])  # calldata of the nested call into the staker
attempts: public(uint256)  # nested calls tried
successes: public(uint256)  # nested calls that did not revert


@deploy
def __init__(nmr: address):
    NMR = IERC20(nmr)


@external
def arm(payload: Bytes[512]):
    self.payload = payload


@external
def stake(authorization: IAtomicStaking.StakeAuthorization, amount: uint256, signature: Bytes[65]):
    assert extcall NMR.transferFrom(msg.sender, self, amount)
    self.attempts += 1
    ok: bool = raw_call(msg.sender, self.payload, revert_on_failure=False)
    if ok:
        self.successes += 1
