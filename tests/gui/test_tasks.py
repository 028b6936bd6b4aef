"""BackgroundOp: results, the one failure path, delayed progress, strong references."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QWidget

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.ui.errors_dialog import UNEXPECTED, ErrorReporter
from numerbay_desktop.ui.main_window import MainWindow
from numerbay_desktop.ui.tasks import PROGRESS_DELAY_S, BackgroundOp, running_tasks

# One qasync loop for the session, as in the app (one loop per process).
pytestmark = pytest.mark.asyncio(loop_scope="session")
SECRET_KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


async def until(condition, within: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_coroutine_success(main_window: MainWindow) -> None:
    results: list[int] = []

    async def fetch() -> int:
        await asyncio.sleep(0.01)
        return 42

    task = BackgroundOp(main_window, fetch).success(results.append).run()
    assert task in running_tasks()
    await task
    assert results == [42]
    assert task not in running_tasks()


async def test_plain_function_runs_in_a_worker_thread(main_window: MainWindow) -> None:
    threads: list[int] = []
    results: list[str] = []

    def blocking() -> str:
        threads.append(threading.get_ident())
        return "done"

    await BackgroundOp(main_window, blocking).success(results.append).run()
    assert results == ["done"]
    assert threads and threads[0] != threading.get_ident()


async def test_expected_failure_goes_to_the_one_dialog(
    main_window: MainWindow, reporter: ErrorReporter
) -> None:
    async def bad() -> None:
        raise InvalidInput("That address has a typo; check its last characters.")

    await BackgroundOp(main_window, bad).run()
    assert list(reporter.reported) == ["That address has a typo; check its last characters."]
    assert reporter.dialog is not None and reporter.dialog.isVisible()
    assert reporter.dialog.text() == "That address has a typo; check its last characters."

    # A second failure while the dialog is open is counted, not stacked.
    await BackgroundOp(main_window, bad).run()
    assert "1 more problem" in reporter.dialog.informativeText()


async def test_unexpected_failure_is_generic_and_secret_free(
    main_window: MainWindow, reporter: ErrorReporter, caplog: pytest.LogCaptureFixture
) -> None:
    def crash() -> None:
        raise RuntimeError(f"decoder blew up on {SECRET_KEY}")

    await BackgroundOp(main_window, crash).with_progress("Decoding").run()
    assert list(reporter.reported) == [UNEXPECTED]
    assert reporter.dialog is not None
    shown = reporter.dialog.text() + reporter.dialog.informativeText()
    assert SECRET_KEY[2:] not in shown and shown.startswith("Something unexpected")
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors and (errors[0].exc_info or errors[0].exc_text)  # the traceback is logged


async def test_failure_callback_replaces_the_dialog_but_is_still_logged(
    main_window: MainWindow, reporter: ErrorReporter
) -> None:
    errors: list[BaseException] = []

    async def bad() -> None:
        raise InvalidInput("The amount must be positive.")

    await BackgroundOp(main_window, bad).failure(errors.append).run()
    assert [str(e) for e in errors] == ["The amount must be positive."]
    assert list(reporter.reported) == ["The amount must be positive."]
    assert reporter.dialog is None


async def test_success_callback_error_is_reported(
    main_window: MainWindow, reporter: ErrorReporter
) -> None:
    def explode(_value: int) -> None:
        raise InvalidInput("Could not show the result.")

    async def fine() -> int:
        return 1

    await BackgroundOp(main_window, fine).success(explode).run()
    assert list(reporter.reported) == ["Could not show the result."]


async def test_progress_only_after_300_ms(main_window: MainWindow) -> None:
    status = main_window.status

    async def quick() -> None:
        await asyncio.sleep(0.05)

    op = BackgroundOp(main_window, quick).with_progress("Quick")
    await op.run()
    assert not op.progress_shown and status.busy_text() == ""

    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    op = BackgroundOp(main_window, slow).with_progress("Loading vaults…")
    task = op.run()
    await asyncio.sleep(PROGRESS_DELAY_S * 0.5)
    assert status.busy_text() == "" and not op.progress_shown
    await until(lambda: status.busy_text() == "Loading vaults…")
    assert op.progress_shown
    release.set()
    await task
    assert status.busy_text() == ""


async def test_progress_dialog_without_a_busy_host(qapp: QApplication) -> None:
    from PySide6.QtWidgets import QProgressDialog

    parent = QWidget()
    parent.show()
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    task = BackgroundOp(parent, slow).with_progress("Signing…").run()
    await until(lambda: any(d.isVisible() for d in parent.findChildren(QProgressDialog)))
    dialog = parent.findChildren(QProgressDialog)[0]
    assert dialog.labelText() == "Signing…"
    release.set()
    await task
    await asyncio.sleep(0)
    assert not any(d.isVisible() for d in parent.findChildren(QProgressDialog))
    parent.deleteLater()


async def test_strong_reference_keeps_an_unreferenced_task_alive(main_window: MainWindow) -> None:
    # A task waiting on a future nobody else holds is garbage to asyncio (the loop keeps only
    # weak references); only the helper's own reference keeps it alive.
    started = asyncio.Event()

    async def wait_on_private_future() -> None:
        started.set()
        await asyncio.get_running_loop().create_future()

    BackgroundOp(main_window, wait_on_private_future).run()  # nobody here keeps the task
    await started.wait()
    task_ref = weakref.ref(next(iter(running_tasks())))
    gc.collect()
    task = task_ref()
    assert task is not None and not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task not in running_tasks()


async def test_no_callbacks_after_the_parent_is_gone(reporter: ErrorReporter) -> None:
    parent = QWidget()
    results: list[int] = []

    async def work() -> int:
        await asyncio.sleep(0.05)
        return 7

    task = BackgroundOp(parent, work).success(results.append).run()
    shiboken6.delete(parent)
    await task
    assert results == []


async def test_cancelled_op_calls_nothing(main_window: MainWindow, reporter: ErrorReporter) -> None:
    results: list[int] = []

    async def forever() -> int:
        await asyncio.sleep(60)
        return 1

    task = BackgroundOp(main_window, forever).success(results.append).run()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert results == [] and list(reporter.reported) == []


def test_cyclic_garbage_is_collected_from_the_event_loop_only() -> None:
    """SafePointCollector (as the app runs it): no automatic collection, one when due."""
    import gc

    from numerbay_desktop.ui.pyside_workarounds import SafePointCollector

    assert not gc.isenabled()  # the session's collector, as in the app
    collector = SafePointCollector(interval_ms=60_000)
    try:
        for _ in range(gc.get_threshold()[0] + 10):
            cycle: list[object] = []
            cycle.append(cycle)
        assert gc.get_count()[0] > gc.get_threshold()[0]  # nothing collected on its own
        collector.collect_due()
        assert gc.get_count()[0] < gc.get_threshold()[0]
    finally:
        collector.timer.stop()
