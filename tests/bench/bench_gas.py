"""Gas of the vault's entry points, with 1 and with 1,000 existing stakers, on anvil.

Honest gas: every figure is a mined transaction's `gasUsed` from its receipt (intrinsic
cost, calldata, cold/warm storage and refunds included), deployed from the bundled
artifacts (resources/contracts). snekmate's ERC-4626 (compiled here from the installed
snekmate 0.1.2) is deployed on the same node over the same token and measured the same way
as the anchor: a deposit by a new account into a vault that already has a depositor.

    python tests/bench/run.py gas      (or `make bench`)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from numerbay_desktop.core import abs as abs_codec  # noqa: E402
from numerbay_desktop.devnet.anvil import Anvil  # noqa: E402
from numerbay_desktop.devnet.deploy import (  # noqa: E402
    VaultSpec,
    create_vaults,
    deploy_core,
)
from numerbay_desktop.devnet.node import ContractCodec, NodeRpc, Tx, load_artifact  # noqa: E402

GOALS = {
    "gas.deposit_ratio_vs_snekmate": ("<=", 2.0),
    "gas.staker_scaling": ("<=", 1.02),
}

WAD = 10**18
DAY = 86_400
SIGNER_KEY = bytes.fromhex("5b" * 32)
STAKERS = 1_000
CHAIN_ID = 31337


class Bench:
    def __init__(self, rpc: NodeRpc, accounts: list[str]) -> None:
        self.rpc = rpc
        self.deployer, self.numerai, self.treasury, self.owner = accounts[:4]
        self.signer = Account.from_key(SIGNER_KEY).address
        self.deployment = deploy_core(rpc, deployer=self.deployer, signer=self.signer,
                                      operator=self.numerai, treasury=self.treasury)
        self.nmr = ContractCodec(load_artifact("MockNMR")["abi"])
        self.staking = ContractCodec(load_artifact("LocalAtomicStaking")["abi"])
        self.vault = ContractCodec(load_artifact("NumerBayVault")["abi"])
        self.next_round = 1343
        self.funded: set[str] = set()

    # -- plumbing ----------------------------------------------------------------------
    def gas(self, sender: str, to: str, data: str, label: str) -> int:
        return int(self.rpc.send([Tx(sender, to, data, label, gas=3_000_000)])[0]["gasUsed"], 16)

    def send_all(self, txs: list[Tx]) -> None:
        for start in range(0, len(txs), 200):
            self.rpc.send(txs[start:start + 200])

    def accounts(self, prefix: int, count: int) -> list[str]:
        addresses = [Account.from_key((prefix * 100_000 + i + 1).to_bytes(32, "big")).address
                     for i in range(count)]
        self.rpc.batch([("anvil_setBalance", [a, hex(10**20)]) for a in addresses])
        return addresses

    def fund_txs(self, account: str, spender: str, amount: int) -> list[Tx]:
        return [
            Tx(account, self.deployment.nmr, self.nmr.encode("mint", account, amount), "mint"),
            Tx(account, self.deployment.nmr, self.nmr.encode("approve", spender, amount),
               "approve"),
        ]

    def now(self) -> int:
        return self.rpc.block_timestamp()

    # -- vault moves -------------------------------------------------------------------
    def create_vault(self, model: str) -> str:
        spec = VaultSpec(owner=self.owner, model_name=model[:8], numerai_model_id=model,
                         tiers=((0, 200, 2_000), (1_000 * WAD, 100, 1_000)),
                         commitments=((0, 0), (30 * DAY, 2_000)), capacity=10**9 * WAD,
                         max_round_bps=2_000, max_at_stake_bps=9_500)
        return create_vaults(self.rpc, self.deployment, [spec])[0]

    def deposit_txs(self, vault: str, account: str, amount: int) -> list[Tx]:
        return [*self.fund_txs(account, vault, amount),
                Tx(account, vault, self.vault.encode("deposit", amount, 0, 10_000, 10_000),
                   "deposit", gas=1_000_000)]

    def deposit(self, vault: str, account: str, amount: int) -> int:
        *funding, deposit = self.deposit_txs(vault, account, amount)
        self.rpc.send(funding)
        return self.gas(deposit.sender, vault, deposit.data, "deposit")

    def stake(self, vault: str, model: str, amount: int) -> tuple[int, int]:
        rid = self.next_round
        self.next_round += 1
        now = self.now()
        self.rpc.send([Tx(self.numerai, self.deployment.staking, self.staking.encode(
            "create_round", rid, 8, now - 10, now + DAY), "create round")])
        nonce = self.staking.decode_one("nonces", self.rpc.eth_call(
            self.deployment.staking, self.staking.encode("nonces", vault)))
        authorization = abs_codec.StakeAuthorization(
            tournament_id=8, round_id=rid, staker=vault,
            model_id=abs_codec.model_id_bytes32(model), submission_hash=b"\x11" * 32,
            max_amount=amount, nonce=nonce, deadline=now + DAY)
        signature = abs_codec.sign_authorization(
            SIGNER_KEY, authorization, chain_id=CHAIN_ID,
            verifying_contract=self.deployment.staking)
        data = self.vault.encode("stake_round", authorization.as_tuple(), amount, signature)
        return rid, self.gas(self.owner, vault, data, "stake_round")

    def settle(self, vault: str, model: str, rid: int, payout: int, burn: int) -> int:
        model_id = abs_codec.model_id_bytes32(model)
        leaves = [abs_codec.leaf(rid, vault, model_id, payout, burn),
                  abs_codec.leaf(rid, self.numerai, b"\x22" * 32, 0, 0)]
        self.rpc.call("evm_increaseTime", [DAY + 1])
        self.rpc.call("evm_mine")
        self.send_all([
            *self.fund_txs(self.numerai, self.deployment.staking, payout),
            Tx(self.numerai, self.deployment.staking, self.staking.encode(
                "resolve_round", rid, abs_codec.merkle_root(leaves), payout, burn),
               "resolve round")])
        data = self.vault.encode("settle_round", rid, payout, burn,
                                 abs_codec.merkle_proof(leaves, 0))
        return self.gas(self.owner, vault, data, "settle_round")

    def call(self, vault: str, sender: str, name: str, *args: Any) -> int:
        return self.gas(sender, vault, self.vault.encode(name, *args), name)

    # -- scenarios ---------------------------------------------------------------------
    def lifecycle(self, model: str, existing: int, prefix: int) -> dict[str, int]:
        """A vault with `existing` stakers; then two new stakers' lives, measured."""
        vault = self.create_vault(model)
        self.deposit(vault, self.owner, 10_000 * WAD)
        rid0, _ = self.stake(vault, model, 100 * WAD)  # registers the vault
        others = self.accounts(prefix, existing)
        txs = [tx for account in others for tx in self.deposit_txs(vault, account, 50 * WAD)]
        self.send_all(txs)
        leaver, finisher = self.accounts(prefix + 1, 2)
        figures = {"deposit": self.deposit(vault, leaver, 100 * WAD)}
        self.deposit(vault, finisher, 100 * WAD)
        rid1, figures["stake_round"] = self.stake(vault, model, 100 * WAD)
        figures["settle_round"] = self.settle(vault, model, rid0, 5 * WAD, 0)  # applies seq 1
        # joined, rounds still open: an exit that waits for its last round (seq 2)
        figures["request_exit"] = self.call(vault, leaver, "request_exit", existing + 2)
        self.settle(vault, model, rid1, 0, 2 * WAD)  # applies seq 2, finishes that exit
        figures["claim"] = self.call(vault, leaver, "claim")
        # nothing staked since: an exit final at once, left for fulfill() to finish
        self.call(vault, finisher, "request_exit", existing + 3)
        figures["fulfill_per_lot"] = self.call(vault, finisher, "fulfill", 1)
        return figures

    def snekmate_deposit(self) -> int:
        bytecode = compile_snekmate_erc4626()
        args = abi_encode(["string", "string", "address", "uint8", "string", "string"],
                          ["Vault", "vNMR", self.deployment.nmr, 0, "Vault", "1"])
        receipt = self.rpc.send([Tx(self.deployer, None, "0x" + bytecode.hex() + args.hex(),
                                    "deploy erc4626", gas=15_000_000)])[0]
        vault = receipt["contractAddress"]
        first, newcomer = self.accounts(30, 2)
        deposit = "0x6e553f65" + abi_encode(["uint256", "address"], [50 * WAD, first]).hex()
        self.rpc.send([*self.fund_txs(first, vault, 50 * WAD), Tx(first, vault, deposit, "d")])
        self.rpc.send(self.fund_txs(newcomer, vault, 100 * WAD))
        data = "0x6e553f65" + abi_encode(["uint256", "address"], [100 * WAD, newcomer]).hex()
        return self.gas(newcomer, vault, data, "erc4626 deposit")


def compile_snekmate_erc4626() -> bytes:
    import snekmate
    from vyper.compiler import compile_from_file_input
    from vyper.compiler.input_bundle import FilesystemInputBundle

    package = Path(next(iter(snekmate.__path__))).resolve()
    bundle = FilesystemInputBundle([package.parent, *[Path(p) for p in sys.path if p]])
    file_input = bundle.load_file(package / "extensions" / "erc4626.vy")
    output = compile_from_file_input(file_input, input_bundle=bundle,
                                     output_formats=["bytecode"])
    return bytes.fromhex(output["bytecode"].removeprefix("0x"))


def run() -> dict[str, dict[str, float]]:
    with Anvil.start(accounts=10, extra_args=["--gas-limit", "60000000"]) as anvil:
        rpc = NodeRpc(anvil.rpc_url)
        accounts = [a for a in rpc.call("eth_accounts")]
        rpc.call("anvil_autoImpersonateAccount", [True])
        bench = Bench(rpc, accounts)
        one = bench.lifecycle("11111111-1111-4111-8111-111111111111", 1, prefix=10)
        many = bench.lifecycle("22222222-2222-4222-8222-222222222222", STAKERS, prefix=20)
        anchor = bench.snekmate_deposit()
    figures: dict[str, float] = {name: float(value) for name, value in one.items()}
    figures["deposit_1000_stakers"] = float(many["deposit"])
    figures["settle_round_1000_stakers"] = float(many["settle_round"])
    figures["snekmate_erc4626_deposit"] = float(anchor)
    figures["deposit_ratio_vs_snekmate"] = round(one["deposit"] / anchor, 3)
    figures["staker_scaling"] = round(max(many[k] / one[k] for k in one), 4)
    print_table(figures)
    return {"gas": figures}


def print_table(figures: dict[str, float]) -> None:
    print(f"{'gas':<28}{'value':>12}")
    for name, value in figures.items():
        shown = f"{value:.3f}" if value < 100 else f"{int(value):,}"
        print(f"{name:<28}{shown:>12}")


if __name__ == "__main__":
    run()
