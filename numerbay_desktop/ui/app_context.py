"""The services every page shares, one of each per app: created by the shell, handed to pages.

    ctx = AppContext(data_dir, offline=False)        # registry + session keys at once
    await ctx.open_network(network, numerai_url=...) # chain client, pipeline, Numerai client
    page.set_context(ctx)                            # every page that has the method
    client, pipeline = ctx.require_chain()           # ConfigurationError when not connected
    ctx.connected.connect(page.reload)               # after connect (or a network change)

Pages never build their own ChainClient, TxPipeline, AccountRegistry or SessionKeys: one of
each means one nonce journal, one idle timer for unlocked keys, one place to close at quit.
Transactions go through `ui/tx_runner.py` (review, unlock, sign or export, track).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal

from numerbay_desktop.core.errors import ConfigurationError, InvalidInput
from numerbay_desktop.ui.unlock import SessionKeys
from numerbay_desktop.wallet.accounts import AccountRecord, AccountRegistry

if TYPE_CHECKING:
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.chain.networks import Network
    from numerbay_desktop.chain.txflow import TxPipeline
    from numerbay_desktop.numerai.client import NumeraiClient
    from numerbay_desktop.store.cache import Cache
    from numerbay_desktop.store.nonce_journal import NonceJournal

log = logging.getLogger(__name__)

NOT_CONNECTED = QT_TRANSLATE_NOOP(
    "AppContext", "Not connected to a network yet: start the devnet or set a node in Settings.")


def _t(text: str) -> str:
    return QCoreApplication.translate("AppContext", text)


class AppContext(QObject):
    """Registry, unlocked keys, chain client, transaction pipeline and Numerai client."""

    connected = Signal()  # a network is connected (again): pages reload their data
    active_account_changed = Signal(str)  # the account name staking and owner pages act as
    accounts_changed = Signal()  # an account was added, renamed or removed (Accounts page)
    navigate = Signal(str)  # a page asks the window to show another page (its key)
    vault_opened = Signal(str)  # open the model page of this vault address
    notice = Signal(str)  # a short message for the status bar ("Deposit confirmed")
    # (SignRequest, Prepared, TxPipeline): a watch-only batch goes to the offline signing page
    offline_request = Signal(object, object, object)

    def __init__(self, data_dir: Path, *, offline: bool = False,
                 registry: AccountRegistry | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.offline = offline
        self.registry = registry or AccountRegistry(self.data_dir)
        self.session = SessionKeys(parent=self)
        self.network: Network | None = None
        self.client: ChainClient | None = None
        self.pipeline: TxPipeline | None = None
        self.numerai: NumeraiClient | None = None
        self.numerai_url: str | None = None
        self.devnet_info: dict[str, Any] | None = None  # holds demo keys: never log it
        self._journal: NonceJournal | None = None
        self._cache: Cache | None = None
        self._active: str | None = None
        self.vault_names: dict[str, str] = {}  # checksummed vault address -> human name
        # The review's "first-time recipient" rule knows every account and contact, new ones too.
        self.accounts_changed.connect(self._refresh_known_addresses)

    # -- connection -------------------------------------------------------------------------
    async def open_network(self, network: Network, *, numerai_url: str | None = None,
                      devnet_info: dict[str, Any] | None = None) -> None:
        """Open the chain client, the pipeline (with the data folder's nonce journal) and the
        Numerai client for `network`; a previous connection is closed first."""
        from numerbay_desktop.chain.client import ChainClient
        from numerbay_desktop.chain.contracts import ContractNames
        from numerbay_desktop.chain.txflow import TxPipeline
        from numerbay_desktop.store.nonce_journal import NonceJournal

        await self.close()
        self.network = network
        self.devnet_info = devnet_info
        self.client = ChainClient(network)
        if self._journal is None:
            self._journal = NonceJournal.open(self.data_dir)
        self.pipeline = TxPipeline(
            self.client, self._journal, names=ContractNames.for_network(network),
            known_addresses=[r.address for r in self.registry.accounts()]
            + [c.address for c in self.registry.contacts()],
            trusted_contracts=[a for a in (network.nmr, network.staking, network.factory)
                               if a is not None],
        )
        self.numerai_url = numerai_url
        if numerai_url and not self.offline:
            from numerbay_desktop.numerai.client import NumeraiClient

            self.numerai = NumeraiClient(numerai_url, cache=self.cache)
        log.info("connected to %s (chain %s)", network.name, network.chain_id)
        self.connected.emit()

    def _refresh_known_addresses(self) -> None:
        if self.pipeline is not None:
            self.pipeline.known_addresses = sorted(self.registry.known_addresses())

    @property
    def cache(self) -> Cache:
        """The data folder's read cache (market rows, Numerai answers, event logs)."""
        if self._cache is None:
            from numerbay_desktop.store.cache import Cache

            self._cache = Cache(self.data_dir / "cache" / "reads.sqlite3")
        return self._cache

    @property
    def is_connected(self) -> bool:
        return self.client is not None and self.pipeline is not None

    @property
    def is_devnet(self) -> bool:
        return self.network is not None and self.network.key == "devnet"

    def require_chain(self) -> tuple[ChainClient, TxPipeline]:
        if self.client is None or self.pipeline is None:
            raise ConfigurationError(_t(NOT_CONNECTED))
        return self.client, self.pipeline

    def vaults_unavailable(self) -> str | None:
        """The plain sentence a vault page shows instead of an empty table when this network
        has no vault factory (mainnet until Numerai publishes one); None where it has one or
        while not connected."""
        if self.network is None or self.network.factory is not None:
            return None
        return _t("Numerai has not yet published the vault factory on {0}, so there are no "
                  "vaults to show here yet. The devnet sandbox (Settings) lets you try "
                  "everything with play money meanwhile.").format(self.network.name)

    def require_numerai(self) -> NumeraiClient:
        if self.numerai is None:
            raise ConfigurationError(_t(
                "No Numerai API is connected: offline mode, or no API URL in Settings."))
        return self.numerai

    def name_contract(self, address: str, name: str) -> None:
        """Teach the review dialog a contract's human name (a vault: "Vault of model-3")."""
        from numerbay_desktop.chain.networks import checksum_address

        checksummed = checksum_address(address)
        self.vault_names[checksummed] = name
        if self.pipeline is not None:
            self.pipeline.names.names[checksummed] = name
            if checksummed not in self.pipeline.trusted_contracts:  # the factory made it
                self.pipeline.trusted_contracts.append(checksummed)

    async def recognise_vaults(self, addresses: list[str]) -> None:
        """Name (and trust) the addresses among `addresses` that are vaults of this network's
        factory, so the review says "Vault of amber_signal" instead of "first-time recipient".
        """
        from numerbay_desktop.chain.contracts import ContractAbi
        from numerbay_desktop.chain.networks import checksum_address

        client, _ = self.require_chain()
        if self.network is None or self.network.factory is None:
            return
        known = {a for a in (self.network.nmr, self.network.staking, self.network.factory) if a}
        factory = ContractAbi.load("VaultFactory").at(self.network.factory)
        lens_abi = ContractAbi.load("VaultLens")
        for address in {checksum_address(a) for a in addresses} - known - set(self.vault_names):
            if not await client.read(factory.read("is_vault", address)):
                continue
            lens = await client.read(factory.read("lens"))
            read = lens_abi.at(lens).read("vault_info", address)
            info = dict(zip(read.function.output_fields, await client.read(read), strict=True))
            name = info.get("model_name")
            self.name_contract(address, f"Vault of {name}" if name else "NumerBay vault")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.numerai is not None:
            self.numerai.close()
        self.client = self.pipeline = self.numerai = None

    def shutdown(self) -> None:
        """At quit, after `close()`: wipe unlocked keys, close the journal and the cache."""
        self.session.lock_all()
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # -- the active account -----------------------------------------------------------------
    @property
    def active_account(self) -> AccountRecord | None:
        """The account pages act as: the chosen one, else the first that can sign, else the
        first watch-only one, else None."""
        accounts = self.registry.accounts()
        if self._active is not None:
            chosen = next((r for r in accounts if r.name == self._active), None)
            if chosen is not None:
                return chosen
        return next((r for r in accounts if r.can_sign), accounts[0] if accounts else None)

    def set_active_account(self, name: str) -> None:
        record = next((r for r in self.registry.accounts() if r.name == name), None)
        if record is None:
            raise InvalidInput(_t("There is no account named '{0}'.").format(name))
        self._active = name
        self.active_account_changed.emit(name)

    def require_account(self) -> AccountRecord:
        record = self.active_account
        if record is None:
            if self.is_devnet:
                raise ConfigurationError(_t(
                    "There is no account yet: on the Accounts page, import the devnet's demo "
                    "accounts in one click, or add your own."))
            raise ConfigurationError(_t(
                "There is no account yet: create, import or watch one on the Accounts page."))
        return record
