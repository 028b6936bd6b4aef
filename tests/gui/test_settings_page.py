"""Settings page: node addresses checked against the shared anvil, a wrong-chain warning,
bad addresses refused with a message, masking of secrets, and a save that reloads."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from numerbay_desktop.store.settings import Settings, load_settings
from numerbay_desktop.ui.pages.settings import SettingsPage
from numerbay_desktop.ui.settings_network import check_rpc_url, masked_url, rpc_url_problem


@pytest.fixture
def page(qtbot: Any, tmp_path: Path) -> SettingsPage:
    widget = SettingsPage()
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    widget.bind_settings(tmp_path, Settings())
    return widget


async def _wait_for(predicate: Any, timeout_s: float = 15.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.asyncio(loop_scope="session")
async def test_check_button_shows_chain_id_and_latency(page: SettingsPage, anvil: Any) -> None:
    page.select_network("devnet")
    page.rpc_editor.new_url.setText(anvil.rpc_url)
    assert page.rpc_editor.add_from_field()
    page.rpc_editor.rows[0].check.click()
    result = page.rpc_editor.rows[0].result
    await _wait_for(lambda: anvil.rpc_url in page.rpc_editor.last_results)
    checked = page.rpc_editor.last_results[anvil.rpc_url]
    assert checked.chain_id == 31337 and checked.error is None and checked.warning is None
    assert checked.latency_ms is not None and 0 <= checked.latency_ms < 5000
    assert result.text().startswith("Chain id 31337 · answered in ") and " ms" in result.text()
    assert result.property("tone") == "success"


@pytest.mark.asyncio(loop_scope="session")
async def test_anvil_checked_as_sepolia_warns_about_the_chain(
    page: SettingsPage, anvil: Any
) -> None:
    page.select_network("sepolia")
    page.rpc_editor.new_url.setText(anvil.rpc_url)
    assert page.rpc_editor.add_from_field()
    page.rpc_editor.check(0)
    await _wait_for(lambda: anvil.rpc_url in page.rpc_editor.last_results)
    result = page.rpc_editor.rows[0].result
    assert "Chain id 31337" in result.text()
    assert "not on Sepolia (chain id 11155111)" in result.text()
    assert result.property("tone") == "warning"


@pytest.mark.asyncio(loop_scope="session")
async def test_a_node_that_does_not_answer_is_one_sentence() -> None:
    result = await check_rpc_url("http://127.0.0.1:9", "devnet")
    assert result.chain_id is None and result.error is not None
    assert "127.0.0.1:9" in result.error and "\n" not in result.error


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the node address."),
        ("ftp://node.example", "must start with http:// or https:// or ws:// or wss://"),
        ("node.example.com", "must start with http://"),
        ("https://", "must name a host"),
        ("https://node.example:99999", "port that is not a number"),
        ("https://node example.com", "must not contain spaces"),
        ("https://node.example/" + "ab" * 32, "shaped like a private key"),
    ],
)
def test_bad_node_addresses_are_refused_with_a_message(
    page: SettingsPage, url: str, message: str
) -> None:
    assert message in (rpc_url_problem(url) or "")
    page.rpc_editor.new_url.setText(url)
    assert not page.rpc_editor.add_from_field()
    assert message in page.rpc_editor.error.text()
    assert page.rpc_editor.urls == []


def test_secrets_in_addresses_are_masked(page: SettingsPage) -> None:
    url = "https://alice:hunter22@eth-mainnet.g.alchemy.com/v2/Ab12Cd34Ef56Gh78Ij90?apikey=s3cr3tv4lue"
    shown = masked_url(url)
    assert shown == "https://•••@eth-mainnet.g.alchemy.com/v2/Ab12…?apikey=s3cr…"
    page.select_network("mainnet")
    page.rpc_editor.new_url.setText(url)
    assert page.rpc_editor.add_from_field()
    assert page.rpc_editor.rows[0].address.text() == shown
    assert "hunter22" not in page.rpc_editor.rows[0].address.text()


def test_mainnet_says_the_factory_is_not_yet_published(page: SettingsPage) -> None:
    page.select_network("mainnet")
    assert "not yet published the vault factory" in page.network_note.text()
    assert page.network_note.property("tone") == "warning"


def test_urls_reorder_remove_save_and_reload(page: SettingsPage, tmp_path: Path) -> None:
    page.select_network("sepolia")
    for url in ("https://a.example/rpc", "wss://b.example/ws", "http://127.0.0.1:8545"):
        page.rpc_editor.new_url.setText(url)
        assert page.rpc_editor.add_from_field()
    page.rpc_editor.rows[2].up.click()  # the local node before the websocket one
    page.rpc_editor.rows[0].remove.click()
    assert not page.rpc_editor.rows[0].up.isEnabled()
    assert not page.rpc_editor.rows[-1].down.isEnabled()
    page.numerai_field.setText("http://127.0.0.1:5000/graphql")
    saved: list[Settings] = []
    page.settings_saved.connect(saved.append)
    assert page.save() is not None
    assert "Saved" in page.save_status.text()
    again = load_settings(tmp_path)
    assert again.network == "sepolia"
    assert again.rpc_urls_for("sepolia") == ["http://127.0.0.1:8545", "wss://b.example/ws"]
    assert again.rpc_urls_for("mainnet") == []
    assert again.numerai_api_url == "http://127.0.0.1:5000/graphql"
    assert saved and saved[0] is page.settings  # the shell's own object was updated


def test_invalid_fields_are_not_saved(page: SettingsPage, tmp_path: Path) -> None:
    page.numerai_field.setText("api-tournament.numer.ai")
    page.rpc_editor.new_url.setText("https://typed-but-not-added.example")
    assert page.save() is None
    assert not (tmp_path / "settings.json").exists()
    assert "must start with http:// or https://" in page.numerai_error.text()
    assert page.numerai_error.isVisibleTo(page)
    assert "not added yet" in page.save_status.text()
    assert page.save_status.property("tone") == "danger"


def test_data_folder_rule_is_explained(page: SettingsPage, tmp_path: Path) -> None:
    page.show_paths(tmp_path, tmp_path / "logs" / "numerbay-desktop.log")
    assert page.data_dir_value.text() == str(tmp_path)
    rule = page.data_rule.text()
    assert rule.index("--data-dir") < rule.index("NUMERBAY_DATA_DIR") < rule.index("standard")
    assert page.log_file_value.text().endswith("numerbay-desktop.log")
    assert not page.devnet_card.isVisibleTo(page)  # no devnet running
