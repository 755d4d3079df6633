"""Running one command module as `opsdesk <name>` would, with its streams captured."""

from __future__ import annotations

import argparse
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType

from opsdesk.commands import Command, CommandContext, as_command, local_now
from opsdesk.commands.console import Console
from opsdesk.config import Profile
from tests.operations.conftest import db_path, queues  # noqa: F401  (fixtures, used by name)


class Terminal(io.StringIO):
    """Typed answers from an operator at a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run_command(
    module: ModuleType,
    *argv: str,
    profile: Profile,
    history: Path,
    stdin: str | None = None,
    now: datetime | None = None,
) -> Ran:
    """`opsdesk <module.NAME> argv...`; `stdin` given: typed at a terminal."""
    command: Command = as_command(module)
    parser = argparse.ArgumentParser(prog=f"opsdesk {command.NAME}")
    command.add_arguments(parser)
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    terminal = Terminal(stdin) if stdin is not None else io.StringIO()
    context = CommandContext(
        profile=lambda: profile,
        db_path=history,
        log_file=None,
        console=Console(out, err, terminal),
        now=(lambda: now) if now is not None else local_now,
    )
    code = command.run(args, context)
    return Ran(code, out.getvalue(), err.getvalue())
