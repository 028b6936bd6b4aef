"""The review dialog on real reviews: MockNMR on the shared anvil, the real pipeline
(build → simulate → review), real Qt offscreen. Screenshots go to tests/artifacts/tour/review_*.png.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QToolButton, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from txflow_support import ALICE, ALICE_KEY, BOB, NMR_ABI, WAD, TxWorld, txworld

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.tracking import TxState
from numerbay_desktop.chain.txflow import Prepared, TxIntent, TxPipeline
from numerbay_desktop.core.risk import Severity
from numerbay_desktop.services.tx_signing import KeySigner
from numerbay_desktop.store.nonce_journal import NonceJournal
from numerbay_desktop.ui.review_dialog import (
    ReviewDialog,
    pipeline_repricer,
    review_transactions,
)
from numerbay_desktop.ui.theme import apply_theme, current_palette

__all__ = ["txworld"]  # the fixture, imported for pytest
UNLIMITED = 2**256 - 1
TOUR = Path(__file__).resolve().parent.parent / "artifacts" / "tour"
pytestmark = pytest.mark.asyncio(loop_scope="session")
_TASKS: set[asyncio.Task[None]] = set()


def spawn(coroutine: Coroutine[Any, Any, None]) -> None:
    """Drive an open dialog from a task (held until it ends)."""
    task = asyncio.ensure_future(coroutine)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


@asynccontextmanager
async def pipeline_on(world: TxWorld, data_dir: Path) -> AsyncIterator[TxPipeline]:
    network = world.network()
    client = ChainClient(network, timeout_s=3.0, total_timeout_s=6.0)
    journal = NonceJournal.open(data_dir)
    try:
        yield TxPipeline(client, journal, names=world.names(network))
    finally:
        await client.close()
        journal.close()


def nmr_call(world: TxWorld, function: str, *args: object) -> TxIntent:
    return TxIntent(world.nmr, NMR_ABI.at(world.nmr).calldata(function, *args), label=function)


async def shown(dialog: ReviewDialog, name: str | None = None) -> ReviewDialog:
    dialog.show()
    await asyncio.sleep(0.05)  # the qasync loop lays it out
    if name is not None:
        # the whole content in the picture (a real screen scrolls what does not fit)
        dialog.resize(dialog.width(), dialog.body.sizeHint().height()
                      + dialog.footer.sizeHint().height() + 8)
        await asyncio.sleep(0.05)
        TOUR.mkdir(parents=True, exist_ok=True)
        assert dialog.grab().save(str(TOUR / f"review_{name}.png"))
    return dialog


def left_edge_colour(widget: QWidget) -> QColor:
    image = widget.grab().toImage()
    return image.pixelColor(1, image.height() // 2)


async def risky_batch(world: TxWorld, pipeline: TxPipeline) -> Prepared:
    """An unlimited approval to BOB and a transfer to BOB (never paid before)."""
    world.mint(ALICE, 100 * WAD)
    intents = [nmr_call(world, "approve", BOB, UNLIMITED),
               nmr_call(world, "transfer", BOB, 5 * WAD)]
    return await pipeline.prepare(ALICE, intents)


async def test_danger_findings_are_coloured_and_need_acknowledging(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    apply_theme(qapp, "light")
    async with pipeline_on(txworld, isolated_data_dir) as pipeline:
        prepared = await risky_batch(txworld, pipeline)
        dialog = ReviewDialog(prepared, reprice=pipeline_repricer(pipeline), can_sign=True,
                              account="alice")
        await shown(dialog, "danger_light")
        severities = {row.property("code"): row.property("severity")
                      for row in dialog.findings.rows}
        assert severities["unlimited_approval"] == "danger"
        assert severities["first_time_recipient"] == "warning"
        palette = current_palette()
        for row in dialog.findings.rows:
            expected = {"danger": palette.danger, "warning": palette.warning}[
                row.property("severity")]
            assert left_edge_colour(row).name().lower() == expected.lower()
        # both calls decoded in human units, contract named
        assert dialog.cards[0].title.text() == "Approve"
        assert "Numeraire" in dialog.cards[0].contract.text()
        texts = [label.text() for label in dialog.cards[0].findChildren(QLabel)]
        assert "unlimited NMR" in texts
        assert any(t.startswith("5 NMR") for t in
                   (label.text() for label in dialog.cards[1].findChildren(QLabel)))
        assert dialog.cards[0].contract.toolTip() == txworld.nmr  # full address on hover
        copy = [b for b in dialog.cards[0].findChildren(QToolButton) if b.text() == "Copy"]
        copy[0].click()
        assert QApplication.clipboard().text() == txworld.nmr
        assert dialog.confirm_button.text() == "Sign and send"
        assert dialog.acknowledge.isVisible()
        assert not dialog.confirm_button.isEnabled()
        dialog.confirm_button.click()
        assert dialog.decision() is None  # nothing to sign without the box ticked

        dialog.acknowledge.setChecked(True)
        assert dialog.confirm_button.isEnabled()
        await shown(dialog, "danger_acknowledged_light")
        dialog.confirm_button.click()
        decision = dialog.decision()
        assert decision is not None and decision.action == "sign"
        assert "unlimited_approval" in decision.acknowledged
        assert decision.prepared.review.worst_severity is Severity.DANGER

        # the accepted batch is what gets signed and mined
        sent = await pipeline.sign_and_send(decision.prepared, KeySigner(ALICE_KEY))
        receipt = txworld.wait_mined(sent[-1].tx_hash)
        assert int(receipt["status"], 16) == 1
        assert txworld.nmr_balance(BOB) == 5 * WAD
        dialog.deleteLater()


async def test_a_reverting_call_shows_the_reason_and_cannot_be_confirmed(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    for theme in ("light", "dark"):
        apply_theme(qapp, theme)
        async with pipeline_on(txworld, isolated_data_dir) as pipeline:
            # ALICE holds no NMR here: the transfer reverts in simulation
            draft = await pipeline.build(ALICE, [nmr_call(txworld, "transfer", BOB, 7 * WAD)])
            seen: list[tuple[bool, str]] = []

            async def inspect(dialog: ReviewDialog, theme: str = theme,
                              seen: list[tuple[bool, str]] = seen) -> None:
                await shown(dialog, f"reverts_{theme}")
                seen.append((dialog.confirm_button.isEnabled(),
                             dialog.simulation_label.text()))
                dialog.confirm_button.click()  # disabled: no effect
                dialog.reject()

            decision = await review_transactions(None, pipeline, draft, can_sign=True,
                                                 account="alice",
                                                 on_dialog=lambda d: spawn(inspect(d)))
            assert decision is None
            (enabled, text), = seen
            assert not enabled
            assert "fails" in text and "Nothing can be signed" in text
            assert "balance" in text.lower()  # the decoded revert reason
    apply_theme(qapp, "light")


async def test_switching_presets_reprices_the_maximum_cost(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    apply_theme(qapp, "dark")
    async with pipeline_on(txworld, isolated_data_dir) as pipeline:
        txworld.mint(ALICE, 10 * WAD)
        draft = await pipeline.build(ALICE, [nmr_call(txworld, "approve", txworld.vault, 3 * WAD)])
        costs: dict[str, str] = {}

        async def drive(dialog: ReviewDialog) -> None:
            await shown(dialog)
            assert dialog.fees is not None
            assert dialog.confirm_button.text() == "Export for offline signing"
            assert not dialog.acknowledge.isVisible()  # no danger: nothing to tick
            for name in ("low", "aggressive"):
                dialog.fees.buttons[name].click()
                assert dialog.review.fee.name == name
                costs[name] = dialog.max_cost_label.text()
                priced = dialog.prepared
                assert priced is not None
                assert dialog.review.max_cost == sum(
                    tx.gas * tx.max_fee_per_gas for tx in priced.transactions
                )
            await shown(dialog, "presets_dark")
            dialog.confirm_button.click()

        decision = await review_transactions(
            None, pipeline, draft, can_sign=False, account="cold-wallet",
            on_dialog=lambda d: spawn(drive(d)))
        assert decision is not None and decision.action == "export"
        assert decision.fee == draft.presets.aggressive
        assert costs["low"] != costs["aggressive"]
        presets = draft.presets
        assert presets.low.max_fee_per_gas < presets.aggressive.max_fee_per_gas
    apply_theme(qapp, "light")


async def test_advanced_fields_validate_inline(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    for theme in ("light", "dark"):
        apply_theme(qapp, theme)
        async with pipeline_on(txworld, isolated_data_dir) as pipeline:
            prepared = await pipeline.prepare(
                ALICE, [nmr_call(txworld, "approve", txworld.vault, 3 * WAD)])
            dialog = ReviewDialog(prepared, reprice=pipeline_repricer(pipeline), can_sign=True)
            await shown(dialog)
            fees = dialog.fees
            assert fees is not None
            fees.toggle.click()
            used = prepared.review.simulation.gas_used[0]

            def type_into(edit: object, text: str) -> None:
                edit.setText(text)  # type: ignore[attr-defined]
                edit.textEdited.emit(text)  # type: ignore[attr-defined]

            type_into(fees.max_fee_edit, "1.5e3")
            assert fees.errors[fees.max_fee_edit].isVisible()
            assert "exponent" in fees.errors[fees.max_fee_edit].text()
            assert not dialog.confirm_button.isEnabled()
            type_into(fees.max_fee_edit, "2")
            type_into(fees.priority_edit, "3")
            assert "higher than the max fee" in fees.errors[fees.priority_edit].text()
            type_into(fees.priority_edit, "0.5")
            type_into(fees.gas_edits[0], str(used - 1))
            assert f"At least {used:,}" in fees.errors[fees.gas_edits[0]].text()
            assert not dialog.confirm_button.isEnabled()
            await shown(dialog, f"advanced_errors_{theme}")

            type_into(fees.gas_edits[0], "120,000")
            assert dialog.confirm_button.isEnabled()
            fee = dialog.review.fee
            assert (fee.name, fee.max_fee_per_gas, fee.max_priority_fee_per_gas) == (
                "custom", 2 * 10**9, 5 * 10**8)
            assert dialog.review.max_cost == 120_000 * 2 * 10**9  # exact integers
            assert not any(b.isChecked() for b in fees.buttons.values())
            assert dialog.cards[0].gas.text().startswith("limit 120,000")
            assert fees.summary.text().startswith("In use: custom fee, max 2")
            await shown(dialog, f"advanced_custom_{theme}")
            dialog.confirm_button.click()
            decision = dialog.decision()
            assert decision is not None and decision.gas_limits == (120_000,)
            dialog.deleteLater()
    apply_theme(qapp, "light")


async def test_a_danger_in_the_dark_theme(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    apply_theme(qapp, "dark")
    try:
        async with pipeline_on(txworld, isolated_data_dir) as pipeline:
            prepared = await risky_batch(txworld, pipeline)
            dialog = ReviewDialog(prepared, reprice=pipeline_repricer(pipeline), can_sign=True,
                                  account="alice")
            await shown(dialog, "danger_dark")
            danger = current_palette().danger
            rows = {row.property("code"): row for row in dialog.findings.rows}
            assert left_edge_colour(rows["unlimited_approval"]).name() == danger.lower()
            assert not dialog.confirm_button.isEnabled()
            dialog.deleteLater()
    finally:
        apply_theme(qapp, "light")


async def test_a_speed_up_keeps_its_fee_when_a_preset_would_not_replace_it(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    apply_theme(qapp, "light")
    txworld.mint(ALICE, 10 * WAD)
    async with pipeline_on(txworld, isolated_data_dir) as pipeline:
        first = await pipeline.prepare(ALICE, [nmr_call(txworld, "transfer", BOB, WAD)],
                                       fee="aggressive")
        txworld.rpc("evm_setAutomine", [False])
        [slot] = await pipeline.sign_and_send(first, KeySigner(ALICE_KEY))
        faster = await pipeline.prepare_speed_up(slot)
        dialog = ReviewDialog(faster, reprice=pipeline_repricer(pipeline), can_sign=True,
                              account="alice")
        await shown(dialog)
        fees = dialog.fees
        assert fees is not None
        assert not any(b.isChecked() for b in fees.buttons.values())  # "speed-up" is no preset
        fees.buttons["low"].click()  # under the +12.5% a replacement needs
        assert "12.5%" in dialog.fee_note.text() and dialog.fee_note.isVisible()
        assert dialog.review.fee.name == "speed-up"
        assert not fees.buttons["low"].isChecked()
        assert dialog.confirm_button.isEnabled()  # the speed-up's own fee is still valid
        await shown(dialog, "speed_up_light")
        dialog.confirm_button.click()
        decision = dialog.decision()
        assert decision is not None and decision.fee == faster.review.fee
        [same] = await pipeline.sign_and_send(decision.prepared, KeySigner(ALICE_KEY))
        txworld.mine()
        status = await pipeline.wait(same, until=TxState.INCLUDED, timeout_s=5)
        assert status.tx_hash == same.hashes[-1] != same.hashes[0]
        dialog.deleteLater()


async def test_an_eth_transfer_to_a_new_address(
    qapp: QApplication, txworld: TxWorld, isolated_data_dir: Path
) -> None:
    apply_theme(qapp, "light")
    stranger = "0x1234567890AbcdEF1234567890aBcdef12345678"
    async with pipeline_on(txworld, isolated_data_dir) as pipeline:
        prepared = await pipeline.prepare(ALICE, [TxIntent(stranger, b"", 25 * 10**16)])
        dialog = ReviewDialog(prepared, reprice=pipeline_repricer(pipeline), can_sign=True)
        await shown(dialog, "eth_transfer_light")
        card = dialog.cards[0]
        assert card.title.text() == "Send ETH"
        assert "0.25 ETH" in [label.text() for label in card.findChildren(QLabel)]
        assert [row.property("code") for row in dialog.findings.rows] == ["first_time_recipient"]
        assert dialog.confirm_button.isEnabled()  # a warning needs no box ticked
        assert not dialog.acknowledge.isVisible()
        # the maximum cost includes the value sent, rounded up, never down
        review = dialog.review
        assert review.max_cost == 25 * 10**16 + sum(
            c.gas_limit for c in review.calls) * review.fee.max_fee_per_gas
        shown_cost = dialog.max_cost_label.text()
        assert shown_cost.endswith(" ETH")
        assert int(Decimal(shown_cost[:-4].replace(",", "")) * 10**18) >= review.max_cost
        dialog.deleteLater()
