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

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "artifacts" / "tour"
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from numerbay_desktop.ui.main_window import PAGE_KEYS, MainWindow  # noqa: E402
from numerbay_desktop.ui.theme import apply_theme  # noqa: E402


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
    stops = [s for s in STOPS if not selected or any(n in s.name for n in selected)]
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
    loop = qasync.QEventLoop(app)
    with loop:
        return loop.run_until_complete(run(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
