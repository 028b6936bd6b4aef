"""Everything the app does after the first paint: the qasync loop, settings, the log file, the
failure hooks, the devnet child, the status bar's polling, and a clean shutdown.

`run_shell(...)` is called by app.py once the window is on screen and returns the exit code.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.store.logfiles import install_file_logging, remove_file_logging
from numerbay_desktop.store.settings import Settings, load_settings, save_settings
from numerbay_desktop.ui.app_context import AppContext
from numerbay_desktop.ui.context_wiring import connect_network, make_context
from numerbay_desktop.ui.devnet_child import DevnetChild, DevnetStartError
from numerbay_desktop.ui.errors_dialog import error_reporter, report_failure
from numerbay_desktop.ui.main_window import MainWindow
from numerbay_desktop.ui.status_poller import StatusPoller
from numerbay_desktop.ui.tasks import BackgroundOp, cancel_all, keep
from numerbay_desktop.ui.theme import apply_theme

log = logging.getLogger(__name__)

# Loaded in a worker thread right after the first paint, so the pages that need them are quick.
PRELOAD_MODULES = ("web3", "numerapi")
# Qt modules must be imported on the GUI thread (pyqtgraph touches Qt at import): after those.
PRELOAD_ON_GUI_THREAD = ("pyqtgraph",)
# Keys the devnet's JSON may use for the local Numerai's GraphQL URL.
NUMERAI_URL_KEYS = ("numerai_url", "numerai_api_url", "graphql_url")


def _preload(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as error:
            log.warning("could not preload %s: %s", name, error)


class AppShell:
    """Wires the window to settings, logs, failure reporting, the devnet and the status bar."""

    def __init__(
        self,
        app: QApplication,
        window: MainWindow,
        data_dir: Path,
        devnet: bool = False,
        offline: bool = False,
        smoke: bool = False,
        preload: bool = True,
    ) -> None:
        self.app = app
        self.window = window
        self.data_dir = data_dir
        self.use_devnet = devnet
        self.offline = offline
        self.smoke = smoke
        self.preload = preload and not smoke  # --smoke checks startup, not later pages' imports
        self.settings = Settings()
        self.devnet: DevnetChild | None = None
        self.devnet_info: dict[str, Any] | None = None  # holds demo keys: never log it
        self.poller: StatusPoller | None = None
        self.log_file: Path | None = None
        self._quit: asyncio.Future[int] | None = None
        self._signal_timer: QTimer | None = None
        self._previous_hooks: tuple[Any, Any] | None = None
        self._preload_task: asyncio.Task[None] | None = None
        self._previous_signals: dict[int, Any] = {}
        self.context: AppContext | None = None

    # -- lifecycle --------------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._quit = loop.create_future()
        self.window.closing.connect(lambda: self.request_quit(0))
        self._install_signal_handlers()
        try:
            # Closing the window (or SIGTERM) during a slow startup (the devnet) ends it at once.
            starting = keep(loop.create_task(self.start()))
            either: set[asyncio.Future[Any]] = {starting, self._quit}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not starting.done():
                starting.cancel()
                await asyncio.gather(starting, return_exceptions=True)
                return await self._quit
            try:
                started = starting.result()
            except Exception as error:  # a bug in startup: say so, keep the window usable
                report_failure(error, context="startup", show_dialog=not self.smoke)
                started = False
            if self.smoke:
                return 0 if started else 1
            return await self._quit
        finally:
            await self.shutdown()

    def request_quit(self, code: int = 0) -> None:
        if self._quit is not None and not self._quit.done():
            self._quit.set_result(code)

    async def start(self) -> bool:
        """Load everything after the paint; False when a required part failed (it is reported)."""
        self.window.build_all_pages()
        self.settings = load_settings(self.data_dir)
        self.log_file = install_file_logging(self.data_dir)
        reporter = error_reporter()
        reporter.log_file = self.log_file
        self._install_failure_hooks()
        log.info("started (devnet=%s, offline=%s)", self.use_devnet, self.offline)
        threading.Thread(target=_sweep_temps, args=(self.data_dir,), name="sweep-temps",
                         daemon=True).start()

        if self.settings.theme != _current_theme_name():
            self.set_theme(self.settings.theme, save=False)
        self.window.theme_selected.connect(self.set_theme)
        self.window.settings_page.show_paths(self.data_dir, self.log_file)
        self.window.settings_page.show_numerai_url(self.settings.numerai_api_url)

        if self.preload:
            self._start_preload()
        if not (self.settings.first_run_done or self.smoke or self.use_devnet or self.offline):
            from numerbay_desktop.ui.welcome import run_welcome  # first run: choose a network

            if await run_welcome(self.window, self.data_dir) is not None:
                self.settings = load_settings(self.data_dir)
                self.use_devnet = self.settings.network == "devnet"
        self.window.settings_page.bind_settings(self.data_dir, self.settings)
        self.context = make_context(self.window, self.data_dir, offline=self.offline)
        return await self._connect()

    def _start_preload(self) -> None:
        # A daemon thread, not the loop's executor: quitting must not wait for an import.
        thread = threading.Thread(
            target=_preload, args=(PRELOAD_MODULES,), name="preload", daemon=True
        )
        thread.start()
        self._preload_task = keep(asyncio.ensure_future(self._preload_on_gui_thread(thread)))

    async def _preload_on_gui_thread(self, thread: threading.Thread) -> None:
        # Polled, not signalled: a thread that outlives the loop must not call into it.
        while thread.is_alive():  # noqa: ASYNC110
            await asyncio.sleep(0.25)
        await asyncio.sleep(0.5)  # let the window breathe between the two
        _preload(PRELOAD_ON_GUI_THREAD)

    async def _connect(self) -> bool:
        status = self.window.status
        status.show_offline(self.offline)
        if self.offline:
            status.show_network(self.settings.network, None)
            status.show_numerai("off (offline mode)")
            self.window.set_devnet_banner(self.settings.network == "devnet")
            return True
        if self.use_devnet:
            return await self._start_devnet()
        network = self.settings.network
        rpc_urls = self.settings.rpc_urls_for()
        self.window.set_network(network, None, rpc_urls[0] if rpc_urls else None)
        self.window.set_devnet_banner(network == "devnet")
        if not rpc_urls:
            status.show_block(None, problem="No node address is set for this network.")
        rpc_url = rpc_urls[0] if rpc_urls else None
        if rpc_urls:
            await self._connect_context(network, rpc_urls, self.settings.numerai_api_url)
        self._start_poller(
            rpc_url,
            self.settings.numerai_api_url,
            on_chain_id=lambda chain_id: self.window.set_network(network, chain_id, rpc_url),
        )
        return True

    async def _start_devnet(self) -> bool:
        status = self.window.status
        self.window.set_devnet_banner(True)
        status.show_network("devnet", None)
        status.show_numerai("waiting for the devnet")
        self.devnet = DevnetChild(self.data_dir)
        self.devnet.failed.connect(self._devnet_failed_later)
        try:
            with_progress = self.window.begin_busy(
                "Starting the devnet sandbox (its first start builds the demo world)…"
            )
            try:
                info = await self.devnet.start()
            finally:
                with_progress()
        except DevnetStartError as error:
            status.show_block(None, problem=str(error))
            report_failure(error, context="devnet", show_dialog=not self.smoke)
            return False
        self.devnet_info = info
        self.window.settings_page.set_devnet_info(info)
        rpc_url, chain_id = info["rpc_url"], info["chain_id"]
        log.info("devnet ready at %s (chain id %s)", rpc_url, chain_id)
        if self.smoke and sys.stdout is not None:  # lets tests check it is gone afterwards
            print(f"numerbay-desktop: devnet at {rpc_url}", flush=True)
        self.window.set_network("devnet", chain_id, rpc_url)
        numerai_url = next(
            (info[key] for key in NUMERAI_URL_KEYS if isinstance(info.get(key), str)), None
        )
        if numerai_url is None:
            status.show_numerai("not part of this devnet yet")
        else:
            self.window.settings_page.show_numerai_url(f"{numerai_url}  (the devnet's own)")
        if self.context is not None:
            from numerbay_desktop.chain.networks import devnet_from_world

            await connect_network(self.window, self.context, devnet_from_world(info),
                                  numerai_url=numerai_url, devnet_info=info)
        self._start_poller(rpc_url, numerai_url)
        return True

    async def _connect_context(self, key: str, rpc_urls: list[str], numerai_url: str) -> None:
        """Mainnet, Sepolia or a custom network: the shared services, once its node is known."""
        if self.context is None:
            return
        from numerbay_desktop.chain.networks import network_by_key

        try:
            network = network_by_key(key).with_rpc_urls(*rpc_urls)
            await connect_network(self.window, self.context, network, numerai_url=numerai_url)
        except NumerbayError as error:
            log.warning("not connected to %s: %s", key, error)
            self.window.status.show_block(None, problem=str(error))

    def _devnet_failed_later(self, message: str) -> None:
        if self.devnet_info is not None:  # failures before "ready" are reported by the start
            self.window.status.show_block(None, problem=message)
            report_failure(DevnetStartError(message), context="devnet")

    def _start_poller(
        self,
        rpc_url: str | None,
        numerai_url: str | None,
        on_chain_id: Callable[[int], None] | None = None,
    ) -> None:
        if numerai_url:
            self.window.status.show_numerai("checking")
        if rpc_url or numerai_url:
            self.poller = StatusPoller(
                self.window.status, rpc_url, numerai_url, on_chain_id=on_chain_id
            )
            self.poller.start()

    async def shutdown(self) -> None:
        """Save the window's place, stop polling and background tasks, stop the devnet."""
        self._save_window_geometry()
        self.window.hide()
        if self.poller is not None:
            await self.poller.stop()
        await cancel_all()
        if self.context is not None:
            await self.context.close()
            self.context.shutdown()
        if self.devnet is not None:
            self.devnet.stop()
        self._restore_failure_hooks()
        if self._signal_timer is not None:
            self._signal_timer.stop()
        for signum, handler in self._previous_signals.items():
            signal.signal(signum, handler)
        self._previous_signals.clear()
        log.info("stopped")
        if self.log_file is not None:
            remove_file_logging(self.data_dir)

    # -- settings ---------------------------------------------------------------------------
    def set_theme(self, name: str, save: bool = True) -> None:
        apply_theme(self.app, name)
        self.window.refresh_theme()
        if save and name != self.settings.theme:
            self.settings.theme = name  # type: ignore[assignment]
            self._save_settings()

    def _save_settings(self) -> None:
        snapshot = self.settings.model_copy(deep=True)
        BackgroundOp(self.window, lambda: save_settings(self.data_dir, snapshot)).with_progress(
            "Saving settings…"
        ).run()

    def _save_window_geometry(self) -> None:
        if self.window.isHidden() and not self.window.painted:
            return
        geometry = self.window.normalGeometry()
        window = self.settings.window
        try:
            window.maximized = self.window.isMaximized()
            window.x, window.y = geometry.x(), geometry.y()
            window.width, window.height = max(geometry.width(), 320), max(geometry.height(), 240)
            save_settings(self.data_dir, self.settings)
        except (ValueError, OSError) as error:
            log.warning("could not save the window position: %s", error)

    # -- failure hooks and signals ----------------------------------------------------------
    def _install_failure_hooks(self) -> None:
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = _excepthook
        threading.excepthook = _thread_excepthook
        asyncio.get_running_loop().set_exception_handler(_loop_exception_handler)

    def _restore_failure_hooks(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()

        def on_signal(signum: int, _frame: object) -> None:
            loop.call_soon_threadsafe(self.request_quit, 128 + signum)

        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_signals[signum] = signal.signal(signum, on_signal)
        # Python runs signal handlers only when it gets control: wake it up a few times a second.
        self._signal_timer = QTimer()
        self._signal_timer.timeout.connect(lambda: None)
        self._signal_timer.start(250)


def _sweep_temps(data_dir: Path) -> None:
    """Temp files of writes killed mid-way (power cut, kill -9): never read, so just remove."""
    from numerbay_desktop.store.atomic import sweep_stray_temps

    removed = sweep_stray_temps(data_dir)
    if removed:
        log.info("removed %d temp file(s) of interrupted writes", len(removed))


def _current_theme_name() -> str:
    from numerbay_desktop.ui.theme import current_palette

    return current_palette().name


def _excepthook(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    if error.__traceback__ is None:
        error = error.with_traceback(traceback)
    report_failure(error, context="unhandled error")


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "worker"
    report_failure(args.exc_value, context=f"thread {name}")


def _loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    error = context.get("exception")
    if isinstance(error, asyncio.CancelledError):
        return
    if isinstance(error, BaseException):
        report_failure(error, context=str(context.get("message") or "background task"))
    else:
        log.warning("event loop: %s", context.get("message", "unknown problem"))


def _cancel_leftover_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """As asyncio.run does: cancel tasks nobody kept (a library's helper, a page's read) so
    none is destroyed while pending when the loop closes; a stubborn one gets 3 seconds."""
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.wait(tasks, timeout=3.0))


def run_shell(
    app: QApplication,
    window: MainWindow,
    data_dir: Path,
    devnet: bool = False,
    offline: bool = False,
    smoke: bool = False,
) -> int:
    """Start the qasync loop, run the shell until the user quits, and return the exit code."""
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    shell = AppShell(app, window, data_dir, devnet=devnet, offline=offline, smoke=smoke)
    try:
        with loop:
            code = int(loop.run_until_complete(shell.run()))
            _cancel_leftover_tasks(loop)
            return code
    except NumerbayError as error:
        print(f"numerbay-desktop: {error}", file=sys.stderr)
        return 2
