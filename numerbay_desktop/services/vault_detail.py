"""One vault for the model page: its state, fee ladder, a pending schedule change with its
ETA, and the exit queue, pinned at one block in three requests (the state and both
schedules; the queue's lot ids; the queued lots).

    detail = await VaultDetailService(client).load(vault, lens=snapshot.lens)
    detail.pending            # PendingSchedule(tiers, commitments, eta) or None
    detail.exit_queue         # QueuedExit(position, lot_id, owner, exit_seq, final, value)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.errors import CallReverted
from numerbay_desktop.core.portfolio import LotState
from numerbay_desktop.services.models import CommitmentOption, TierTerms

MAX_QUEUE_SHOWN = 200


@dataclass(frozen=True)
class PendingSchedule:
    tiers: tuple[TierTerms, ...]
    commitments: tuple[CommitmentOption, ...]
    eta: int  # when anyone may activate it (seconds since the epoch)


@dataclass(frozen=True)
class QueuedExit:
    position: int  # in the exit queue, from its head
    lot_id: int
    owner: str
    exit_seq: int  # the lot stays exposed through this sequence
    final: bool  # its value is fixed; fulfil() pays it when idle NMR covers it
    value: int  # wei


@dataclass(frozen=True)
class VaultDetail:
    vault: str
    block_number: int
    info: dict[str, Any]  # VaultLens.vault_info by field name
    tiers: tuple[TierTerms, ...]
    commitments: tuple[CommitmentOption, ...]
    pending: PendingSchedule | None
    exit_queue: tuple[QueuedExit, ...]
    queue_truncated: bool  # more than MAX_QUEUE_SHOWN requests wait


def _schedule(value: Any) -> tuple[tuple[TierTerms, ...], tuple[CommitmentOption, ...]]:
    tiers, commitments = value[0], value[1]
    return (
        tuple(TierTerms(int(a), int(b), int(c)) for a, b, c in tiers),
        tuple(CommitmentOption(int(a), int(b)) for a, b in commitments),
    )


def _ok(value: Any) -> Any:
    if isinstance(value, CallReverted):
        raise value
    return value


class VaultDetailService:
    def __init__(self, client: ChainClient) -> None:
        self.client = client
        self.lens_abi = ContractAbi.load("VaultLens")
        self.vault_abi = ContractAbi.load("NumerBayVault")
        self.factory_abi = ContractAbi.load("VaultFactory")

    async def load(self, vault: str, *, lens: str | None = None) -> VaultDetail:
        vault = str(to_checksum_address(vault))
        if lens is None:  # the vault's factory knows its lens
            factory = await self.client.read(self.vault_abi.at(vault).read("factory"))
            lens = str(await self.client.read(self.factory_abi.at(str(factory)).read("lens")))
        contract = self.lens_abi.at(lens)
        info_read = contract.read("vault_info", vault)
        session, values = await self.client.pin_and_read([
            info_read, contract.read("schedule", vault), contract.read("pending_schedule", vault),
        ])
        info = dict(zip(info_read.function.output_fields, _ok(values[0]), strict=True))
        tiers, commitments = _schedule(_ok(values[1]))
        pending_raw = _ok(values[2])
        pending = None
        if int(pending_raw[2]):
            p_tiers, p_commitments = _schedule(pending_raw)
            pending = PendingSchedule(p_tiers, p_commitments, int(pending_raw[2]))
        head, length = int(info["queue_head"]), int(info["queue_length"])
        shown = min(length, MAX_QUEUE_SHOWN)
        bound = self.vault_abi.at(vault)
        lot_ids = await session.read_many([bound.read("queue_at", head + i) for i in range(shown)])
        lot_reads = [contract.read("lot", vault, int(i)) for i in lot_ids]
        queue = []
        for position, (read, value) in enumerate(
            zip(lot_reads, await session.read_many(lot_reads), strict=True)
        ):
            lot = dict(zip(read.function.output_fields, value, strict=True))
            queue.append(QueuedExit(
                position, int(lot["lot_id"]), str(lot["owner"]), int(lot["exit_seq"]),
                LotState.from_code(int(lot["state"])) is LotState.FINAL, int(lot["value"]),
            ))
        return VaultDetail(vault, session.block_number, info, tiers, commitments, pending,
                           tuple(queue), length > shown)
