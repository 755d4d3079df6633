"""Entry point: `opsdesk` opens the window; subcommands run headless (never importing Qt).

Each subcommand is a module in opsdesk/commands/, listed in opsdesk/commands/registry.py.
This file only builds the parser from them, makes `gui` the default, sets up logging and
turns the failures an operator can fix (a bad profile, URL or history file) into exit codes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from functools import cache

# Nothing else at import time: `collect` commits in a spawned child, and spawn imports the
# parent's main module (this one, or the `opsdesk` script that imports it) into the child
# before it runs anything. With every command imported here that cost the child 0.4 s of
# CPU and 13 MB at each start, for code it never runs.


def build_parser() -> argparse.ArgumentParser:
    from opsdesk import __version__
    from opsdesk.commands.common_options import common_options
    from opsdesk.commands.registry import COMMANDS

    common = common_options()
    parser = argparse.ArgumentParser(
        prog="opsdesk", description="Operations console for payment systems on RabbitMQ"
    )
    parser.add_argument("--version", action="version", version=f"opsdesk {__version__}")
    sub = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        command.add_arguments(sub.add_parser(command.NAME, parents=[common], help=command.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from opsdesk.commands import CommandContext, gui
    from opsdesk.commands.registry import COMMANDS
    from opsdesk.config import ConfigError, default_db_path, log_file, resolve_profile
    from opsdesk.config.endpoint import InvalidBrokerURL
    from opsdesk.log_files import setup_logging
    from opsdesk.store.errors import StoreError

    argv = list(sys.argv[1:] if argv is None else argv)
    names = [command.NAME for command in COMMANDS]
    if not argv or (argv[0] not in names and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, gui.NAME)
    args = build_parser().parse_args(argv)
    setup_logging(log_file(), stderr_level=logging.INFO if args.verbose else logging.WARNING)
    command = COMMANDS[names.index(args.command)]
    context = CommandContext(
        profile=cache(lambda: resolve_profile(args.profile, args.url, args.config)),
        db_path=args.db or default_db_path(),
        log_file=log_file(),
    )
    try:
        return command.run(args, context)
    except (ConfigError, StoreError, InvalidBrokerURL) as exc:
        print(f"opsdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
