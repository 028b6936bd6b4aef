"""One way for every page to send transactions: build, review, unlock, sign (or export for
offline signing), send, and wait until mined.

    outcome = await run_transactions(self, ctx, [approve, deposit], what="Deposit 100 NMR")
    if outcome is None: return                  # the user cancelled, or the simulation reverted
    if outcome.exported: return                 # watch-only: now on the offline signing page
    outcome.receipts                            # mined, all succeeded (else TxFailed was raised)

Nothing is signed that did not pass the review dialog. A watch-only account's batch is handed
to the offline signing page through `ctx.offline_request`, as one request (approval and
deposit together cross the air gap once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from numerbay_desktop.core.errors import NumerbayError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from numerbay_desktop.chain.client import Receipt
    from numerbay_desktop.chain.tracking import TxStatus
    from numerbay_desktop.chain.txflow import SentTx, TxIntent
    from numerbay_desktop.ui.app_context import AppContext
    from numerbay_desktop.ui.review_dialog import ReviewDialog
    from numerbay_desktop.ui.unlock import UnlockDialog
    from numerbay_desktop.wallet.accounts import AccountRecord
    from numerbay_desktop.wallet.offline import SignRequest

DEFAULT_WAIT_S = 180.0


def _t(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("TxRunner", text)


class TxFailed(NumerbayError):
    """A sent transaction reverted on chain, was replaced, or was dropped."""


@dataclass
class TxOutcome:
    sent: list[SentTx] = field(default_factory=list)
    statuses: list[TxStatus] = field(default_factory=list)
    exported: SignRequest | None = None

    @property
    def receipts(self) -> list[Receipt]:
        return [s.receipt for s in self.statuses if s.receipt is not None]


async def run_transactions(
    parent: QWidget | None,
    ctx: AppContext,
    intents: Sequence[TxIntent],
    *,
    what: str,
    account: AccountRecord | None = None,
    on_review: Callable[[ReviewDialog], object] | None = None,
    on_unlock: Callable[[UnlockDialog], object] | None = None,
    timeout_s: float = DEFAULT_WAIT_S,
) -> TxOutcome | None:
    """Review `intents` as one batch from `account` (default: the active one) and carry out
    what the user accepts. None when cancelled; TxFailed when a mined transaction failed."""
    from numerbay_desktop.chain.tracking import TxState
    from numerbay_desktop.services.tx_signing import KeySigner, abi_registry, export_request
    from numerbay_desktop.ui.review_dialog import review_transactions
    from numerbay_desktop.ui.unlock import unlock_account

    _, pipeline = ctx.require_chain()
    record = account or ctx.require_account()
    await ctx.recognise_vaults([i.to for i in intents if i.to is not None])
    draft = await pipeline.build(record.address, intents)
    decision = await review_transactions(parent, pipeline, draft, can_sign=record.can_sign,
                                         account=record.name, on_dialog=on_review)
    if decision is None:
        return None
    if decision.action == "export":
        assert ctx.network is not None
        request = export_request(decision.prepared, abi_registry(ctx.network, ctx.vault_names))
        ctx.offline_request.emit(request, decision.prepared, pipeline)
        ctx.notice.emit(_t("{0}: exported for offline signing.").format(what))
        return TxOutcome(exported=request)
    if not await unlock_account(parent, ctx.registry, record, ctx.session, on_dialog=on_unlock):
        return None
    key = ctx.session.key(record.name)
    sent = await pipeline.sign_and_send(decision.prepared, KeySigner(key))
    ctx.notice.emit(_t("{0}: sent, waiting to be mined…").format(what))
    outcome = TxOutcome(sent=sent)
    for slot in sent:
        status = await pipeline.wait(slot, until=TxState.INCLUDED, timeout_s=timeout_s)
        outcome.statuses.append(status)
        if status.state is not TxState.INCLUDED and not status.state.is_mined:
            raise TxFailed(_t("{0}: transaction {1} was {2}. {3}").format(
                what, slot.tx_hash, status.state.value, status.message).strip())
        if status.state is TxState.FAILED:
            raise TxFailed(_t("{0}: transaction {1} failed on chain. {2}").format(
                what, slot.tx_hash, status.message).strip())
    ctx.notice.emit(_t("{0}: done.").format(what))
    return outcome
