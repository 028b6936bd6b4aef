"""The main window: a left navigation, one page at a time, a devnet banner and the status bar.

The window knows nothing about networks or services: the app shell (app.py) feeds the status
bar and pages. Pages ask to navigate through their `navigate_requested` signal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop import __version__
from numerbay_desktop.ui.icons import blank_icon, brand_pixmap, nav_icon
from numerbay_desktop.ui.pages.base import Page
from numerbay_desktop.ui.status_bar import ConnectionStatusBar
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.ui.pages.settings import SettingsPage

# Every page: key -> (navigation title, "module:Class"). A page's module is imported and the
# page built when it is first shown or asked for, so only the first page costs time before the
# window's first paint; the shell builds the rest right after it.
PAGES: dict[str, tuple[str, str]] = {
    "marketplace": ("Marketplace", "numerbay_desktop.ui.pages.marketplace:MarketplacePage"),
    "portfolio": ("Portfolio", "numerbay_desktop.ui.pages.portfolio:PortfolioPage"),
    "my_vaults": ("My vaults", "numerbay_desktop.ui.pages.my_vaults:MyVaultsPage"),
    "accounts": ("Accounts", "numerbay_desktop.ui.pages.accounts:AccountsPage"),
    "offline_signing": (
        "Offline signing", "numerbay_desktop.ui.pages.offline_signing:OfflineSigningPage"
    ),
    "settings": ("Settings", "numerbay_desktop.ui.pages.settings:SettingsPage"),
    # Not in the navigation: opened from another page (a vault's row, a holding).
    "model": ("Model", "numerbay_desktop.ui.pages.model:ModelPage"),
}
# The navigation, top to bottom: (section heading, page keys). Settings sits at the bottom.
NAVIGATION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("STAKE", ("marketplace", "portfolio")),
    ("RUN A MODEL", ("my_vaults",)),
    ("WALLET", ("accounts", "offline_signing")),
)
BOTTOM_PAGES: tuple[str, ...] = ("settings",)
PAGE_KEYS = tuple(key for _, keys in NAVIGATION for key in keys) + BOTTOM_PAGES


def page_class(key: str) -> type[Page]:
    module_name, _, class_name = PAGES[key][1].partition(":")
    cls: type[Page] = getattr(importlib.import_module(module_name), class_name)
    assert issubclass(cls, Page) and key == cls.KEY
    return cls


def _point_at_buttons(root: QWidget) -> None:
    """The pointing-hand cursor on every button (after the paint: it needs the `Qt` enums)."""
    from PySide6.QtCore import Qt

    for button in root.findChildren(QPushButton):
        button.setCursor(Qt.CursorShape.PointingHandCursor)


class DevnetBanner(QFrame):
    """A strip above every page while the app runs on the devnet: nothing here is real money."""

    panel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DevnetBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(36, 9, 36, 9)
        layout.setSpacing(10)
        self.title = QLabel(self.tr("Devnet: play money"))
        self.title.setObjectName("DevnetBannerTitle")
        self.detail = QLabel(
            self.tr(
                "This is a sandbox that runs only on this computer. Nothing here is real NMR or "
                "ETH, so try anything."
            )
        )
        self.detail.setWordWrap(True)
        self.panel_button = QPushButton(self.tr("Devnet panel…"))
        self.panel_button.setObjectName("DevnetBannerButton")
        self.panel_button.setToolTip(self.tr("Mint play NMR, move time forward, see the phrase"))
        self.panel_button.clicked.connect(self.panel_requested)
        layout.addWidget(self.title)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.panel_button)

    def text(self) -> str:
        return self.title.text() + " " + self.detail.text()


class MainWindow(QMainWindow):
    first_painted = Signal()
    closing = Signal()
    theme_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("NumerBay")
        self.setMinimumSize(QSize(900, 600))
        self.resize(1180, 760)
        self._painted = False
        self._finished = False  # build_all_pages() has run
        self.app_context: object | None = None  # ui.app_context.AppContext, once the shell has one
        self.pages: dict[str, Page] = {}
        self.nav_buttons: dict[str, QPushButton] = {}
        self._nav_group = QButtonGroup(self)
        self._nav_group.setExclusive(True)

        self.stack = QStackedWidget()
        self.banner = DevnetBanner()
        self.banner.hide()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.stack, 1)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._build_sidebar())
        layout.addWidget(right, 1)
        self.setCentralWidget(central)

        self.status = ConnectionStatusBar()
        self.setStatusBar(self.status)
        self.show_page(PAGE_KEYS[0])

    # -- building ---------------------------------------------------------------------------
    def _build_sidebar(self) -> QFrame:
        sidebar = QFrame()
        sidebar.setObjectName("Sidebar")
        sidebar.setFixedWidth(232)
        layout = QVBoxLayout(sidebar)
        layout.setContentsMargins(14, 20, 14, 14)
        layout.setSpacing(2)

        brand = QHBoxLayout()
        brand.setSpacing(10)
        self._brand_mark = QLabel()
        self._brand_mark.setObjectName("BrandMark")
        self._brand_mark.setFixedSize(34, 34)
        brand.addWidget(self._brand_mark)
        names = QVBoxLayout()
        names.setSpacing(0)
        name = QLabel("NumerBay")
        name.setObjectName("BrandName")
        tagline = QLabel(self.tr("Stake on Numerai models"))
        tagline.setObjectName("BrandTagline")
        names.addWidget(name)
        names.addWidget(tagline)
        brand.addLayout(names, 1)
        layout.addLayout(brand)
        layout.addSpacing(14)

        for section, keys in NAVIGATION:
            heading = QLabel(section)
            heading.setObjectName("SidebarSection")
            layout.addWidget(heading)
            for key in keys:
                layout.addWidget(self._nav_button(key))
        layout.addStretch(1)
        for key in BOTTOM_PAGES:
            layout.addWidget(self._nav_button(key))
        footer = QLabel(self.tr("Version {0}").format(__version__))
        footer.setObjectName("SidebarFooter")
        footer.setContentsMargins(12, 8, 0, 0)
        layout.addWidget(footer)
        return sidebar

    def _nav_button(self, key: str) -> QPushButton:
        button = QPushButton(self.tr(PAGES[key][0]))
        button.setObjectName("NavButton")
        button.setCheckable(True)
        button.setIconSize(QSize(20, 20))
        button.setIcon(blank_icon(20))  # drawn after the first paint
        button.clicked.connect(lambda _checked=False, k=key: self.show_page(k))
        self._nav_group.addButton(button)
        self.nav_buttons[key] = button
        return button

    def _paint_sidebar_icons(self) -> None:
        palette = current_palette()
        for key, button in self.nav_buttons.items():
            button.setIcon(nav_icon(key, palette.sidebar_muted, palette.sidebar_text))
        self._brand_mark.setPixmap(brand_pixmap(palette.accent, palette.on_accent))

    # -- navigation -------------------------------------------------------------------------
    def page(self, key: str) -> Page:
        """The page `key`, built on first use."""
        if key not in PAGES:
            raise KeyError(f"no page {key!r}; pages are {', '.join(PAGES)}")
        page = self.pages.get(key)
        if page is None:
            page = page_class(key)()
            page.navigate_requested.connect(self.show_page)
            theme_selected = getattr(page, "theme_selected", None)
            if theme_selected is not None:
                theme_selected.connect(self.theme_selected)
            self.pages[key] = page
            self.stack.addWidget(page)
            if key == "settings":
                page.show_theme(current_palette().name)  # type: ignore[attr-defined]
            if self._finished:
                _point_at_buttons(page)
                page.refresh_theme()
            set_context = getattr(page, "set_context", None)
            if self.app_context is not None and set_context is not None:
                set_context(self.app_context)
        return page

    def attach_context(self, context: object) -> None:
        """Hand the app's shared services to every page that takes them (now and later)."""
        self.app_context = context
        for page in list(self.pages.values()):
            set_context = getattr(page, "set_context", None)
            if set_context is not None:
                set_context(context)

    @property
    def settings_page(self) -> SettingsPage:
        page = self.page("settings")
        return page  # type: ignore[return-value]

    def build_all_pages(self) -> None:
        """Finish the window after its first paint: the other pages, cursors, round icons."""
        for key in PAGE_KEYS:
            self.page(key)
        self._finished = True
        _point_at_buttons(self)
        self.refresh_theme()

    def show_page(self, key: str) -> None:
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        button = self.nav_buttons.get(key)  # pages outside the navigation keep the last one lit
        if button is not None:
            button.setChecked(True)
        self.setWindowTitle(f"{page.TITLE} · NumerBay")

    def current_page_key(self) -> str:
        current = self.stack.currentWidget()
        assert isinstance(current, Page)
        return current.KEY

    # -- shell hooks ------------------------------------------------------------------------
    def set_devnet_banner(self, visible: bool) -> None:
        self.banner.setVisible(visible)

    def set_network(self, network: str, chain_id: int | None, rpc_url: str | None = None) -> None:
        """Show the connection everywhere: status bar, Settings, and any page that adapts."""
        self.status.show_network(network, chain_id)
        self.settings_page.show_network(network, chain_id, rpc_url)
        for page in self.pages.values():
            page.network_changed(network, chain_id)

    def begin_busy(self, label: str) -> Callable[[], None]:
        return self.status.begin_busy(label)

    def refresh_theme(self) -> None:
        """Redraw what the stylesheet cannot reach (painted icons) after a theme switch."""
        self._paint_sidebar_icons()
        if "settings" in self.pages:
            self.settings_page.show_theme(current_palette().name)
        self.status.refresh_theme()
        for page in self.pages.values():
            page.refresh_theme()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    @property
    def painted(self) -> bool:
        return self._painted

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
