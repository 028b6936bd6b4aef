"""Where each figure of a marketplace row comes from, for the verification panel: the chain
call (with the lens, the vault and the block), the event, or the Numerai field."""

from __future__ import annotations

from numerbay_desktop.core import analytics
from numerbay_desktop.services.model_stats import SOURCES as NUMERAI_SOURCES
from numerbay_desktop.services.models import MarketRow, Sources

_INFO_FIELDS = (
    "total_assets", "idle", "at_stake", "exposed_value", "capacity", "min_deposit",
    "stake_count", "applied_count", "index_ray", "queue_length", "pending_eta", "paused",
    "shut_down", "stalled", "owner", "model_id",
)
_LEADERBOARD = ("corr_rep", "mmc_rep", "rank", "nmr_staked", "numerai_return_3m",
                "numerai_return_1y")


def row_sources(row: MarketRow, lens: str, block: int) -> Sources:
    sources: list[tuple[str, str]] = []
    vault = row.vault
    if vault is not None:
        at = f"at block {block}"
        info = f"VaultLens({lens}).vault_info({vault})"
        sources += [(name, f"{info}.{name} {at}") for name in _INFO_FIELDS]
        sources += [
            ("model_name", f"{info}.model_name {at}"),
            ("capacity_left", f"{info}.capacity − total_assets {at}"),
            ("tiers", f"VaultLens({lens}).schedule({vault}) {at}"),
            ("commitments", f"VaultLens({lens}).schedule({vault}) {at}"),
            ("fee_range", f"VaultLens({lens}).schedule({vault}) tiers × commitments after "
                          "each commitment's discount (core.vault_math.effective_bps)"),
            ("stakers", f"events Deposit − DepositCancelled − ExitFulfilled of {vault} to "
                        f"block {block}: distinct owners of open lots"),
            ("settled_rounds", f"events RoundSettled of {vault} to block {block}"),
            ("return_3m", f"events RoundSettled.index_ray/timestamp of {vault}: "
                          + analytics.DEFINITIONS["return_3m"]),
            ("return_1y", f"events RoundSettled.index_ray/timestamp of {vault}: "
                          + analytics.DEFINITIONS["return_1y"]),
            ("return_since_start", f"last event RoundSettled.index_ray of {vault} / 1e27 − 1"),
            ("sparkline", f"events RoundSettled.index_ray of {vault}, scaled to [0, 1]"),
        ]
    if row.stats is not None:
        keys = _LEADERBOARD if vault is None else tuple(NUMERAI_SOURCES)
        sources += [(k, NUMERAI_SOURCES[k]) for k in keys if k in NUMERAI_SOURCES]
    return tuple(sources)
