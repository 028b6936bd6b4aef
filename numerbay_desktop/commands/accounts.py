"""`numerbay accounts ...`: create, import, watch, export, re-password and delete accounts.

Keys are stored only as encrypted keystores under <data dir>/keystores/. Passwords come
from a hidden prompt or from `--password-file F`; recovery phrases and private keys from a
hidden prompt or `--secret-file F`. Nothing secret is ever printed, except a new account's
recovery phrase, once, to the terminal itself.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from numerbay_desktop.core.errors import InvalidInput


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = nouns.add_parser("accounts", help="keys and watch-only accounts")
    verbs = accounts.add_subparsers(dest="verb", metavar="VERB", required=True)

    listing = verbs.add_parser("list", help="list accounts and the address book")
    listing.set_defaults(handler=accounts_list)

    generate = verbs.add_parser("generate", help="create a new account (HD by default)")
    generate.add_argument("name")
    generate.add_argument("--words", type=int, choices=(12, 24), default=12,
                          help="length of the recovery phrase (default 12)")
    generate.add_argument("--no-mnemonic", action="store_true",
                          help="a random key without a recovery phrase")
    _password_option(generate)
    generate.set_defaults(handler=accounts_generate)

    imp = verbs.add_parser("import", help="import a private key, recovery phrase or keystore")
    imp.add_argument("name")
    imp.add_argument("--keystore", metavar="FILE", help="a keystore v3 file (geth, ape, ...)")
    imp.add_argument("--secret-file", metavar="FILE",
                     help="file holding the private key or recovery phrase (default: prompt)")
    imp.add_argument("--index", type=int, default=0, help="address index of a recovery phrase")
    _password_option(imp)
    imp.set_defaults(handler=accounts_import)

    watch = verbs.add_parser("watch", help="add a watch-only address")
    watch.add_argument("name")
    watch.add_argument("address")
    watch.add_argument("--label", default="")
    watch.set_defaults(handler=accounts_watch)

    export = verbs.add_parser("export", help="write the encrypted keystore to a file")
    export.add_argument("name")
    export.add_argument("--out", required=True, metavar="FILE")
    export.set_defaults(handler=accounts_export)

    change = verbs.add_parser("change-password", help="re-encrypt under a new password")
    change.add_argument("name")
    _password_option(change)
    change.add_argument("--new-password-file", metavar="FILE")
    change.set_defaults(handler=accounts_change_password)

    delete = verbs.add_parser("delete", help="move an account to the trash folder")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=accounts_delete)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-file", metavar="FILE",
                        help="read the password from the first line of FILE (for scripts)")


def _registry(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from numerbay_desktop.wallet.accounts import AccountRegistry

    return AccountRegistry(Path(args.data_dir))


def accounts_list(args: argparse.Namespace) -> int:
    registry = _registry(args)
    records = registry.accounts()
    if not records:
        print("No accounts yet. Create one with `numerbay accounts generate NAME`.")
    for record in records:
        extra = f"  {record.hd_path}" if record.hd_path else ""
        label = f"  ({record.label})" if record.label else ""
        print(f"{record.name:<20} {record.address}  {record.kind:<5}{extra}{label}")
    contacts = registry.contacts()
    if contacts:
        print("\nAddress book:")
        for contact in contacts:
            print(f"{contact.name:<20} {contact.address}  {contact.note}")
    return 0


def accounts_generate(args: argparse.Namespace) -> int:
    from numerbay_desktop.commands.secrets_input import ask_password, show_on_terminal

    password = ask_password(args.password_file, confirm=True, prompt="New password: ")
    record, mnemonic = _registry(args).generate(
        args.name, password, words=None if args.no_mnemonic else args.words
    )
    print(f"Created {record.name}: {record.address}")
    if mnemonic is not None:
        shown = show_on_terminal(
            "\nRecovery phrase (write it down now; it is shown only this once and never "
            f"stored):\n\n    {mnemonic}\n"
        )
        if not shown:
            print("The recovery phrase was not shown because no terminal is attached; "
                  "back up the account with `numerbay accounts export`.", file=sys.stderr)
    return 0


def accounts_import(args: argparse.Namespace) -> int:
    from numerbay_desktop.commands.secrets_input import ask_password, read_secret_file

    registry = _registry(args)
    if args.keystore:
        password = ask_password(args.password_file, prompt="Keystore password: ")
        record = registry.import_keystore(args.name, Path(args.keystore), password)
    else:
        if args.secret_file:
            secret = read_secret_file(args.secret_file, "secret")
        elif sys.stdin.isatty():
            secret = getpass.getpass("Private key or recovery phrase: ")
        else:
            raise InvalidInput("No terminal to ask for the key; use --secret-file FILE.")
        password = ask_password(args.password_file, confirm=True, prompt="New password: ")
        if len(secret.split()) > 1:
            record = registry.import_mnemonic(args.name, secret, password, index=args.index)
        else:
            record = registry.import_private_key(args.name, secret, password)
        del secret
    print(f"Imported {record.name}: {record.address}")
    return 0


def accounts_watch(args: argparse.Namespace) -> int:
    record = _registry(args).watch(args.name, args.address, label=args.label)
    print(f"Watching {record.name}: {record.address}")
    return 0


def accounts_export(args: argparse.Namespace) -> int:
    path = _registry(args).export(args.name, Path(args.out))
    print(f"Wrote the encrypted keystore of {args.name} to {path}")
    return 0


def accounts_change_password(args: argparse.Namespace) -> int:
    from numerbay_desktop.commands.secrets_input import ask_password

    old = ask_password(args.password_file, prompt="Current password: ")
    new = ask_password(args.new_password_file, confirm=True, prompt="New password: ")
    backup = _registry(args).change_password(args.name, old, new)
    print(f"Password changed; the previous keystore is kept at {backup}")
    return 0


def accounts_delete(args: argparse.Namespace) -> int:
    registry = _registry(args)
    record = registry.get(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput("Confirm deletion with --yes when no terminal is attached.")
        answer = input(f"Delete {record.name} ({record.address})? Type the name to confirm: ")
        if answer.strip() != record.name:
            print("Not deleted.")
            return 1
    trashed = registry.delete(args.name)
    where = f"; its keystore is recoverable from {trashed}" if trashed else ""
    print(f"Deleted {record.name}{where}")
    return 0
