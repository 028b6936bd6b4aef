"""`make tour`: build the app's window and save a PNG of every page to tests/artifacts/tour/.

Each stop is a name (it becomes the file name) and a `prepare` function that puts the window
in the state to photograph; `prepare` may be a coroutine function (it runs on the qasync loop,
so a stop can start the devnet, load data or open a dialog). Later issues append their stops
to STOPS, for example:

    STOPS.append(Stop("model", prepare=open_model_page))          # async def open_model_page(tour)
    STOPS.append(Stop("review", prepare=open_review, target=lambda tour: tour.dialog))

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/tour.py [name ...]
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "artifacts" / "tour"
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from numerbay_desktop.ui.main_window import PAGE_KEYS, MainWindow  # noqa: E402
from numerbay_desktop.ui.pyside_workarounds import pin_none  # noqa: E402
from numerbay_desktop.ui.theme import apply_theme  # noqa: E402

pin_none()  # as the app does: PySide6 6.12 on Python 3.11 leaks None references


@dataclass
class Tour:
    """What a stop can reach: the app, the window, a private data folder, and shared state."""

    app: QApplication
    window: MainWindow
    data_dir: Path
    state: dict[str, object] = field(default_factory=dict)


Prepare = Callable[[Tour], None] | Callable[[Tour], Awaitable[None]]


@dataclass
class Stop:
    name: str
    prepare: Prepare
    # What to photograph (default: the main window), e.g. a dialog the stop opened.
    target: Callable[[Tour], QWidget] = lambda tour: tour.window
    # Clean-up after the photo (close the dialog the stop opened).
    after: Callable[[Tour], None] | None = None


def page_stop(key: str, theme: str = "light", suffix: str = "") -> Stop:
    def prepare(tour: Tour) -> None:
        apply_theme(tour.app, theme)
        tour.window.refresh_theme()
        tour.window.show_page(key)

    return Stop(f"{key}{suffix}", prepare)


async def on_devnet(tour: Tour) -> None:
    """Start the real devnet through the app shell, as `numerbay-desktop --devnet` does."""
    from numerbay_desktop.ui.shell import AppShell

    apply_theme(tour.app, "light")
    shell = AppShell(tour.app, tour.window, tour.data_dir, devnet=True)
    tour.state["shell"] = shell
    if not await shell.start():
        raise RuntimeError("the devnet did not start; see the log in " + str(tour.data_dir))
    deadline = asyncio.get_running_loop().time() + 30
    numerai = tour.window.status.numerai_label
    while (
        shell.poller is None or shell.poller.block is None or numerai.text().endswith("checking")
    ):
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the status bar never showed a block from the devnet")
        await asyncio.sleep(0.1)
    tour.window.show_page("marketplace")


def show_error(tour: Tour) -> None:
    """The one failure dialog, as a BackgroundOp failure or the excepthook would show it."""
    from numerbay_desktop.core.errors import InvalidInput
    from numerbay_desktop.ui.errors_dialog import error_reporter, report_failure

    apply_theme(tour.app, "light")
    tour.window.refresh_theme()
    tour.window.show_page("accounts")
    report_failure(
        InvalidInput("That recovery phrase has a word that is not on the list: check word 7."),
        parent=tour.window,
    )
    tour.state["dialog"] = error_reporter().dialog


def close_error(tour: Tour) -> None:
    dialog = tour.state.pop("dialog", None)
    if dialog is not None:
        dialog.done(0)  # type: ignore[attr-defined]


STOPS: list[Stop] = [page_stop(key) for key in PAGE_KEYS] + [
    Stop("error_dialog", show_error, target=lambda tour: tour.state["dialog"], after=close_error),
    page_stop("marketplace", theme="dark", suffix="_dark"),
    page_stop("settings", theme="dark", suffix="_dark"),
    Stop("marketplace_on_devnet", on_devnet),
    Stop("settings_on_devnet", lambda tour: tour.window.show_page("settings")),
]


# -- Accounts and the first-run welcome (issue 7). Only the demo phrase is ever photographed.
TOUR_DEMO_PHRASE = "test test test test test test test test test test test junk"


def _accounts_page(tour: Tour, theme: str = "light") -> object:
    from numerbay_desktop.wallet.accounts import AccountRegistry
    from numerbay_desktop.wallet.keystore import ScryptParams

    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    page = tour.window.page("accounts")
    if "registry" not in tour.state:
        registry = AccountRegistry(tour.data_dir, scrypt=ScryptParams(n=2**10, r=8, p=1))
        tour.state["registry"] = registry
        page.set_registry(registry)  # type: ignore[attr-defined]
    tour.window.show_page("accounts")
    return page


def accounts_list(tour: Tour) -> None:
    page = _accounts_page(tour)
    registry = tour.state["registry"]
    if not registry.accounts():  # type: ignore[attr-defined]
        registry.import_mnemonic("main", TOUR_DEMO_PHRASE, "demo password")  # type: ignore[attr-defined]
        registry.set_label("main", "Staking")  # type: ignore[attr-defined]
        registry.import_mnemonic("second", TOUR_DEMO_PHRASE, "demo password", index=1)  # type: ignore[attr-defined]
        registry.watch("cold", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",  # type: ignore[attr-defined]
                       label="Ledger in the safe")
        registry.add_contact("Vault alpha", "0x90F79bf6EB2c4f870365E785982E1f101E93b906",  # type: ignore[attr-defined]
                             note="model owner")
    page.reload()  # type: ignore[attr-defined]


def accounts_dark(tour: Tour) -> None:
    accounts_list(tour)
    _accounts_page(tour, "dark").reload()  # type: ignore[attr-defined]


def _open(tour: Tour, dialog: object) -> object:
    tour.state["dialog"] = dialog
    dialog.show()  # type: ignore[attr-defined]
    return dialog


def close_dialog(tour: Tour) -> None:
    dialog = tour.state.pop("dialog", None)
    if dialog is not None:
        dialog.done(0)  # type: ignore[attr-defined]
        dialog.deleteLater()  # type: ignore[attr-defined]


def accounts_create_details(tour: Tour) -> None:
    page = _accounts_page(tour)
    dialog = _open(tour, page.open_create())  # type: ignore[attr-defined]
    dialog.name_field.setText("staking-2")  # type: ignore[attr-defined]
    dialog.password_field.setText("river maple 7")  # type: ignore[attr-defined]


def _demo_create(tour: Tour, theme: str = "light") -> object:
    from numerbay_desktop.ui.account_create import CreateAccountDialog

    page = _accounts_page(tour, theme)
    dialog = CreateAccountDialog(page.registry, page, demo_phrase=TOUR_DEMO_PHRASE)  # type: ignore[attr-defined]
    _open(tour, dialog)
    dialog.name_field.setText("staking-2")
    dialog.password_field.setText("river maple 7 stone")
    dialog.again_field.setText("river maple 7 stone")
    dialog.next()
    return dialog


def accounts_create_phrase(tour: Tour) -> None:
    _demo_create(tour)


def accounts_create_check(tour: Tour) -> None:
    dialog = _demo_create(tour)
    dialog.written_box.setChecked(True)  # type: ignore[attr-defined]
    dialog.next()  # type: ignore[attr-defined]
    dialog.check_fields[0].setText("junk")  # type: ignore[attr-defined]
    dialog.check_fields[1].setText("test")  # type: ignore[attr-defined]
    dialog.next()  # type: ignore[attr-defined]


async def accounts_import(tour: Tour) -> None:
    page = _accounts_page(tour)
    dialog = _open(tour, page.open_import())  # type: ignore[attr-defined]
    dialog.name_field.setText("imported")  # type: ignore[attr-defined]
    dialog.phrase_field.setPlainText(TOUR_DEMO_PHRASE)  # type: ignore[attr-defined]
    dialog.show_addresses()  # type: ignore[attr-defined]
    for _ in range(200):
        if dialog.discovered:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.02)


def accounts_watch_error(tour: Tour) -> None:
    page = _accounts_page(tour)
    dialog = _open(tour, page.open_watch())  # type: ignore[attr-defined]
    dialog.name_field.setText("cold-2")  # type: ignore[attr-defined]
    dialog.address_field.setText("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266")  # type: ignore[attr-defined]
    dialog.submit()  # type: ignore[attr-defined]


def accounts_contact_lookalike(tour: Tour) -> None:
    accounts_list(tour)
    page = _accounts_page(tour)
    dialog = _open(tour, page.open_add_contact())  # type: ignore[attr-defined]
    dialog.name_field.setText("Vault alpha (new)")  # type: ignore[attr-defined]
    dialog.address_field.setText("0x90f7" + "1" * 32 + "b906")  # type: ignore[attr-defined]
    dialog.submit()  # type: ignore[attr-defined]


def welcome(tour: Tour, network: str = "devnet", theme: str = "light") -> None:
    from numerbay_desktop.ui.welcome import WelcomeDialog

    apply_theme(tour.app, theme)
    dialog = _open(tour, WelcomeDialog(tour.data_dir / "welcome-tour", tour.window))
    if network == "mainnet":
        dialog.radios["mainnet"].setChecked(True)  # type: ignore[attr-defined]
        dialog.url_fields["mainnet"].setText("eth.example.org")  # type: ignore[attr-defined]
        dialog.choose("create")  # type: ignore[attr-defined]


def _dialog(tour: Tour) -> QWidget:
    return tour.state["dialog"]  # type: ignore[return-value]


STOPS.extend([
    Stop("accounts_list", accounts_list),
    Stop("accounts_create_details", accounts_create_details, _dialog, close_dialog),
    Stop("accounts_create_phrase_demo", accounts_create_phrase, _dialog, close_dialog),
    Stop("accounts_create_check", accounts_create_check, _dialog, close_dialog),
    Stop("accounts_import_phrase", accounts_import, _dialog, close_dialog),
    Stop("accounts_watch_bad_checksum", accounts_watch_error, _dialog, close_dialog),
    Stop("accounts_contact_lookalike", accounts_contact_lookalike, _dialog, close_dialog),
    Stop("accounts_dark", accounts_dark),
    Stop("welcome", welcome, _dialog, close_dialog),
    Stop("welcome_mainnet_url", lambda tour: welcome(tour, "mainnet"), _dialog, close_dialog),
    Stop("accounts_create_phrase_demo_dark", lambda tour: _demo_create(tour, "dark") and None,
         _dialog, close_dialog),
    Stop("welcome_dark", lambda tour: welcome(tour, theme="dark"), _dialog, close_dialog),
])

# --- Settings and the devnet panel (issue 7): on the running devnet, through the app shell.
async def _settings_on_devnet(tour: Tour, theme: str = "light") -> Any:
    if "shell" not in tour.state:
        await on_devnet(tour)
    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    tour.window.show_page("settings")
    return tour.window.settings_page


async def settings_rpc_checked(tour: Tour, theme: str = "light") -> None:
    """Sepolia with the devnet's node (wrong chain) and a provider URL with a key (masked; no
    internet here, so its check fails in one sentence)."""
    page = await _settings_on_devnet(tour, theme)
    page.select_network("sepolia")
    shell: Any = tour.state["shell"]
    editor = page.rpc_editor
    editor.set_urls("sepolia", [])
    for url in (
        "https://tour:pass@sepolia.infura.io/v3/0d3f9a7c41b24e1f9b8e5c6a7d2e4f10",
        shell.devnet_info["rpc_url"],
    ):
        editor.new_url.setText(url)
        editor.add_from_field()
    editor.last_results.clear()
    for index in range(len(editor.urls)):
        editor.check(index)
    for _ in range(400):
        if len(editor.last_results) >= len(editor.urls):
            break
        await asyncio.sleep(0.05)
    page.scroller.ensureWidgetVisible(page.save_button, 0, 40)


async def settings_mainnet_invalid(tour: Tour) -> None:
    page = await _settings_on_devnet(tour)
    page.select_network("mainnet")
    page.numerai_field.setText("api-tournament.numer.ai")
    page.rpc_editor.new_url.setText("ftp://node.example")
    page.rpc_editor.add_from_field()
    page.save()
    page.scroller.ensureWidgetVisible(page.network_choice, 0, 10)


async def settings_data(tour: Tour) -> None:
    page = await _settings_on_devnet(tour)
    page.scroller.verticalScrollBar().setValue(page.scroller.verticalScrollBar().maximum())


async def devnet_panel_open(tour: Tour, theme: str = "light", phrase: bool = False) -> None:
    page = await _settings_on_devnet(tour, theme)
    panel: Any = page.open_devnet_panel()
    tour.state["panel"] = panel
    if phrase:
        if not panel.phrase.isVisible():
            panel.toggle_phrase()
        return
    panel.amount.setText("250.5")
    panel.mint()
    panel.steps.setValue(1)
    panel.advance()
    for _ in range(2400):
        if not panel.advancing and panel.mint_status.property("tone") in ("success", "danger"):
            break
        await asyncio.sleep(0.05)


def _close_panel(tour: Tour) -> None:
    panel: Any = tour.state.pop("panel", None)
    if panel is not None:
        panel.close()
    apply_theme(tour.app, "light")
    tour.window.refresh_theme()


STOPS += [
    Stop("settings_rpc_checked", settings_rpc_checked),
    Stop("settings_rpc_checked_dark", lambda tour: settings_rpc_checked(tour, "dark"),
         after=lambda tour: apply_theme(tour.app, "light")),
    Stop("settings_data_folder", settings_data),
    Stop("settings_mainnet_invalid", settings_mainnet_invalid),
    Stop("devnet_panel", devnet_panel_open, lambda tour: tour.state["panel"], _close_panel),
    Stop("devnet_panel_phrase_dark",
         lambda tour: devnet_panel_open(tour, "dark", phrase=True),
         lambda tour: tour.state["panel"], _close_panel),
]




# --- Offline signing (issue 7): the demo request of tests/gui/offline_demo.py, no chain needed.
def _offline_page(tour: Tour, theme: str = "light") -> Any:
    from tests.gui.offline_demo import configure, demo_request

    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    page = tour.window.page("offline_signing")
    configure(page, tour.data_dir)
    tour.window.show_page("offline_signing")
    if "offline_request" not in tour.state:
        tour.state["offline_request"] = demo_request(page)
    return page


def offline_prepare(tour: Tour) -> None:
    page = _offline_page(tour)
    page.show_request(tour.state["offline_request"])


def offline_sign(tour: Tour, theme: str = "light") -> None:
    from tests.gui.offline_demo import KEY

    page = _offline_page(tour, theme)
    page.load_offline_request(tour.state["offline_request"].to_json())
    page.sign_with_key(KEY)


def offline_tampered(tour: Tour) -> None:
    from tests.gui.offline_demo import lying_request

    page = _offline_page(tour)
    page.load_offline_request(lying_request(tour.state["offline_request"]).to_json())


def offline_broadcast(tour: Tour) -> None:
    from tests.gui.offline_demo import KEY

    page = _offline_page(tour)
    request = tour.state["offline_request"]
    page.load_offline_request(request.to_json())
    response = page.sign_with_key(KEY)
    page.show_request(request)
    page.response_import.import_text(response.to_json())


STOPS += [
    Stop("offline_signing_prepare", offline_prepare),
    Stop("offline_signing_sign_review", lambda tour: _offline_page(tour).load_offline_request(
        tour.state["offline_request"].to_json())),
    Stop("offline_signing_signed", offline_sign),
    Stop("offline_signing_tampered", offline_tampered),
    Stop("offline_signing_broadcast", offline_broadcast),
    Stop("offline_signing_signed_dark", lambda tour: offline_sign(tour, "dark"),
         after=lambda tour: apply_theme(tour.app, "light")),
]

# --- Marketplace with data (issue 8): the demo devnet world's vaults, painted then photographed.
async def marketplace_with_data(tour: Tour, theme: str = "light", models: bool = False) -> None:
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.chain.networks import devnet_from_world
    from numerbay_desktop.devnet.world import DevnetWorld, WorldConfig
    from numerbay_desktop.numerai.client import NumeraiClient
    from numerbay_desktop.services.marketplace import MarketplaceService
    from numerbay_desktop.store.cache import Cache

    apply_theme(tour.app, theme)
    tour.window.refresh_theme()
    page: Any = tour.window.page("marketplace")
    if "market_rows" not in tour.state:
        world = DevnetWorld.open(WorldConfig(), REPO / ".cache" / "devnet")
        try:
            world.start_numerai()
            info = world.describe()
            numerai = NumeraiClient(info["numerai_url"], timeout=20)
            async with ChainClient(devnet_from_world(info)) as client:
                page.set_services(MarketplaceService(
                    client, numerai, Cache(tour.data_dir / "market.sqlite3")))
                await page.opening
                for _ in range(600):
                    if page.applied:
                        break
                    await asyncio.sleep(0.05)
                await page.close_services()
            numerai.close()
        finally:
            world.stop()
        tour.state["market_rows"] = page.applied
    page.candidates_toggle.setChecked(True)
    page.models_toggle.setChecked(models)
    page.table.selectRow(1)
    tour.window.show_page("marketplace")


STOPS += [
    Stop("marketplace_data", marketplace_with_data),
    Stop("marketplace_data_dark", lambda tour: marketplace_with_data(tour, "dark", models=True),
         after=lambda tour: apply_theme(tour.app, "light")),
]


def extra_stops() -> list[Stop]:
    """Stops of later pages, one module each in tests/tour_stops/ (`STOPS = [...]`), in name
    order. They reach the devnet session through tests/tour_stops/devnet_session.py."""
    import importlib

    found: list[Stop] = []
    for path in sorted((REPO / "tests" / "tour_stops").glob("*.py")):
        if path.stem.startswith("_") or path.stem == "devnet_session":
            continue
        module = importlib.import_module(f"tests.tour_stops.{path.stem}")
        found.extend(getattr(module, "STOPS", []))
    return found


async def settle(app: QApplication, seconds: float = 0.05) -> None:
    """Let layouts, style polish and pending paints finish before a photo."""
    app.processEvents()
    await asyncio.sleep(seconds)
    app.processEvents()


async def take(tour: Tour, stop: Stop) -> Path:
    result = stop.prepare(tour)
    if inspect.isawaitable(result):
        await result
    await settle(tour.app)
    path = OUT / f"{stop.name}.png"
    if not stop.target(tour).grab().save(str(path)):
        raise RuntimeError(f"could not save {path}")
    if stop.after is not None:
        stop.after(tour)
    return path


async def run(selected: list[str]) -> int:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="numerbay-tour-"))
    # The devnet's demo world is built once per checkout (.cache/devnet); share it.
    shared_world = REPO / ".cache" / "devnet"
    shared_world.mkdir(parents=True, exist_ok=True)
    (data_dir / "devnet").mkdir()
    (data_dir / "devnet" / "cache").symlink_to(shared_world, target_is_directory=True)
    os.environ["NUMERBAY_DATA_DIR"] = str(data_dir)
    apply_theme(app, "light")
    window = MainWindow()
    window.build_all_pages()  # as the app shell does right after the first paint
    window.settings_page.show_paths(data_dir, data_dir / "logs" / "numerbay-desktop.log")
    window.settings_page.show_numerai_url("https://api-tournament.numer.ai")
    window.resize(1180, 760)
    window.show()
    tour = Tour(app=app, window=window, data_dir=data_dir)
    all_stops = STOPS + extra_stops()
    stops = [s for s in all_stops if not selected or any(n in s.name for n in selected)]
    try:
        for stop in stops:
            path = await take(tour, stop)
            print(f"saved {path.relative_to(REPO)}")
    finally:
        shell = tour.state.get("shell")
        if shell is not None:
            await shell.shutdown()  # type: ignore[attr-defined]
        window.close()
    return 0


def main() -> int:
    import qasync

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # as the app does: a closing dialog must not quit
    loop = qasync.QEventLoop(app)
    with loop:
        return loop.run_until_complete(run(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
