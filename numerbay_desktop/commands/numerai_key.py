"""`numerbay numerai-key ...`: save, show, check and delete the Numerai API key.

The key goes to the system keyring when a secure one exists, else to a password-encrypted
file in the data folder; every verb says which. The secret comes from a hidden prompt or from
`--secret-file F` (its first line: the secret, or Numerai's `PUBLIC_ID$SECRET` token) and is
never printed. `--check` asks Numerai (the settings' API URL, or `--numerai-url`) which scopes
the key has and says what works with them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from numerbay_desktop.core.errors import InvalidInput

if TYPE_CHECKING:
    from numerbay_desktop.wallet.api_key_scopes import ScopeReport
    from numerbay_desktop.wallet.api_keys import ApiKeyStore, NumeraiApiKey

API_TOKENS_QUERY = "query { account { username apiTokens { name public_id scopes } } }"


def register(nouns: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    noun = nouns.add_parser(
        "numerai-key", help="the Numerai API key (system keyring or encrypted file)"
    )
    verbs = noun.add_subparsers(dest="verb", metavar="VERB", required=True)

    save = verbs.add_parser("set", help="save the API key (replaces the profile's key)")
    _profile_option(save)
    save.add_argument("--public-id", metavar="ID", help="the key's public id (default: prompt)")
    save.add_argument("--secret-file", metavar="FILE",
                      help="file whose first line is the secret or PUBLIC_ID$SECRET "
                           "(default: hidden prompt)")
    save.add_argument("--file", action="store_true",
                      help="keep it in an encrypted file even when a system keyring exists")
    _password_option(save)
    _check_options(save)
    save.set_defaults(handler=numerai_key_set)

    show = verbs.add_parser("show", help="where the key is and, with --check, its scopes")
    _profile_option(show)
    _password_option(show)
    _check_options(show)
    show.add_argument("--json", action="store_true", help="one JSON object on stdout")
    show.set_defaults(handler=numerai_key_show)

    listing = verbs.add_parser("list", help="the saved keys, one line per profile")
    listing.set_defaults(handler=numerai_key_list)

    delete = verbs.add_parser("delete", help="remove the key from the keyring or its file")
    _profile_option(delete)
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=numerai_key_delete)


def _profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="default",
                        help="which key: 'default' or e.g. one per owner account")


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-file", metavar="FILE",
                        help="password of the encrypted file, first line of FILE (for scripts)")


def _check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="ask Numerai for the key's scopes and say what works")
    parser.add_argument("--numerai-url", metavar="URL",
                        help="Numerai API URL (default: the one in the settings)")


def _store(args: argparse.Namespace, *, prefer_file: bool = False) -> ApiKeyStore:
    from numerbay_desktop.wallet.api_keys import ApiKeyStore

    return ApiKeyStore(Path(args.data_dir), prefer_file=prefer_file)


# --------------------------------------------------------------------------- verbs


def numerai_key_set(args: argparse.Namespace) -> int:
    from numerbay_desktop.commands.secrets_input import ask_password

    store = _store(args, prefer_file=args.file)
    key = _read_key(args)
    password = None
    if store.needs_password():
        print(f"The key will be kept {store.where()}.", file=sys.stderr)
        password = ask_password(args.password_file, confirm=True,
                                prompt="Password for the key file: ")
    info = store.save(args.profile, key, password)
    print(f"Saved the Numerai API key {info.public_id} (profile '{info.profile}') {info.where}.")
    if args.check:
        _print_report(check_scopes(_numerai_url(args), key))
    return 0


def numerai_key_show(args: argparse.Namespace) -> int:
    store = _store(args)
    info = store.info(args.profile)
    result: dict[str, Any] = {
        "profile": info.profile, "public_id": info.public_id, "backend": str(info.backend),
        "where": info.where,
    }
    report = None
    if args.check:
        report = check_scopes(_numerai_url(args), _load(store, args))
        result.update({
            "scopes": list(report.scopes) if report.scopes is not None else None,
            "features": {f.name: f.available for f in report.features},
            "summary": report.summary,
        })
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"Profile:   {info.profile}")
    print(f"Public id: {info.public_id}")
    print(f"Kept:      {info.where}")
    if report is not None:
        _print_report(report)
    return 0


def numerai_key_list(args: argparse.Namespace) -> int:
    store = _store(args)
    profiles = store.profiles()
    if not profiles:
        print("No Numerai API key saved yet. Save one with `numerbay numerai-key set`.")
    for profile in profiles:
        info = store.info(profile)
        print(f"{profile:<20} {info.public_id}  {info.where}")
    return 0


def numerai_key_delete(args: argparse.Namespace) -> int:
    store = _store(args)
    info = store.info(args.profile)
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput("No terminal to confirm the deletion; add --yes.")
        answer = input(f"Delete the Numerai API key {info.public_id} ({info.where})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    store.delete(args.profile)
    print(f"Deleted the Numerai API key of profile '{info.profile}'.")
    return 0


# --------------------------------------------------------------------------- helpers


def check_scopes(api_url: str, key: NumeraiApiKey) -> ScopeReport:
    """Ask Numerai which scopes `key` has (one authenticated query) and describe them."""
    import asyncio

    from numerbay_desktop.numerai.client import NumeraiClient
    from numerbay_desktop.wallet.api_key_scopes import describe_scopes, scopes_of_key

    public_id, secret = key.credentials()
    client = NumeraiClient(api_url, public_id=public_id, secret=secret, timeout=20)
    del secret
    try:
        data = asyncio.run(client.query(API_TOKENS_QUERY, auth=True))
    finally:
        client.close()
    return describe_scopes(scopes_of_key(data.get("account"), key.public_id))


def _print_report(report: ScopeReport) -> None:
    scopes = ", ".join(report.scopes) if report.scopes else "(none listed)"
    print(f"Scopes:    {scopes}")
    print(report.summary)
    for feature in report.features:
        print(f"  [{'x' if feature.available else ' '}] {feature.explanation}")


def _read_key(args: argparse.Namespace) -> NumeraiApiKey:
    from numerbay_desktop.commands.secrets_input import read_secret_file
    from numerbay_desktop.wallet.api_keys import NumeraiApiKey

    if args.secret_file:
        secret = read_secret_file(args.secret_file, "secret")
    elif sys.stdin.isatty():
        secret = getpass.getpass("Numerai API secret (hidden): ")
    else:
        raise InvalidInput("No terminal to ask for the secret; use --secret-file FILE.")
    if "$" in secret:  # Numerai's PUBLIC_ID$SECRET token
        key = NumeraiApiKey.from_token(secret)
        if args.public_id and args.public_id.strip() != key.public_id:
            raise InvalidInput("--public-id differs from the public id in the token.")
        return key
    public_id = args.public_id
    if not public_id:
        if not sys.stdin.isatty():
            raise InvalidInput("Give the key's public id with --public-id ID.")
        public_id = input("Numerai API public id: ")
    return NumeraiApiKey.parse(public_id, secret)


def _load(store: ApiKeyStore, args: argparse.Namespace) -> NumeraiApiKey:
    from numerbay_desktop.commands.secrets_input import ask_password

    password = None
    if store.needs_password(args.profile):
        password = ask_password(args.password_file, prompt="Password for the key file: ")
    return store.load(args.profile, password)


def _numerai_url(args: argparse.Namespace) -> str:
    if args.numerai_url:
        return str(args.numerai_url)
    from numerbay_desktop.store.settings import load_settings

    return load_settings(Path(args.data_dir)).numerai_api_url
