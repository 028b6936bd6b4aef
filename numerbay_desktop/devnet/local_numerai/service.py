"""The local Numerai as one object: tournament, GraphQL server and, with a chain, staking.

    with LocalNumerai(seed=0) as numerai:                  # tournament data only
        numerai.url, numerai.api_keys()
    with LocalNumerai.on_chain(w3, staking, signer_key, operator_key) as numerai:
        ...                                                 # + v3 staking, chain time
        snap = numerai.snapshot(); ...; numerai.restore(snap)   # with evm_snapshot/evm_revert

On a chain the tournament's clock is the latest block's timestamp, so moving anvil's clock
moves the rounds; every request first lets the round driver open and resolve what is due.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from numerbay_desktop.devnet.local_numerai.round_driver import DriverSnapshot, RoundDriver
from numerbay_desktop.devnet.local_numerai.server import LocalNumeraiServer
from numerbay_desktop.devnet.local_numerai.tournament import Tournament


class LocalNumerai:
    def __init__(
        self,
        seed: int = 0,
        *,
        tournament: Tournament | None = None,
        desk: Any | None = None,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.tournament = tournament or Tournament(seed=seed)
        self.desk = desk
        self.driver = RoundDriver(self.tournament, desk) if desk is not None else None
        self.server = LocalNumeraiServer(
            self.tournament, desk=desk, driver=self.driver, clock=clock, host=host, port=port
        )

    @classmethod
    def on_chain(
        cls,
        w3: Any,
        staking_address: str,
        signer_key: bytes,
        operator_key: bytes,
        *,
        seed: int = 0,
        tournament: Tournament | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> LocalNumerai:
        from numerbay_desktop.devnet.local_numerai.staking_desk import StakingDesk

        desk = StakingDesk(w3, staking_address, signer_key, operator_key)

        def chain_time() -> float:
            return float(w3.eth.get_block("latest")["timestamp"])

        return cls(seed, tournament=tournament, desk=desk, clock=chain_time, host=host, port=port)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> str:
        return self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> LocalNumerai:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def tick(self) -> None:
        """Open and resolve whatever is due at the current time (requests do this too)."""
        if self.driver is not None:
            self.driver.tick(int(self.server.clock()))

    def api_keys(self) -> list[dict[str, Any]]:
        """The demo accounts' keys (local play money only)."""
        return [
            {
                "username": account.username,
                "name": key.name,
                "public_id": key.public_id,
                "secret": key.secret,
                "scopes": list(key.scopes),
                "models": [m.name for m in self.tournament.models_of(account.username)],
            }
            for account in self.tournament.accounts
            for key in account.api_keys
        ]

    def snapshot(self) -> DriverSnapshot | None:
        """The simulator's mutable state (the tournament itself is a pure function of time)."""
        return self.driver.snapshot() if self.driver is not None else None

    def restore(self, snap: DriverSnapshot | None) -> None:
        if self.driver is not None and snap is not None:
            self.driver.restore(snap)
        self.server.forget_tick()
