"""A demo approval-plus-deposit request for the offline signing page, built without a chain
(fixed nonces, fees and devnet addresses): used by the offline subprocess session and the tour.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from numerbay_desktop.chain.networks import DEVNET, Network
from numerbay_desktop.ui.pages.offline_signing import OfflineSigningPage
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.keystore import ScryptParams, address_of_key
from numerbay_desktop.wallet.offline import SignRequest, build_request, transaction_item
from numerbay_desktop.wallet.signer import TxFields

KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
OWNER = address_of_key(KEY)
NMR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
PASSWORD = "offline only"
NETWORK: Network = DEVNET.with_addresses(nmr=NMR)
WAD = 10**18


def configure(page: OfflineSigningPage, data_dir: Path) -> AccountRegistry:
    """The page on the demo network, with the demo key imported as the account "cold"."""
    page.configure(data_dir=data_dir, network=NETWORK, names={VAULT: "Vault model-0"})
    accounts = AccountRegistry(data_dir, scrypt=ScryptParams(n=2**12, r=8, p=1))
    if accounts.find_by_address(OWNER) is None:
        accounts.import_private_key("cold", KEY, PASSWORD)
    return accounts


def demo_request(page: OfflineSigningPage, amount: int = 10 * WAD) -> SignRequest:
    registry = page.registry_for(NETWORK.chain_id)
    approve = bytes.fromhex("095ea7b3") + bytes(12) + bytes.fromhex(VAULT[2:]) + (
        amount.to_bytes(32, "big"))
    deposit = bytes.fromhex("2505c3d9") + b"".join(
        n.to_bytes(32, "big") for n in (amount, 0, 10_000, 10_000))
    fees = {"gas": 200_000, "max_fee_per_gas": 2 * 10**9, "max_priority_fee_per_gas": 10**9}
    items = [
        transaction_item(TxFields(chain_id=NETWORK.chain_id, nonce=n, to=to, value=0, data=data,
                                  **fees), OWNER, registry)
        for n, (to, data) in enumerate([(NMR, approve), (VAULT, deposit)])
    ]
    return build_request(OWNER, items, chain_id=NETWORK.chain_id)


def lying_request(request: SignRequest) -> SignRequest:
    """The same request, re-sealed with a first summary that understates the approval."""
    liar = dataclasses.replace(request.items[0], summary="Call approve(amount=1 NMR) on NMR")
    return dataclasses.replace(request, items=(liar, *request.items[1:]))
