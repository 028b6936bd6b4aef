# pragma version ~=0.4.3
"""
@title ReentrantToken
@notice Test-only ERC-20 that calls back into `target` with `payload` from inside every
        transfer and transferFrom, and records whether that nested call succeeded.
"""

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
target: public(address)  # the contract to re-enter
payload: public(Bytes[512])  # calldata of the nested call
attempts: public(uint256)  # nested calls tried
successes: public(uint256)  # nested calls that did not revert
armed: bool  # re-enter only while armed (set by arm())


@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount


@external
def arm(target: address, payload: Bytes[512]):
    self.target = target
    self.payload = payload
    self.armed = True


@internal
def _reenter():
    if self.armed:
        self.armed = False
        self.attempts += 1
        ok: bool = raw_call(self.target, self.payload, revert_on_failure=False)
        if ok:
            self.successes += 1


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    return True


@external
def transfer(to: address, amount: uint256) -> bool:
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount
    self._reenter()
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    self.allowance[owner][msg.sender] -= amount
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    self._reenter()
    return True
