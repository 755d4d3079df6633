"""The one path every headless write command takes: read options, plan, preview, confirm,
run with cancel, report.

Without `--yes` a command previews; it then asks on a terminal (typing the count or the queue
name for large operations and purges) and refuses when there is no terminal to ask. Ctrl+C
during a run cancels it cleanly (what was confirmed stays moved, the rest goes back); a second
Ctrl+C interrupts at once. Exit codes: 0 done, 1 refused / failed / not confirmed, 2 an option
that cannot be read.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from opsdesk.commands import CommandContext
from opsdesk.commands.console import Console
from opsdesk.commands.write_report import preview, report
from opsdesk.operations.errors import OperationError
from opsdesk.operations.plan import OperationResult, Plan, Progress
from opsdesk.operations.service import Operations

PlanMaker = Callable[[Operations], Plan]
# What a command does once its result is reported (replay --follow waits for outcomes).
AfterRun = Callable[[OperationResult, argparse.Namespace, Console], None]
# A write command's own part: its options read into what makes its plan. ArgumentTypeError or
# ValueError for options that cannot be read (exit 2, before the profile is even resolved).
OptionReader = Callable[[argparse.Namespace, CommandContext], PlanMaker]


def add_write_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="preview only: show the plan, change nothing"
    )
    parser.add_argument("--yes", action="store_true", help="do it without asking")
    parser.add_argument("--rate-limit", type=float, metavar="MSG_PER_S", help="at most this fast")
    parser.add_argument("--json", action="store_true", help="print the plan/result as JSON")


def run_write(
    command: str,
    args: argparse.Namespace,
    context: CommandContext,
    read_options: OptionReader,
    after: AfterRun | None = None,
) -> int:
    """`opsdesk <command>` from its options to its exit code."""
    console = context.console
    try:
        make_plan = read_options(args, context)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        console.err.write(f"opsdesk {command}: {exc}\n")
        return 2
    ops = Operations(context.profile(), context.db_path)
    return _run_plan(command, args, ops, lambda: make_plan(ops), console, after)


def _run_plan(
    command: str,
    args: argparse.Namespace,
    ops: Operations,
    make_plan: Callable[[], Plan],
    console: Console,
    after: AfterRun | None = None,
) -> int:
    """Plan, preview, confirm, execute, report; the command's exit code."""
    try:
        plan = make_plan()
    except OperationError as exc:
        console.err.write(f"opsdesk {command}: {exc}\n")
        return 1
    preview(plan, args, console)
    if args.dry_run:
        return 0
    if plan.audit_problem and not ops.profile.read_only:
        # Audit first: not asked, not run (execute would refuse it too, by trying).
        console.err.write(
            f"opsdesk {command}: not done: {plan.audit_problem}, so nothing was touched\n"
        )
        return 1
    if not ops.profile.read_only and not args.yes and not _confirmed(command, plan, console):
        return 1
    cancel = threading.Event()
    try:
        with _ctrl_c_cancels(cancel):
            result = ops.execute(
                plan, on_progress=_progress(console), cancel=cancel, rate_limit=args.rate_limit
            )
    except OperationError as exc:
        console.err.write(f"opsdesk {command}: {exc}\n")
        return 1
    report(result, args, console)
    if after is not None:
        after(result, args, console)
    return 0 if result.ok and result.audit_id is not None else 1


def _confirmed(command: str, plan: Plan, console: Console) -> bool:
    if not console.interactive():
        console.err.write(
            f"opsdesk {command}: not done: this was a preview; pass --yes to run it "
            "(no terminal to ask for confirmation)\n"
        )
        return False
    if plan.needs_typed_confirmation:
        console.err.write(f"type {plan.confirmation_text!r} to confirm: ")
        console.err.flush()
        ok = console.stdin.readline().strip() == plan.confirmation_text
    else:
        console.err.write("proceed? [y/N] ")
        console.err.flush()
        ok = console.stdin.readline().strip().lower() in ("y", "yes")
    if not ok:
        console.err.write(f"opsdesk {command}: not confirmed; nothing was done\n")
    return ok


def _progress(console: Console) -> Callable[[Progress], None] | None:
    if not console.interactive():
        return None

    def show(progress: Progress) -> None:
        console.err.write(
            f"\r{progress.done} done, {progress.failed} not done, "
            f"{progress.examined} examined of {progress.total}   "
        )
        console.err.flush()

    return show


@contextmanager
def _ctrl_c_cancels(cancel: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
