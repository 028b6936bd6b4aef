"""The devnet's demo accounts in one click: play money from the devnet's public phrase.

On the devnet sandbox with no accounts yet, the Accounts page shows `DemoAccountsOffer`:
one click imports the demo accounts of `numerbay devnet up` (the phrase every devnet shares,
"test test … junk"), locks them with the password shown (editable), unlocks them for this
session and makes the staker the active account, so the marketplace can be tried at once.

    offer = DemoAccountsOffer(registry, session, mnemonic, parent)
    offer.imported.connect(lambda names: ...)      # the names added, staker first
    offer.import_now()                            # what the button does

Nothing here is ever offered on another network: the phrase is public, its keys are known to
everyone, and the offer says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.ui.account_forms import MIN_PASSWORD, error_label, show_error
from numerbay_desktop.ui.tasks import BackgroundOp
from numerbay_desktop.ui.unlock import SessionKeys
from numerbay_desktop.wallet.accounts import AccountRegistry

# Public like the phrase: these accounts hold play money only.
DEMO_PASSWORD = "numerbay-demo"  # noqa: S105
DEMO_STAKER = "Staker"


def _t(text: str) -> str:
    return QCoreApplication.translate("DemoAccounts", text)


@dataclass(frozen=True)
class DemoAccount:
    name: str
    index: int  # BIP44 address index of the devnet phrase (see devnet/scenario.py)
    label: str


def demo_accounts() -> tuple[DemoAccount, ...]:
    """The staker first (it becomes the active account), then the vault owners."""
    return (
        DemoAccount(DEMO_STAKER, 2, _t("Demo staker")),
        DemoAccount("Staker-2", 3, _t("Demo staker 2")),
        DemoAccount("Staker-3", 4, _t("Demo staker 3")),
        DemoAccount("Owner", 0, _t("Demo owner of three vaults")),
        DemoAccount("Owner-2", 1, _t("Demo owner of two vaults")),
    )


def import_demo_accounts(
    registry: AccountRegistry, mnemonic: str, password: str,
    accounts: Sequence[DemoAccount] | None = None,
) -> list[tuple[str, bytearray]]:
    """Import the demo accounts that are not in `registry` yet (by address and by name), in a
    worker thread; returns (name, private key) for the session to keep unlocked."""
    from numerbay_desktop.wallet.hd import derive_private_key

    added: list[tuple[str, bytearray]] = []
    for account in accounts or demo_accounts():
        key = derive_private_key(mnemonic, account.index)
        if _holds(registry, key):  # imported before (perhaps under another name)
            key[:] = bytes(len(key))
            continue
        record = registry.import_mnemonic(
            _free_name(registry, account.name), mnemonic, password, index=account.index)
        registry.set_label(record.name, account.label)
        added.append((record.name, key))
    return added


def _holds(registry: AccountRegistry, key: bytearray) -> bool:
    from eth_account import Account

    return registry.find_by_address(Account.from_key(bytes(key)).address) is not None


def _free_name(registry: AccountRegistry, name: str) -> str:
    taken = {r.name for r in registry.accounts()}
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-demo-{number}", number + 1
    return candidate


class DemoAccountsOffer(QFrame):
    """A card: what the demo accounts are, their password, and the one button."""

    imported = Signal(list)  # the names added, the staker first

    def __init__(self, registry: AccountRegistry, session: SessionKeys, mnemonic: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.session = session
        self._mnemonic = mnemonic
        self.setObjectName("Card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        title = QLabel(self.tr("Try it with the demo accounts"))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        names = ", ".join(a.name for a in demo_accounts())
        text = QLabel(self.tr(
            "This is the devnet sandbox: play money on a chain that runs only on this "
            "computer. Its demo accounts ({0}) already hold NMR, and the owners run vaults "
            "with months of history. Import them in one click and stake at once."
        ).format(names))
        text.setWordWrap(True)
        layout.addWidget(text)
        self.warning = warning = QLabel(self.tr(
            "They come from the devnet's public recovery phrase (test test … junk), which "
            "everyone knows: never send real funds to these addresses."
        ))
        warning.setWordWrap(True)
        warning.setProperty("role", "muted")
        layout.addWidget(warning)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(QLabel(self.tr("Password for them")))
        self.password_field = QLineEdit(DEMO_PASSWORD)
        self.password_field.setToolTip(self.tr(
            "Shown on purpose: it locks play money only. It is asked when an account was "
            "locked after being idle."))
        self.password_field.setMaximumWidth(220)
        row.addWidget(self.password_field)
        row.addStretch(1)
        self.import_button = QPushButton(self.tr("Import the demo accounts"))
        self.import_button.setObjectName("PrimaryButton")
        self.import_button.clicked.connect(self.import_now)
        row.addWidget(self.import_button)
        layout.addLayout(row)
        self.error = error_label()
        layout.addWidget(self.error)
        self.others = QLabel(self.tr(
            "Or create, import or watch your own account with the buttons above."))
        self.others.setProperty("role", "faint")
        layout.addWidget(self.others)

    def import_now(self) -> None:
        password = self.password_field.text()
        if show_error(self.error, None if len(password) >= MIN_PASSWORD else self.tr(
                "Choose a password of at least {0} characters.").format(MIN_PASSWORD)):
            return
        self.import_button.setEnabled(False)
        registry, mnemonic = self.registry, self._mnemonic
        BackgroundOp(self, lambda: import_demo_accounts(registry, mnemonic, password)).success(
            self._done
        ).failure(self._failed).with_progress(self.tr("Importing the demo accounts")).run()

    def _done(self, added: list[tuple[str, bytearray]]) -> None:
        for name, key in added:
            self.session.store(name, key)  # unlocked for this session: stake at once
        self.imported.emit([name for name, _ in added])

    def _failed(self, error: BaseException) -> None:
        self.import_button.setEnabled(True)
        show_error(self.error, str(error) if isinstance(error, NumerbayError) else self.tr(
            "The demo accounts could not be imported; the details are in the log file."))
