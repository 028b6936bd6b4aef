"""Devnet panel against the real devnet world and its control endpoint: mint adds exactly the
amount to the account's NMR on chain, advancing one day moves the chain's clock by about a day,
bad input is refused before anything is sent, and the demo phrase hides behind a button."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from numerbay_desktop.services.devnet_control import (
    DevnetControl,
    DevnetRefused,
    DevnetUnreachable,
    nmr_to_wei,
)
from numerbay_desktop.ui.devnet_panel import DevnetPanel

BALANCE_OF = "0x70a08231"


@pytest.fixture
def control_info(devnet: Any) -> Iterator[dict[str, Any]]:
    from numerbay_desktop.devnet.control import ControlServer

    server = ControlServer(devnet)
    url = server.start()
    try:
        yield devnet.describe(control_url=url)
    finally:
        server.stop()


def _nmr_balance(world: Any, info: dict[str, Any], address: str) -> int:
    data = BALANCE_OF + address[2:].lower().rjust(64, "0")
    call = {"to": info["contracts"]["nmr"], "data": data}
    return int(str(world.rpc.call("eth_call", [call, "latest"])), 16)


async def _wait_for(predicate: Any, timeout_s: float) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def panel(qtbot: Any, control_info: dict[str, Any]) -> DevnetPanel:
    widget = DevnetPanel(control_info)
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.mark.asyncio(loop_scope="session")
async def test_mint_adds_exactly_the_amount(
    panel: DevnetPanel, devnet: Any, control_info: dict[str, Any]
) -> None:
    account = control_info["accounts"][3]["address"]
    before = _nmr_balance(devnet, control_info, account)
    panel.account.setEditText(account.lower())
    panel.amount.setText("1234.000000000000000001")
    panel.mint_button.click()
    await _wait_for(lambda: panel.mint_status.property("tone") in ("success", "danger"), 30)
    assert panel.mint_status.property("tone") == "success", panel.mint_status.text()
    assert _nmr_balance(devnet, control_info, account) - before == 1234 * 10**18 + 1
    assert "Minted 1,234.000000000000000001 NMR to" in panel.mint_status.text()


@pytest.mark.parametrize(
    ("address", "amount", "message"),
    [
        ("0x1234", "5", "not an Ethereum address"),
        (None, "abc", "is not a number of NMR"),
        (None, "0", "more than zero"),
        (None, "0.0000000000000000001", "18 decimal places"),
    ],
)
def test_bad_mint_input_is_refused_before_sending(
    panel: DevnetPanel, address: str | None, amount: str, message: str
) -> None:
    if address is not None:
        panel.account.setEditText(address)
    panel.amount.setText(amount)
    assert panel.mint() is None
    assert message in panel.mint_status.text()
    assert panel.mint_status.property("tone") == "danger"


@pytest.mark.asyncio(loop_scope="session")
async def test_advance_one_day_moves_chain_time_by_a_day(
    panel: DevnetPanel, devnet: Any
) -> None:
    before = devnet.chain_time()
    round_before = devnet.current_round()
    panel.steps.setValue(1)
    panel.advance_button.click()
    assert panel.progress.isVisible() and not panel.advance_button.isEnabled()
    await _wait_for(lambda: not panel.advancing, 240)
    assert panel.advance_status.property("tone") == "success", panel.advance_status.text()
    moved = devnet.chain_time() - before
    assert 0.5 * 86400 <= moved <= 1.5 * 86400, moved
    assert devnet.current_round() == round_before + 1
    assert panel.progress.value() == 1
    assert f"round {round_before + 1}" in panel.advance_status.text()


def test_demo_phrase_is_behind_a_show_button(
    panel: DevnetPanel, control_info: dict[str, Any]
) -> None:
    assert not panel.phrase.isVisible() and panel.phrase.text() == ""
    panel.show_phrase_button.click()
    assert panel.phrase.isVisible() and panel.phrase.text() == control_info["mnemonic"]
    panel.close()
    assert panel.phrase.text() == ""


@pytest.mark.asyncio(loop_scope="session")
async def test_control_client_errors_are_typed(control_info: dict[str, Any]) -> None:
    with pytest.raises(DevnetUnreachable):
        DevnetControl("http://192.0.2.1:8000")  # not this computer: refused before sending
    with pytest.raises(DevnetRefused, match="must be an Ethereum address"):
        await DevnetControl(control_info["control_url"]).mint("0xnope", 5)
    with pytest.raises(DevnetUnreachable):
        await DevnetControl("http://127.0.0.1:9").status()
    assert nmr_to_wei("2.5") == 25 * 10**17


def test_the_apps_accounts_are_listed_by_name(qtbot: Any) -> None:
    demo = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    mine = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    widget = DevnetPanel({"accounts": [{"address": demo}, {"address": mine}],
                          "control_url": "http://127.0.0.1:1"})
    qtbot.addWidget(widget)
    widget.set_accounts([("Staker", mine)])
    items = [widget.account.itemText(i) for i in range(widget.account.count())]
    assert items == [f"Staker · {mine}", demo]  # the demo address already listed by name
    widget.account.setCurrentIndex(0)
    assert widget.chosen_address() == mine
    widget.account.setEditText(demo.lower())  # typed by hand: taken as it is
    assert widget.chosen_address() == demo.lower()


def test_a_typed_address_survives_a_new_list_and_a_listed_one_does_not(qtbot: Any) -> None:
    demo = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    widget = DevnetPanel({"accounts": [{"address": demo}], "control_url": "http://127.0.0.1:1"})
    qtbot.addWidget(widget)
    widget.set_accounts([("Staker", demo)])
    assert widget.account.currentText() == f"Staker · {demo}"
    widget.account.setEditText("0xabc")
    widget.set_accounts([("Staker", demo)])
    assert widget.account.currentText() == "0xabc"
