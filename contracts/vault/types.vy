# pragma version ~=0.4.3
"""
@title NumerBay fee schedule types
@custom:contract-name types
@license MIT
@notice The argument structs of a fee schedule (VAULT_SPEC section 5), shared by the
        factory (which validates and packs them), the admin extension and the lens.
"""


struct Tier:
    min_stake: uint256  # wei, a whole number of NMR; the tier applies when the basis >= min_stake
    fixed_fee_bps: uint16  # annual fee on lot value, accrued by time
    profit_share_bps: uint16  # share of profit above the lot's high-water mark


struct Commitment:
    duration: uint64  # seconds a lot is locked after its deposit
    discount_bps: uint16  # cut applied to both fees of the tier
