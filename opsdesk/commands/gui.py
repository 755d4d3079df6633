"""`opsdesk gui` (and plain `opsdesk`): the window. The one command that reaches for Qt."""

from __future__ import annotations

import argparse

from opsdesk.commands import CommandContext

NAME = "gui"
HELP = "open the window (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="run the simulator beside the window")


def run(args: argparse.Namespace, context: CommandContext) -> int:
    # Imported here so that building the parser, and every other command, stays free of Qt.
    from opsdesk.ui.app import run_gui

    return run_gui(context.profile(), context.db_path, demo=args.demo, log_file=context.log_file)
