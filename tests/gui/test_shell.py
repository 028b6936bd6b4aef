"""The app shell's parts after the first paint: status polling against a real node, the devnet
child's failures, the failure hooks, and settings (theme, offline) flowing into the window."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.store.settings import Settings, load_settings, save_settings
from numerbay_desktop.ui import devnet_child, shell
from numerbay_desktop.ui.devnet_child import DevnetChild, DevnetStartError, parse_devnet_line
from numerbay_desktop.ui.errors_dialog import UNEXPECTED, ErrorReporter
from numerbay_desktop.ui.main_window import MainWindow
from numerbay_desktop.ui.shell import AppShell
from numerbay_desktop.ui.status_poller import StatusPoller
from numerbay_desktop.ui.theme import apply_theme, current_palette


async def until(condition, within: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio(loop_scope="session")
async def test_status_poller_reads_a_real_node(main_window: MainWindow, anvil) -> None:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    poller = StatusPoller(
        main_window.status, anvil.rpc_url, None, block_interval=0.2, on_chain_id=seen.append
    )
    poller.start()
    try:
        await until(lambda: poller.block is not None)
        anvil.rpc("evm_mine")
        before = poller.block
        await until(lambda: poller.block is not None and poller.block > before)
    finally:
        await poller.stop()
    assert seen == [31337]
    assert main_window.status.chain_label.text() == "Chain id 31337"
    assert main_window.status.block_label.text() == f"Block {poller.block:,}"
    assert current_palette().success in main_window.status.network_label.text()


@pytest.mark.asyncio(loop_scope="session")
async def test_status_poller_shows_an_unreachable_node(main_window: MainWindow) -> None:
    poller = StatusPoller(
        main_window.status, f"http://127.0.0.1:{closed_port()}", None, block_interval=0.2
    )
    poller.start()
    try:
        await until(lambda: "did not answer" in main_window.status.block_label.toolTip())
    finally:
        await poller.stop()
    assert main_window.status.block_label.text() == "Block —"
    assert current_palette().danger in main_window.status.network_label.text()


def test_devnet_line_is_checked() -> None:
    good = {"rpc_url": "http://127.0.0.1:8545", "chain_id": 31337, "accounts": []}
    assert parse_devnet_line(json.dumps(good))["chain_id"] == 31337
    with pytest.raises(DevnetStartError, match="something other than"):
        parse_devnet_line("Listening on 127.0.0.1:8545")
    with pytest.raises(DevnetStartError, match="no chain id"):
        parse_devnet_line(json.dumps({"rpc_url": "http://127.0.0.1:8545"}))
    with pytest.raises(DevnetStartError, match="this computer"):
        parse_devnet_line(json.dumps({**good, "rpc_url": "http://10.0.0.2:8545"}))


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "import sys; print(\"numerbay: error: argument COMMAND: invalid choice: 'devnet'"
            " (choose from 'accounts')\", file=sys.stderr); sys.exit(2)",
            "this build has no `numerbay devnet` command yet",
        ),
        (
            "import sys; print('numerbay: anvil was not found; run make setup.', "
            "file=sys.stderr); sys.exit(2)",
            "The devnet could not start: anvil was not found; run make setup.",
        ),
        ("print('hello')", "something other than its connection details"),
    ],
    ids=["no-command", "its-own-sentence", "garbage"],
)
async def test_devnet_child_failures_are_one_clear_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, expected: str
) -> None:
    monkeypatch.setattr(
        devnet_child, "devnet_command", lambda data_dir: (sys.executable, ["-c", script])
    )
    child = DevnetChild(tmp_path)
    with pytest.raises(DevnetStartError) as failure:
        await child.start(timeout=30)
    assert expected in str(failure.value)
    assert "\n" not in str(failure.value)
    child.stop()
    assert not child.running()


@pytest.mark.asyncio(loop_scope="session")
async def test_failure_hooks_route_to_the_reporter(
    reporter: ErrorReporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(threading, "excepthook", shell._thread_excepthook)
    try:
        raise InvalidInput("The RPC address must start with http.")
    except InvalidInput as error:
        shell._excepthook(type(error), error, error.__traceback__)
    loop = asyncio.get_running_loop()
    shell._loop_exception_handler(loop, {"message": "task failed", "exception": KeyError("x")})
    cancelled = {"message": "cancelled", "exception": asyncio.CancelledError()}
    shell._loop_exception_handler(loop, cancelled)

    def worker() -> None:
        raise InvalidInput("The keystore file is damaged.")

    thread = threading.Thread(target=worker, name="keystore")
    thread.start()
    thread.join()
    await until(lambda: len(reporter.reported) == 3)
    assert list(reporter.reported) == [
        "The RPC address must start with http.", UNEXPECTED, "The keystore file is damaged.",
    ]


@pytest.mark.asyncio(loop_scope="session")
async def test_shell_applies_saved_settings_offline(
    main_window: MainWindow, qapp: QApplication, isolated_data_dir: Path
) -> None:
    save_settings(isolated_data_dir, Settings(theme="dark", network="mainnet"))
    stray = isolated_data_dir / ".settings.json.k3x9q2zz.tmp"  # a write killed long ago
    stray.write_text("{half a fil")
    os.utime(stray, (time.time() - 3_600,) * 2)
    app_shell = AppShell(qapp, main_window, isolated_data_dir, offline=True, preload=False)
    try:
        assert await app_shell.start()
        await until(lambda: not stray.exists())  # swept in the background at start
        assert current_palette().name == "dark"
        assert main_window.settings_page.theme_buttons["dark"].isChecked()
        status = main_window.status
        assert not status.offline_label.isHidden()
        assert status.numerai_label.text() == "Numerai API: off (offline mode)"
        assert "Ethereum mainnet" in status.network_label.text()
        assert app_shell.poller is None and app_shell.devnet is None
        assert main_window.banner.isHidden()

        main_window.settings_page.theme_buttons["light"].click()  # saved in the background
        await until(lambda: load_settings(isolated_data_dir).theme == "light")
        assert current_palette().name == "light"
    finally:
        await app_shell.shutdown()
        apply_theme(qapp, "light")
    saved = load_settings(isolated_data_dir)
    assert saved.network == "mainnet" and saved.window.width == main_window.width()


@pytest.mark.asyncio(loop_scope="session")
async def test_closing_the_window_quits_the_shell(
    main_window: MainWindow, qapp: QApplication, isolated_data_dir: Path
) -> None:
    import signal

    before = signal.getsignal(signal.SIGTERM)
    app_shell = AppShell(qapp, main_window, isolated_data_dir, offline=True, preload=False)
    running = asyncio.ensure_future(app_shell.run())
    await until(lambda: app_shell.log_file is not None)
    assert signal.getsignal(signal.SIGTERM) is not before  # SIGTERM quits cleanly too
    main_window.close()
    assert await asyncio.wait_for(running, 10) == 0
    assert signal.getsignal(signal.SIGTERM) is before
    assert "stopped" in (isolated_data_dir / "logs" / "numerbay-desktop.log").read_text()


def test_marketplace_adapts_to_a_connection(main_window: MainWindow, qapp: QApplication) -> None:
    page = main_window.page("marketplace")
    main_window.set_network("devnet", 31337, "http://127.0.0.1:8545")
    assert "No vaults on this network yet" in page.empty_text()
    assert page.empty_state is not None and page.empty_state.action is not None
    page.empty_state.action.click()
    assert main_window.current_page_key() == "accounts"
    assert "chain id 31337" in main_window.settings_page.network_value.text()
    main_window.set_network("devnet", None)
    assert "Connect to a network" in page.empty_text()
