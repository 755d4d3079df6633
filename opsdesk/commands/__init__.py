"""The command line's subcommands: one module each, all with one interface.

A command module defines:

- `NAME` (str): the subcommand, e.g. "move";
- `HELP` (str): one line for `opsdesk --help`;
- `add_arguments(parser: argparse.ArgumentParser) -> None`: its own options (the common
  ones, --url --profile --config --db -v, are added by cli.py);
- `run(args: argparse.Namespace, context: CommandContext) -> int`: the exit code.

`opsdesk.commands.registry.COMMANDS` lists them in the order `opsdesk --help` shows.

A command module imports nothing heavy at import time (cli.py imports every one to build
the parser) and never Qt: only `gui` reaches for Qt, inside its `run`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

from opsdesk.commands.console import Console
from opsdesk.config import Profile


def local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What every command gets besides its options."""

    profile: Callable[[], Profile]  # resolved on first use: a bad profile is the command's error
    db_path: Path  # --db, else the history in the user's data folder
    log_file: Path | None  # where tracebacks go
    console: Console = field(default_factory=Console)  # stdout, stderr, stdin unless tests'
    now: Callable[[], datetime] = local_now  # what "2h ago" counts from


class Command(Protocol):
    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, context: CommandContext) -> int: ...


def as_command(module: ModuleType) -> Command:
    """A command module, checked to have the four names the interface asks for."""
    missing = [n for n in ("NAME", "HELP", "add_arguments", "run") if not hasattr(module, n)]
    if missing:
        raise TypeError(f"{module.__name__} is not a command: it lacks {', '.join(missing)}")
    return cast(Command, module)
