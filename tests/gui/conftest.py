"""GUI tests: offscreen Qt, and async tests on a qasync loop (pytest-asyncio 1.x loop factory hook).

Mark async tests `@pytest.mark.asyncio(loop_scope="session")`: the app runs one qasync loop per
process, and several qasync loops created and closed in one process can crash Qt. In async
tests, wait with `await asyncio.sleep(...)` (the qasync loop runs Qt's events), never
with `qtbot.waitUntil`, which would spin a nested event loop under the running one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator, Mapping

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from numerbay_desktop.ui.pyside_workarounds import pin_none

pin_none()  # as the app does: PySide6 6.12 on Python 3.11 leaks None references


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_at_safe_points() -> Iterator[None]:
    """As the app does (SafePointCollector): no cyclic collection inside a Qt paint."""
    import gc

    from PySide6.QtWidgets import QApplication as App

    App.instance() or App([])
    from numerbay_desktop.ui.pyside_workarounds import SafePointCollector

    collector = SafePointCollector()
    yield
    collector.timer.stop()
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_between_tests() -> Iterator[None]:
    import gc

    yield
    gc.collect()  # a safe point: between tests, outside any Qt event


def _qasync_loop() -> asyncio.AbstractEventLoop:
    import qasync

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # as in the app: closing a window never stops the loop
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every asyncio test under tests/gui runs on a qasync loop (Qt events and asyncio together)."""
    return {"qasync": _qasync_loop}


@pytest.fixture
def main_window(qapp: QApplication) -> Iterator[object]:
    """The main window as the app builds it (light theme, every page built), shown offscreen."""
    from numerbay_desktop.ui.main_window import MainWindow
    from numerbay_desktop.ui.theme import apply_theme

    qapp.setQuitOnLastWindowClosed(False)  # as in the app (app.py): the shell decides to quit
    apply_theme(qapp, "light")
    window = MainWindow()
    window.resize(1180, 760)
    window.show()
    window.build_all_pages()
    yield window
    window.close()
    window.deleteLater()
    qapp.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # do not let windows pile up


@pytest.fixture
def reporter() -> Iterator[object]:
    """The app's one failure reporter, with its record cleared and any dialog closed after."""
    from numerbay_desktop.ui.errors_dialog import error_reporter

    instance = error_reporter()
    instance.reported.clear()
    yield instance
    if instance.dialog is not None:
        instance.dialog.done(0)
    instance.reported.clear()


from tests.gui.context_fixtures import devnet_ctx  # noqa: E402, F401 - shared devnet AppContext
