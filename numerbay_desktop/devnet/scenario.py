"""The demo scenario: who is who on the devnet, which models get vaults, on what terms.

Accounts are BIP44 accounts of the devnet mnemonic (`m/44'/60'/0'/0/i`, play money only):

| index  | role                                                                      |
| ------ | ------------------------------------------------------------------------- |
| 0      | demo account: owner of the first Numerai account's vaults (3 vaults)      |
| 1      | demo account: owner of the second Numerai account's vaults (2 vaults)     |
| 2-4    | demo accounts: stakers with positions in the history                      |
| 10     | deployer of the contracts, owner and treasury of the factory              |
| 11     | the local Numerai's authorization signer (signs EIP-712 stake authorizations) |
| 12     | the local Numerai's operator (creates, resolves and finalizes rounds)    |
| 13-19  | owners of the other demo vaults (one Numerai account each)                |
| 20-25  | background stakers                                                        |

All of them are unlocked in anvil (it is started with `ANVIL_ACCOUNTS` accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from eth_account import Account

from numerbay_desktop.devnet.local_numerai.calendar import ABS_CUTOVER_ROUND
from numerbay_desktop.devnet.local_numerai.population import Model
from numerbay_desktop.devnet.local_numerai.tournament import Tournament

DAY = 86_400
WAD = 10**18
ANVIL_ACCOUNTS = 30
DEMO_ACCOUNTS = 5
DEPLOYER_INDEX = 10
SIGNER_INDEX = 11
OPERATOR_INDEX = 12
OTHER_OWNER_INDICES = tuple(range(13, 20))
DEMO_STAKER_INDICES = (2, 3, 4)
BACKGROUND_STAKER_INDICES = tuple(range(20, 26))
VAULTS_PER_OWNER = (3, 2, 1, 1, 1, 1, 1, 1, 1)  # 12 vaults, 9 owners
NMR_PER_ACCOUNT = 50_000 * WAD  # minted to every demo account and staker at the start
# Rounds resolve 33 days after they open, so 135 days give the older vaults about 100 days of
# settled rounds: enough for the marketplace's 3-month return (91 days) on 10 of the 12.
HISTORY_DAYS = 135


@dataclass(frozen=True)
class Terms:
    """A vault's fee ladder, commitments and capacity in whole NMR and days."""

    tiers: tuple[tuple[int, int, int], ...]  # (min NMR, fixed bps/year, profit share bps)
    commitments: tuple[tuple[int, int], ...]  # (days locked, discount bps)
    capacity_nmr: int
    owner_seed_nmr: int  # the owner's own first deposit
    start_day: int  # day of the history on which the vault is created
    max_round_bps: int = 313
    max_at_stake_bps: int = 9_000
    schedule_delay_days: int = 7


# One entry per demo vault, in the order the vaults are assigned to models.
TERMS: tuple[Terms, ...] = (
    Terms(((0, 200, 2_000), (1_000, 150, 1_500)), ((0, 0), (30, 2_000), (90, 5_000)),
          250_000, 5_000, 0),
    Terms(((0, 100, 1_000),), ((14, 0),), 40_000, 2_000, 0),
    Terms(((0, 300, 2_500), (500, 250, 2_000), (5_000, 200, 1_500), (20_000, 100, 1_000)),
          ((0, 0), (60, 2_500)), 1_000_000, 10_000, 1, 400, 9_500),
    Terms(((0, 0, 3_000), (2_000, 0, 2_000)), ((7, 0), (180, 3_000)), 120_000, 3_000, 1),
    Terms(((0, 500, 0),), ((0, 0),), 15_000, 1_000, 2, 250, 8_000),
    Terms(((0, 250, 2_000), (1_000, 200, 1_800), (10_000, 150, 1_500)),
          ((0, 0), (30, 1_000), (120, 3_000)), 300_000, 8_000, 3),
    Terms(((0, 150, 1_500), (3_000, 100, 1_000)), ((21, 0),), 60_000, 2_500, 4, 313, 8_500),
    Terms(((0, 1_000, 5_000),), ((0, 0), (365, 10_000)), 25_000, 500, 5),
    Terms(((0, 200, 2_500), (250, 180, 2_200), (2_500, 160, 1_900), (25_000, 120, 1_500)),
          ((0, 0), (45, 1_500), (90, 3_000)), 500_000, 6_000, 7, 500, 9_000, 14),
    Terms(((0, 75, 1_200),), ((0, 0), (30, 5_000)), 80_000, 4_000, 9),
    Terms(((0, 300, 2_000), (1_500, 200, 1_500)), ((10, 0), (40, 2_000), (100, 4_000)),
          150_000, 3_500, 12),
    Terms(((0, 100, 3_000), (750, 90, 2_800), (7_500, 80, 2_500)), ((0, 0),),
          200_000, 2_000, 15, 200, 7_000),
)


@dataclass(frozen=True)
class VaultRole:
    """A demo vault: the Numerai model it stakes and the account that owns it."""

    model: Model
    owner_index: int
    terms: Terms


@cache
def _account(mnemonic: str, index: int) -> tuple[str, str]:
    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
    return str(account.address), "0x" + bytes(account.key).hex()


def address_of(mnemonic: str, index: int) -> str:
    return _account(mnemonic, index)[0]


def key_of(mnemonic: str, index: int) -> str:
    return _account(mnemonic, index)[1]


def _eligible(tournament: Tournament, model: Model) -> bool:
    """A model that submits through the whole history (so its vault stakes nearly daily)."""
    return model.style != "skipper" and model.start_round <= ABS_CUTOVER_ROUND


def vault_roles(tournament: Tournament) -> list[VaultRole]:
    """Choose the models with vaults: the Numerai accounts with most eligible models first."""
    by_user: dict[str, list[Model]] = {}
    for model in tournament.models:
        if _eligible(tournament, model):
            by_user.setdefault(model.username, []).append(model)
    users = sorted(by_user, key=lambda u: (-len(by_user[u]), u))
    owner_indices = (0, 1, *OTHER_OWNER_INDICES)
    roles: list[VaultRole] = []
    carry = 0  # vaults an owner with fewer models could not take pass to the next one
    for slot, user in enumerate(users[: len(owner_indices)]):
        quota = (VAULTS_PER_OWNER[slot] if slot < len(VAULTS_PER_OWNER) else 0) + carry
        take = by_user[user][: min(quota, len(TERMS) - len(roles))]
        carry = quota - len(take)
        for model in take:
            roles.append(VaultRole(model, owner_indices[slot], TERMS[len(roles)]))
    return roles


def staker_indices() -> tuple[int, ...]:
    return DEMO_STAKER_INDICES + BACKGROUND_STAKER_INDICES


def funded_indices() -> tuple[int, ...]:
    """Every account that gets NMR at the start (owners and stakers)."""
    return (0, 1, *DEMO_STAKER_INDICES, *OTHER_OWNER_INDICES, *BACKGROUND_STAKER_INDICES)
