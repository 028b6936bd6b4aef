"""The look of the app: two palettes (light, dark), one stylesheet, the font.

Widgets style themselves through object names and the `role` property (for example
`label.setProperty("role", "muted")`), never through inline colours, so switching the theme
is one call: `apply_theme(app, "dark")`. Code that paints (icons, charts) reads colours from
`current_palette()`.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
FONT_FAMILIES = [
    "Inter", "Segoe UI", "SF Pro Text", "Helvetica Neue", "Cantarell", "Ubuntu", "Noto Sans",
    "DejaVu Sans", "Arial", "sans-serif",
]
FONT_POINT_SIZE = 10


class Palette:
    """The colours of one theme (hex strings). A plain class: dataclasses cost startup time."""

    name: str
    window: str  # the content background
    surface: str  # cards, inputs
    surface_alt: str  # hover, table stripes
    border: str
    text: str
    text_muted: str
    text_faint: str
    accent: str
    accent_hover: str
    accent_soft: str  # tinted backgrounds behind accent-coloured things
    on_accent: str
    sidebar: str
    sidebar_text: str
    sidebar_muted: str
    sidebar_active: str
    success: str
    warning: str
    danger: str
    banner_bg: str
    banner_text: str
    banner_border: str

    def __init__(self, **colours: str) -> None:
        missing = set(self.__annotations__) - set(colours)
        if missing:
            raise TypeError(f"palette without {', '.join(sorted(missing))}")
        self.__dict__.update(colours)

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


LIGHT = Palette(
    name="light",
    window="#F4F6FA", surface="#FFFFFF", surface_alt="#EEF1F6", border="#DDE2EA",
    text="#131A26", text_muted="#4E5A6B", text_faint="#8792A2",
    accent="#3D5AFE", accent_hover="#2E48E0", accent_soft="#E8ECFF", on_accent="#FFFFFF",
    sidebar="#101828", sidebar_text="#E6EAF2", sidebar_muted="#8C97AB", sidebar_active="#1F2A44",
    success="#0E9F6E", warning="#B7791F", danger="#D92D20",
    banner_bg="#FFF4D6", banner_text="#7A4B00", banner_border="#F5C453",
)

DARK = Palette(
    name="dark",
    window="#0F141C", surface="#171E29", surface_alt="#1E2734", border="#2A3444",
    text="#E7EBF2", text_muted="#A6B0BF", text_faint="#6F7B8D",
    accent="#7B8CFF", accent_hover="#95A3FF", accent_soft="#222B4A", on_accent="#0B1020",
    sidebar="#0A0E14", sidebar_text="#E7EBF2", sidebar_muted="#7E8A9C", sidebar_active="#1A2233",
    success="#34C38F", warning="#E3A93B", danger="#F26B5E",
    banner_bg="#3A2C0C", banner_text="#FFD98A", banner_border="#8A6514",
)

_STYLESHEET = """
QWidget { color: %(text)s; }
QMainWindow, QStackedWidget, QWidget#PageRoot { background: %(window)s; }
QToolTip { background: %(surface)s; color: %(text)s; border: 1px solid %(border)s; padding: 6px; }

/* Sidebar */
QFrame#Sidebar { background: %(sidebar)s; border: none; }
QFrame#Sidebar QLabel { color: %(sidebar_text)s; background: transparent; }
QLabel#BrandMark { background: %(accent)s; border-radius: 8px; }
QLabel#BrandName { font-size: 15pt; font-weight: 700; }
QLabel#BrandTagline { color: %(sidebar_muted)s; font-size: 8.5pt; }
QLabel#SidebarSection { color: %(sidebar_muted)s; font-size: 8pt; font-weight: 600;
    padding: 14px 12px 4px 14px; }
QPushButton#NavButton { color: %(sidebar_muted)s; background: transparent; border: none;
    border-radius: 8px; padding: 9px 12px; text-align: left; font-size: 10.5pt; }
QPushButton#NavButton:hover { color: %(sidebar_text)s; background: %(sidebar_active)s; }
QPushButton#NavButton:checked { color: %(sidebar_text)s; background: %(sidebar_active)s;
    font-weight: 600; }
QLabel#SidebarFooter { color: %(sidebar_muted)s; font-size: 8.5pt; }

/* Devnet banner */
QFrame#DevnetBanner { background: %(banner_bg)s; border: none;
    border-bottom: 1px solid %(banner_border)s; }
QFrame#DevnetBanner QLabel { color: %(banner_text)s; background: transparent; }
QLabel#DevnetBannerTitle { font-weight: 700; }

/* Pages */
QLabel#PageTitle { font-size: 19pt; font-weight: 700; }
QLabel#PageSubtitle { color: %(text_muted)s; font-size: 10.5pt; }
QFrame#Card { background: %(surface)s; border: 1px solid %(border)s; border-radius: 14px; }
QFrame#Card QLabel { background: transparent; }
QFrame#Card QLabel#EmptyIcon { background: %(accent_soft)s; border-radius: 36px;
    qproperty-alignment: AlignCenter; }
QLabel#EmptyTitle { font-size: 14.5pt; font-weight: 700; qproperty-alignment: AlignCenter; }
QLabel#EmptyBody { color: %(text_muted)s; font-size: 10.5pt; qproperty-alignment: AlignCenter; }
QFrame#FirstStep { background: %(accent_soft)s; border-radius: 10px; }
QLabel#FirstStepLabel { color: %(accent)s; font-weight: 700; font-size: 8.5pt; }
QLabel#FirstStepText { color: %(text)s; }
QLabel#SectionTitle { font-size: 11.5pt; font-weight: 700; }
QLabel[role="muted"] { color: %(text_muted)s; }
QLabel[role="faint"] { color: %(text_faint)s; font-size: 9pt; }
QLabel[role="mono"] { font-family: "DejaVu Sans Mono", "Consolas", "Menlo", monospace;
    color: %(text_muted)s; }

/* Buttons and inputs */
QPushButton { background: %(surface)s; border: 1px solid %(border)s; border-radius: 8px;
    padding: 7px 16px; }
QPushButton:hover { background: %(surface_alt)s; }
QPushButton:disabled { color: %(text_faint)s; }
QPushButton#PrimaryButton { background: %(accent)s; color: %(on_accent)s;
    border: 1px solid %(accent)s; font-weight: 600; }
QPushButton#PrimaryButton:hover { background: %(accent_hover)s; border-color: %(accent_hover)s; }
QPushButton#PrimaryButton:disabled { background: %(surface_alt)s; color: %(text_faint)s;
    border: 1px solid %(border)s; }
QPushButton#SegmentButton { border-radius: 0; padding: 6px 18px; min-width: 64px; }
QPushButton#SegmentButton[segment="first"] { border-top-left-radius: 8px;
    border-bottom-left-radius: 8px; }
QPushButton#SegmentButton[segment="last"] { border-top-right-radius: 8px;
    border-bottom-right-radius: 8px; border-left: none; }
QPushButton#SegmentButton:checked { background: %(accent_soft)s; color: %(accent)s;
    border-color: %(accent)s; font-weight: 600; }
QLineEdit, QComboBox, QSpinBox, QPlainTextEdit, QTextEdit { background: %(surface)s;
    border: 1px solid %(border)s; border-radius: 8px; padding: 6px 8px;
    selection-background-color: %(accent)s; selection-color: %(on_accent)s; }
QLineEdit:focus, QComboBox:focus, QPlainTextEdit:focus { border-color: %(accent)s; }

/* Status bar */
QStatusBar { background: %(surface)s; border-top: 1px solid %(border)s; color: %(text_muted)s;
    min-height: 30px; }
QStatusBar::item { border: none; }
QStatusBar QLabel { color: %(text_muted)s; padding: 0 10px; }
QLabel#StatusNetwork { color: %(text)s; font-weight: 600; }
QLabel#StatusOffline { color: %(warning)s; font-weight: 600; }
QProgressBar#BusyBar { background: %(surface_alt)s; border: none; border-radius: 3px;
    max-height: 6px; min-width: 90px; }
QProgressBar#BusyBar::chunk { background: %(accent)s; border-radius: 3px; }

/* Dialogs */
QMessageBox { background: %(surface)s; }
QMessageBox QLabel { color: %(text)s; font-size: 10.5pt; }
QMessageBox QLabel#qt_msgbox_label { min-width: 380px; padding: 6px 4px 10px 4px; }
QScrollArea { background: transparent; border: none; }
QScrollArea > QWidget > QWidget { background: transparent; }
"""

_current = LIGHT


def palette_for(name: str) -> Palette:
    return DARK if name == "dark" else LIGHT


def current_palette() -> Palette:
    return _current


def stylesheet(palette: Palette) -> str:
    return _STYLESHEET % palette.as_dict()


def app_font() -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(FONT_POINT_SIZE)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def _qt_palette(palette: Palette) -> QPalette:
    qp = QPalette()
    role = QPalette.ColorRole
    qp.setColor(role.Window, QColor(palette.window))
    qp.setColor(role.WindowText, QColor(palette.text))
    qp.setColor(role.Base, QColor(palette.surface))
    qp.setColor(role.AlternateBase, QColor(palette.surface_alt))
    qp.setColor(role.Text, QColor(palette.text))
    qp.setColor(role.Button, QColor(palette.surface))
    qp.setColor(role.ButtonText, QColor(palette.text))
    qp.setColor(role.Highlight, QColor(palette.accent))
    qp.setColor(role.HighlightedText, QColor(palette.on_accent))
    qp.setColor(role.ToolTipBase, QColor(palette.surface))
    qp.setColor(role.ToolTipText, QColor(palette.text))
    qp.setColor(role.PlaceholderText, QColor(palette.text_faint))
    qp.setColor(role.Link, QColor(palette.accent))
    return qp


def apply_theme(app: QApplication, name: str) -> Palette:
    """Switch the whole app to the `name` theme ("light" or "dark") and return its palette."""
    global _current
    palette = palette_for(name)
    if _current is palette and app.property("numerbay_theme") == palette.name:
        return palette  # already applied: re-styling every widget is not free
    _current = palette
    app.setProperty("numerbay_theme", palette.name)
    app.setStyle("Fusion")  # the same base look on every OS; the stylesheet does the rest
    app.setFont(app_font())
    app.setPalette(_qt_palette(palette))
    app.setStyleSheet(stylesheet(palette))
    return palette
