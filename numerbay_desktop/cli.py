"""`numerbay`: the app's use cases without a window, as noun-verb commands.

Each noun lives in its own module under `numerbay_desktop/commands/` and registers its verbs
here. Those modules import heavy libraries inside their handlers so `numerbay --help` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from numerbay_desktop import __version__
from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.store.datadir import ensure_data_dir, resolve_data_dir

# One module per noun; each defines `register(subparsers)`.
COMMAND_MODULES = (
    "numerbay_desktop.commands.devnet",
    "numerbay_desktop.commands.accounts",
    "numerbay_desktop.commands.tx",
    "numerbay_desktop.commands.simulator",
    "numerbay_desktop.commands.keeper",
    "numerbay_desktop.commands.numerai_key",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numerbay",
        description="NumerBay Desktop without a window: "
        "devnet, simulator, accounts, transactions, keeper.",
    )
    parser.add_argument("--version", action="version", version=f"numerbay {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder for all state (settings, keystores, caches, devnet); "
        "default: $NUMERBAY_DATA_DIR, else the platform's user data folder",
    )
    nouns = parser.add_subparsers(dest="noun", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            continue  # a noun not built yet
        module.register(nouns)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0 if args.noun is None else 2
    args.data_dir = ensure_data_dir(resolve_data_dir(args.data_dir))
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s"
    )
    try:
        return int(args.handler(args) or 0)
    except NumerbayError as error:
        print(f"numerbay: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
