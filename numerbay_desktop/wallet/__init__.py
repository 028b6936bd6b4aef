"""Keys and signing: no Qt, no network (enforced by import-linter).

Modules, and what the app calls in them:

* `keystore`  keystore v3 files per alias (`KeystoreDir`), `decrypt_keystore`, `encrypt_key`,
  `WrongPassword`, `wipe(bytearray)`.
* `hd`        BIP39/BIP44: `generate_mnemonic`, `validate_mnemonic`, `discover_addresses`,
  `derive_private_key`, `ExtendedPublicKey` (watch-only derivation).
* `accounts`  `AccountRegistry(data_dir)`: hot and watch-only accounts, labels, address book.
* `signer`    `TxFields`, `sign_transaction`, `sign_message`, `sign_typed_data`,
  `decode_signed`, `signing_hash`, recoveries.
* `calldata`  `AbiRegistry` / `ContractInfo`: decoded calls and deterministic summaries.
* `offline`   sign-request / sign-response envelopes (`build_request`, `parse_request`,
  `review_request`, `sign_request`, `parse_response`).
* `offline_qr` envelopes as animated-QR UR text, and ERC-4527 per-item requests.
* `ur`, `fountain`  BC-UR (bytewords, multipart with fountain code), ERC-4527 CBOR types,
  QR frames with segno.

Everything is synchronous. Unlocking, creating and re-encrypting keystores run scrypt at
n=2**18 (about a second): call them from a worker thread, never on the Qt event loop.
Private keys travel as `bytearray`; whoever unlocks one wipes it with `keystore.wipe`.
"""
