"""The two building blocks most pages are made of: a card (a framed box with a section title
and an optional muted note) and a text label with a style role."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

Margins = tuple[int, int, int, int]


def card(title: str | None = None, note: str | None = None, *,
         margins: Margins = (18, 14, 18, 14), spacing: int = 8) -> tuple[QFrame, QVBoxLayout]:
    """A "Card" frame and its layout, with the title and note already in it."""
    frame = QFrame()
    frame.setObjectName("Card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(*margins)
    layout.setSpacing(spacing)
    if title is not None:
        heading = QLabel(title)
        heading.setObjectName("SectionTitle")
        layout.addWidget(heading)
    if note:
        layout.addWidget(label(note, "muted", wrap=True))
    return frame, layout


def label(text: str = "", role: str | None = None, *, wrap: bool = False,
          selectable: bool = False, name: str | None = None) -> QLabel:
    """A QLabel with the stylesheet role ("muted", "faint"…) and object name given."""
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    return widget
