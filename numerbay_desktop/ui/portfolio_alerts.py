"""The portfolio's alerts as coloured cards, each with a plain-language explanation.

    cards = AlertList();  cards.show_alerts(view)      # services.portfolio_view.PortfolioView
    cards.vault_clicked.connect(ctx.vault_opened)      # "Open the vault" on a card

Colours say how urgent: red when the vault is not working for you (stalled, rounds missed),
amber when it works less than you pay for (low staked fraction) or its fees are about to
change, blue for a date to know (a commitment ending).
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.services.portfolio_view import PortfolioView
    from numerbay_desktop.services.positions import Alert

SEVERITY = {
    "stalled": "danger",
    "missed_rounds": "danger",
    "low_staked_fraction": "warning",
    "pending_schedule": "warning",
    "commitment_ending": "info",
}
ORDER = ("danger", "warning", "info")


def _date(timestamp: int | None) -> str:
    if not timestamp:
        return "soon"
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%d %b %Y, %H:%M UTC")


def _rgba(colour: str, alpha: int) -> str:
    """A palette colour (#RRGGBB) with an alpha, as a stylesheet rgba()."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _staked_share(info: dict[str, Any] | None) -> str:
    if not info:
        return "little"
    working = (int(info["total_assets"]) - int(info["claimable_total"])
               - int(info["exits_due"]) - int(info["fees_owed"]))
    if working <= 0:
        return "none"
    return f"{float(Fraction(int(info['at_stake']) * 100, working)):.0f}%"


def explain(alert: Alert, name: str, info: dict[str, Any] | None) -> tuple[str, str]:
    """A headline and a plain explanation of `alert` on the vault named `name`."""
    kind = alert.kind
    if kind == "stalled":
        return (f"{name} is stalled",
                "A round it staked went unsettled for too long, so the vault stopped. Every "
                "lot may now ask to leave, whatever its commitment: consider requesting your "
                "exit below.")
    if kind == "missed_rounds":
        since = _date(alert.when)
        return (f"{name} has stopped staking",
                f"Its last round was staked {since}. Your NMR sits in the vault without "
                "working in the tournament, while the fixed fee keeps accruing.")
    if kind == "low_staked_fraction":
        return (f"Only {_staked_share(info)} of {name}'s NMR is at stake",
                "The owner collects the fixed fee on all the NMR in the vault, but most of it "
                "is idle and earns nothing. If this lasts, it may be worth leaving.")
    if kind == "pending_schedule":
        return (f"{name}: new fees proposed",
                f"The owner proposed a new fee schedule that can take effect from "
                f"{_date(alert.when)}. Compare it with your terms on the model page; you may "
                "ask to leave before then if it does not suit you.")
    if kind == "commitment_ending":
        return commitment_text([alert], name)
    return (name, alert.message)


def commitment_text(alerts: list[Alert], name: str) -> tuple[str, str]:
    """One card for the lots of a vault whose commitments end soon."""
    after = ("From then you may request an exit at any time; until you do, the lot keeps "
             "earning (and paying fees).")
    if len(alerts) == 1:
        alert = alerts[0]
        return (f"{name}: lot {alert.lot_id} unlocks {_date(alert.when)}",
                f"Its commitment ends then. {after}")
    ids = [str(a.lot_id) for a in alerts]
    listed = ", ".join(ids[:-1]) + f" and {ids[-1]}"
    dates = "; ".join(f"lot {a.lot_id} on {_day(a.when)}" for a in alerts)
    return (f"{name}: lots {listed} unlock soon", f"Their commitments end: {dates}. {after}")


def _day(timestamp: int | None) -> str:
    return datetime.fromtimestamp(timestamp or 0, tz=UTC).strftime("%d %b %Y")


class AlertCard(QFrame):
    """One alert: a coloured band, a headline, the explanation and a link to the vault."""

    open_clicked = Signal(str)

    def __init__(self, alerts: list[Alert], name: str, info: dict[str, Any] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertCard")
        alert = alerts[0]
        self.alerts = alerts
        self.severity = SEVERITY.get(alert.kind, "info")
        if alert.kind == "commitment_ending":
            headline, body = commitment_text(alerts, name)
        else:
            headline, body = explain(alert, name, info)
        self.headline = QLabel(headline)
        self.headline.setObjectName("AlertTitle")
        self.headline.setWordWrap(True)
        self.body = QLabel(body)
        self.body.setWordWrap(True)
        self.body.setObjectName("AlertBody")
        self.open_button = QPushButton(self.tr("Open the vault"))
        self.open_button.setObjectName("AlertLink")
        self.open_button.clicked.connect(lambda: self.open_clicked.emit(alert.vault))
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.headline)
        text.addWidget(self.body)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 12, 8)
        layout.setSpacing(12)
        layout.addLayout(text, 1)
        layout.addWidget(self.open_button)
        self.refresh_theme()

    def text(self) -> str:
        return f"{self.headline.text()}\n{self.body.text()}"

    def refresh_theme(self) -> None:
        p = current_palette()
        colour = {"danger": p.danger, "warning": p.warning, "info": p.accent}[self.severity]
        alpha = {"danger": 30, "warning": 30, "info": 24}[self.severity]
        self.setStyleSheet(
            f"QFrame#AlertCard {{ background: {_rgba(colour, alpha)};"
            f" border: 1px solid {_rgba(colour, 90)};"
            f" border-left: 5px solid {colour}; border-radius: 10px; }}"
            f" QLabel {{ background: transparent; }}"
            f" QLabel#AlertTitle {{ font-weight: 700; color: {p.text}; }}"
            f" QLabel#AlertBody {{ color: {p.text_muted}; }}"
            f" QPushButton#AlertLink {{ background: transparent; border: none; color: {colour};"
            f" font-weight: 600; padding: 4px 6px; }}"
            f" QPushButton#AlertLink:hover {{ text-decoration: underline; }}"
        )


class AlertList(QWidget):
    """The alerts of the account's vaults, most urgent first."""

    vault_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[AlertCard] = []
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(8)

    def show_alerts(self, view: PortfolioView) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        p = view.portfolio
        alerts = sorted(p.alerts, key=lambda a: (ORDER.index(SEVERITY.get(a.kind, "info")),
                                                 view.name(a.vault), a.lot_id or 0))
        # Commitments ending in one vault share a card; every other alert has its own.
        cards: list[list[Alert]] = []
        for alert in alerts:
            previous = cards[-1][0] if cards else None
            if (previous is not None and alert.kind == previous.kind == "commitment_ending"
                    and alert.vault == previous.vault):
                cards[-1].append(alert)
            else:
                cards.append([alert])
        for group in cards:
            vault = group[0].vault
            card = AlertCard(group, view.name(vault), p.vault_infos.get(vault))
            card.open_clicked.connect(self.vault_clicked)
            self.layout_.addWidget(card)
            self.cards.append(card)
        self.setVisible(bool(self.cards))

    def refresh_theme(self) -> None:
        for card in self.cards:
            card.refresh_theme()
