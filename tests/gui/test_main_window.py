"""The main window: every page opens, says what it will hold, navigates, and is photographed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from numerbay_desktop.ui.main_window import PAGE_KEYS, PAGES, MainWindow, page_class
from numerbay_desktop.ui.theme import apply_theme, current_palette

# A phrase each page's empty state must say (what will be there / what to do first).
EXPECTED = {
    "marketplace": ("No vaults to show yet", "Connect to a network"),
    "portfolio": ("You have no stakes yet", "Pick a model in the Marketplace"),
    "my_vaults": ("You don't run a vault yet", "Add the Ethereum account that owns your model"),
    "accounts": ("No accounts yet", "Create a new account"),
    "offline_signing": ("Nothing to sign", "watch-only"),
    "settings": ("Choosing Ethereum mainnet", "make demo"),
}


def test_navigation_lists_every_page_once() -> None:
    assert set(PAGE_KEYS) == set(EXPECTED)
    assert set(PAGES) - set(PAGE_KEYS) == {"model"}  # opened from a vault, not the navigation
    assert len(PAGE_KEYS) == len(set(PAGE_KEYS))
    for key in PAGE_KEYS:
        assert PAGES[key][0] == page_class(key).TITLE


def test_every_page_opens_with_its_empty_state(
    main_window: MainWindow, qapp: QApplication, artifacts_dir: Path
) -> None:
    out = artifacts_dir / "gui"
    out.mkdir(exist_ok=True)
    for key in PAGE_KEYS:
        main_window.nav_buttons[key].click()
        qapp.processEvents()
        assert main_window.current_page_key() == key
        assert main_window.nav_buttons[key].isChecked()
        page = main_window.page(key)
        assert page.isVisible()
        text = page.empty_text()
        for phrase in EXPECTED[key]:
            assert phrase in text, f"{key}: {phrase!r} missing from {text!r}"
        visible_labels = [lab.text() for lab in page.findChildren(QLabel) if lab.isVisible()]
        assert any(EXPECTED[key][0] in label for label in visible_labels), key
        assert main_window.windowTitle().startswith(page.TITLE)
        image = main_window.grab()
        assert image.width() >= 900 and not image.isNull()
        path = out / f"page_{key}.png"
        assert image.save(str(path))
        assert path.stat().st_size > 10_000  # a real picture, not a blank
    # Only one nav button is checked at a time.
    assert sum(b.isChecked() for b in main_window.nav_buttons.values()) == 1


@pytest.mark.parametrize(
    ("start", "target"),
    [("marketplace", "settings"), ("portfolio", "marketplace"), ("my_vaults", "accounts"),
     ("offline_signing", "accounts")],
)
def test_empty_state_buttons_navigate(
    main_window: MainWindow, qapp: QApplication, start: str, target: str
) -> None:
    main_window.show_page(start)
    empty = main_window.page(start).empty_state
    assert empty is not None and empty.action is not None
    assert empty.action.cursor().shape() == Qt.CursorShape.PointingHandCursor
    empty.action.click()
    qapp.processEvents()
    assert main_window.current_page_key() == target


def test_unknown_page_is_refused(main_window: MainWindow) -> None:
    with pytest.raises(KeyError, match="no page 'wallet'"):
        main_window.show_page("wallet")


def test_devnet_banner_and_status_bar(main_window: MainWindow, qapp: QApplication) -> None:
    assert main_window.banner.isHidden()
    main_window.set_devnet_banner(True)
    qapp.processEvents()
    assert main_window.banner.isVisible()
    assert "play money" in main_window.banner.text()

    status = main_window.status
    status.show_network("devnet", 31337)
    status.show_block(1234567)
    status.show_numerai("online")
    assert status.chain_label.text() == "Chain id 31337"
    assert status.block_label.text() == "Block 1,234,567"
    assert "Devnet sandbox" in status.network_label.text()
    assert current_palette().success in status.network_label.text()  # connected: green dot
    status.show_block(None, problem="The node did not answer (ClientConnectorError).")
    assert status.block_label.text() == "Block —"
    assert current_palette().danger in status.network_label.text()
    assert status.numerai_label.text() == "Numerai API: online"
    assert status.offline_label.isHidden()
    status.show_offline(True)
    assert not status.offline_label.isHidden()


def test_busy_indicator_stacks(main_window: MainWindow) -> None:
    status = main_window.status
    first = main_window.begin_busy("Loading vaults…")
    second = main_window.begin_busy("Checking the node…")
    assert status.busy_text() == "Checking the node… (+1 more)"
    second()
    second()  # finishing twice is harmless
    assert status.busy_text() == "Loading vaults…"
    first()
    assert status.busy_text() == ""


def test_theme_switch_from_settings_page(
    main_window: MainWindow, qapp: QApplication, artifacts_dir: Path
) -> None:
    chosen: list[str] = []
    main_window.theme_selected.connect(chosen.append)
    main_window.show_page("settings")
    main_window.settings_page.theme_buttons["dark"].click()
    assert chosen == ["dark"]
    # The shell applies it; do the same here and check the window follows.
    apply_theme(qapp, "dark")
    main_window.refresh_theme()
    qapp.processEvents()
    assert main_window.settings_page.theme_buttons["dark"].isChecked()
    background = main_window.grab().toImage().pixelColor(700, 300)
    assert background.lightness() < 80, "dark theme should paint a dark page"
    main_window.grab().save(str(artifacts_dir / "gui" / "page_settings_dark.png"))
    apply_theme(qapp, "light")
    main_window.refresh_theme()
