"""What every page shares: a header (title and one-line purpose) and an empty state.

The first page is built before the window's first paint, so this module avoids PySide6's `Qt`
enum namespace (slow to load): alignment comes from the stylesheet (`qproperty-alignment`) and
stretches; icons and the pointing-hand cursors are set after the paint (`MainWindow`).

An empty state says plainly what the page will show and what to do first, with at most one
button that takes the user there (`navigate_requested` carries the target page's key).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.ui.icons import icon_pixmap
from numerbay_desktop.ui.theme import current_palette


def _centred(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    row.addStretch(1)
    return row


class EmptyState(QFrame):
    """A card: an icon, a headline, what will be here, the first step, and one action."""

    action_clicked = Signal()

    def __init__(
        self,
        icon: str,
        headline: str,
        body: str,
        first_step: str,
        action_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self._icon_name = icon
        self.setMaximumWidth(620)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.icon = QLabel()
        self.icon.setObjectName("EmptyIcon")
        self.icon.setFixedSize(72, 72)
        self.headline = QLabel(headline)
        self.headline.setObjectName("EmptyTitle")
        self.headline.setWordWrap(True)
        self.body = QLabel(body)
        self.body.setObjectName("EmptyBody")
        self.body.setWordWrap(True)

        step_box = QFrame()
        step_box.setObjectName("FirstStep")
        step_layout = QVBoxLayout(step_box)
        step_layout.setContentsMargins(16, 12, 16, 12)
        step_layout.setSpacing(4)
        step_label = QLabel(self.tr("FIRST STEP"))
        step_label.setObjectName("FirstStepLabel")
        self.first_step = QLabel(first_step)
        self.first_step.setObjectName("FirstStepText")
        self.first_step.setWordWrap(True)
        step_layout.addWidget(step_label)
        step_layout.addWidget(self.first_step)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 36, 40, 36)
        layout.setSpacing(14)
        layout.addLayout(_centred(self.icon))
        layout.addSpacing(4)
        layout.addWidget(self.headline)
        layout.addWidget(self.body)
        layout.addSpacing(6)
        layout.addWidget(step_box)

        self.action: QPushButton | None = None
        if action_text:
            self.action = QPushButton(action_text)
            self.action.setObjectName("PrimaryButton")
            self.action.clicked.connect(self.action_clicked)
            layout.addSpacing(4)
            layout.addLayout(_centred(self.action))
        # The icon is drawn by refresh_theme(), after the window's first paint (see icons.py).

    def refresh_theme(self) -> None:
        self.icon.setPixmap(icon_pixmap(self._icon_name, current_palette().accent, 34))

    def text(self) -> str:
        """Everything the empty state says, in reading order (for tests and accessibility)."""
        parts = [self.headline.text(), self.body.text(), self.first_step.text()]
        if self.action is not None:
            parts.append(self.action.text())
        return "\n".join(parts)


class Page(QWidget):
    """A page of the main window. Subclasses set KEY and TITLE and fill `content`."""

    KEY = ""
    TITLE = ""
    SUBTITLE = ""

    navigate_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PageRoot")
        # Subclasses mark TITLE and SUBTITLE for translation; they are translated here.
        title = QLabel(self.tr(self.TITLE))
        title.setObjectName("PageTitle")
        subtitle = QLabel(self.tr(self.SUBTITLE))
        subtitle.setObjectName("PageSubtitle")
        subtitle.setWordWrap(True)

        self.content = QVBoxLayout()
        self.content.setSpacing(16)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 24)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(20)
        layout.addLayout(self.content, 1)
        self.empty_state: EmptyState | None = None
        self.empty_target: str | None = None  # the page the empty state's button opens

    def set_empty_state(self, empty: EmptyState, target: str | None = None) -> EmptyState:
        """Show `empty` centred in the page; its button navigates to the page `target`."""
        self.empty_state = empty
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(empty, 3)
        row.addStretch(1)
        self.content.addStretch(1)
        self.content.addLayout(row)
        self.content.addStretch(2)
        self.empty_target = target
        empty.action_clicked.connect(self._empty_action)
        return empty

    def _empty_action(self) -> None:
        if self.empty_target is not None:
            self.navigate_requested.emit(self.empty_target)

    def network_changed(self, network: str, chain_id: int | None) -> None:
        """The app connected to `network` (chain_id None: not connected). Pages may adapt."""

    def empty_text(self) -> str:
        """What the page says while it has nothing to show."""
        return self.empty_state.text() if self.empty_state is not None else ""

    def refresh_theme(self) -> None:
        """Repaint what the stylesheet cannot (drawn icons)."""
        if self.empty_state is not None:
            self.empty_state.refresh_theme()
