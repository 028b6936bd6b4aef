"""The networks the app knows: chain id, ordered RPC URLs (the first that answers is used, the
others are failovers) and the addresses of the contracts the app talks to.

An address of None means "not deployed or not published on this network yet"; mainnet's
staking and factory addresses come from the user's settings until Numerai publishes them
(`Network.with_addresses`). The devnet's addresses come from the running devnet world.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from eth_utils.address import is_address, to_checksum_address

from numerbay_desktop.core.errors import ConfigurationError, InvalidInput

MAINNET_CHAIN_ID = 1
SEPOLIA_CHAIN_ID = 11155111
DEVNET_CHAIN_ID = 31337

# Numeraire (NMR) on Ethereum mainnet.
MAINNET_NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671"
# Canonical Multicall3: the same address on mainnet, Sepolia and most EVM chains.
CANONICAL_MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


def checksum_address(value: str, what: str = "address") -> str:
    """`value` as an EIP-55 checksummed address, or InvalidInput saying which field is wrong."""
    if not isinstance(value, str) or not is_address(value):
        raise InvalidInput(
            f"The {what} {value!r} is not an Ethereum address (0x and 40 hex digits)."
        )
    checked = str(to_checksum_address(value))
    body = value.removeprefix("0x").removeprefix("0X")
    # eth_utils' is_address no longer checks EIP-55: mixed case must be the exact checksum.
    if body != body.lower() and body != body.upper() and checked[2:] != body:
        raise InvalidInput(f"The {what} {value!r} has a wrong checksum (mixed letter case); "
                           "check it for a typo.")
    return checked


def _optional_address(value: str | None, what: str) -> str | None:
    return None if value is None else checksum_address(value, what)


def _check_rpc_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"The RPC URL {url!r} must start with http:// or https:// and name a host."
        )
    return url


@dataclass(frozen=True, slots=True)
class Network:
    """One chain the app can use. Immutable: derive changed copies with the `with_*` methods."""

    key: str  # "mainnet", "sepolia", "devnet" or "custom"
    name: str  # shown to users
    chain_id: int
    rpc_urls: tuple[str, ...]  # in order of preference; later ones are failovers
    nmr: str | None = None
    staking: str | None = None  # Numerai's Atomic staking contract
    factory: str | None = None  # the vault factory
    multicall3: str | None = None
    is_test_network: bool = False  # play money: no real value moves
    # Latest block older than this (seconds of wall clock) means the node is out of sync.
    # None for chains whose clock is not wall time (the devnet moves its clock at will).
    max_head_age_s: float | None = None
    explorer_url: str | None = None

    def __post_init__(self) -> None:
        if self.chain_id <= 0:
            raise InvalidInput(f"The chain id {self.chain_id} must be a positive number.")
        for url in self.rpc_urls:
            _check_rpc_url(url)
        for field in ("nmr", "staking", "factory", "multicall3"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, checksum_address(value, f"{field} address"))

    def require_factory(self) -> str:
        """The vault factory's address; ConfigurationError where none is published yet."""
        if self.factory is None:
            raise ConfigurationError(
                f"No vault factory is known on {self.name}; set its address in the settings.")
        return self.factory

    def with_rpc_urls(self, *urls: str) -> Network:
        """A copy that uses these RPC URLs, in this order."""
        if not urls:
            raise InvalidInput(f"{self.name} needs at least one RPC URL.")
        return dataclasses.replace(self, rpc_urls=tuple(_check_rpc_url(u) for u in urls))

    def with_addresses(
        self,
        *,
        nmr: str | None = None,
        staking: str | None = None,
        factory: str | None = None,
        multicall3: str | None = None,
    ) -> Network:
        """A copy with the given addresses filled in (None keeps the current one)."""
        return dataclasses.replace(
            self,
            nmr=_optional_address(nmr, "NMR address") or self.nmr,
            staking=_optional_address(staking, "staking address") or self.staking,
            factory=_optional_address(factory, "factory address") or self.factory,
            multicall3=_optional_address(multicall3, "Multicall3 address") or self.multicall3,
        )


MAINNET = Network(
    key="mainnet",
    name="Ethereum mainnet",
    chain_id=MAINNET_CHAIN_ID,
    rpc_urls=(
        "https://ethereum-rpc.publicnode.com",
        "https://eth.llamarpc.com",
        "https://cloudflare-eth.com",
    ),
    nmr=MAINNET_NMR,
    staking=None,  # from settings until published
    factory=None,  # from settings until published
    multicall3=CANONICAL_MULTICALL3,
    max_head_age_s=180.0,
    explorer_url="https://etherscan.io",
)

SEPOLIA = Network(
    key="sepolia",
    name="Sepolia test network",
    chain_id=SEPOLIA_CHAIN_ID,
    rpc_urls=(
        "https://ethereum-sepolia-rpc.publicnode.com",
        "https://rpc.sepolia.org",
    ),
    multicall3=CANONICAL_MULTICALL3,
    is_test_network=True,
    max_head_age_s=180.0,
    explorer_url="https://sepolia.etherscan.io",
)

DEVNET = Network(
    key="devnet",
    name="Devnet (play money)",
    chain_id=DEVNET_CHAIN_ID,
    rpc_urls=("http://127.0.0.1:8545",),
    is_test_network=True,
)

KNOWN_NETWORKS: tuple[Network, ...] = (MAINNET, SEPOLIA, DEVNET)


def network_by_key(key: str) -> Network:
    """A known network by its key ("mainnet", "sepolia", "devnet")."""
    for network in KNOWN_NETWORKS:
        if network.key == key:
            return network
    names = ", ".join(n.key for n in KNOWN_NETWORKS)
    raise InvalidInput(f"Unknown network {key!r}; known networks are {names}, or a custom one.")


def network_by_chain_id(chain_id: int) -> Network | None:
    """The known network with this chain id, if any."""
    return next((n for n in KNOWN_NETWORKS if n.chain_id == chain_id), None)


def devnet(rpc_url: str, **addresses: str | None) -> Network:
    """The devnet at a running anvil's URL, with the addresses its world deployed."""
    return DEVNET.with_rpc_urls(rpc_url).with_addresses(**addresses)


def devnet_from_world(info: Mapping[str, Any]) -> Network:
    """The devnet described by `numerbay devnet up`'s JSON line (or its current.json):
    {"rpc_url", "chain_id", "contracts": {"nmr", "staking", "factory", "multicall3"}}."""
    try:
        rpc_url = str(info["rpc_url"])
        chain_id = int(info.get("chain_id", DEVNET_CHAIN_ID))
        contracts = dict(info.get("contracts") or {})
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("The devnet description lacks its rpc_url or chain_id.") from None
    network = dataclasses.replace(DEVNET, chain_id=chain_id, rpc_urls=(rpc_url,))
    return network.with_addresses(
        **{k: contracts.get(k) for k in ("nmr", "staking", "factory", "multicall3")}
    )


def custom_network(
    chain_id: int,
    rpc_urls: tuple[str, ...] | list[str],
    *,
    name: str | None = None,
    nmr: str | None = None,
    staking: str | None = None,
    factory: str | None = None,
    multicall3: str | None = None,
) -> Network:
    """A network the user describes: any chain id and RPC URLs, addresses as far as known."""
    if not rpc_urls:
        raise InvalidInput("A custom network needs at least one RPC URL.")
    known = network_by_chain_id(chain_id)
    return Network(
        key="custom",
        name=name or f"Custom network (chain {chain_id})",
        chain_id=chain_id,
        rpc_urls=tuple(rpc_urls),
        nmr=nmr,
        staking=staking,
        factory=factory,
        multicall3=multicall3,
        is_test_network=known.is_test_network if known else chain_id != MAINNET_CHAIN_ID,
    )
