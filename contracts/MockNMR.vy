# pragma version ~=0.4.3
"""
@title MockNMR
@custom:contract-name MockNMR
@license MIT
@notice Devnet and test stand-in for Numeraire (NMR), mainnet
        0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671, 18 decimals.
        It reproduces NMR's approve rule: `approve` only moves an allowance
        from zero to non-zero or from non-zero to zero; any other change goes
        through `changeApproval(spender, old_value, new_value)`, which checks
        the current allowance first.
        WARNING: `mint` is open to anyone. This token is play money for a
        local chain and tests; it must never be deployed where it could be
        mistaken for real NMR.
@dev Built on snekmate's `erc20` module; its `approve` and `mint` are not
     exported and replaced here. Checks inside the module keep snekmate's
     revert reasons ("erc20: ..."). As with snekmate, an allowance of
     max_value(uint256) is not decreased by `transferFrom`.
"""


# @dev The ERC-20 module and the ownership module it depends on.
from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]


# @dev Plain ERC-20 surface plus `burn`; no permit, no minter roles.
exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.burn,
)


################################################################
#                           EVENTS                             #
################################################################


# @dev Emitted by `mint` besides the ERC-20 `Transfer` from the zero address.
event Minted:
    minter: indexed(address)
    receiver: indexed(address)
    amount: uint256


################################################################
#                         CONSTRUCTOR                          #
################################################################


@deploy
def __init__():
    """
    @notice Creates the token with NMR's name, symbol and decimals and no supply.
    """
    ownable.__init__()
    erc20.__init__("Numeraire", "NMR", 18, "Numeraire", "1")


################################################################
#                       APPROVE RULE                           #
################################################################


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Sets the allowance of `spender` over the caller's tokens, as NMR does:
            only from zero to any value or from any value to zero.
    @dev Reverts when both the current allowance and `amount` are non-zero;
         use `changeApproval` for that.
    @param spender The address allowed to spend.
    @param amount The new allowance.
    @return bool Always True (reverts on failure).
    """
    current: uint256 = erc20.allowance[msg.sender][spender]
    assert current == 0 or amount == 0, "MockNMR: approve from non-zero to non-zero"
    erc20._approve(msg.sender, spender, amount)
    return True


@external
def changeApproval(spender: address, old_value: uint256, new_value: uint256) -> bool:
    """
    @notice Changes the allowance of `spender` from `old_value` to `new_value`,
            as NMR's `changeApproval` does.
    @dev Reverts when the current allowance differs from `old_value`, so a
         spend that lands first cannot be followed by a fresh full allowance.
    @param spender The address allowed to spend.
    @param old_value The allowance the caller expects to replace.
    @param new_value The new allowance.
    @return bool Always True (reverts on failure).
    """
    current: uint256 = erc20.allowance[msg.sender][spender]
    assert current == old_value, "MockNMR: current allowance differs from old_value"
    erc20._approve(msg.sender, spender, new_value)
    return True


################################################################
#                        PLAY MONEY                            #
################################################################


@external
def mint(to: address, amount: uint256):
    """
    @notice Creates `amount` tokens for `to`. Open to anyone: devnet play money.
    @param to The receiver (not the zero address).
    @param amount The amount created, in wei (18 decimals).
    """
    erc20._mint(to, amount)
    log Minted(minter=msg.sender, receiver=to, amount=amount)
