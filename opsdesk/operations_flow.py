"""The shape every headless write command shares: preview, confirm, run with cancel, report.

Without `--yes` a command previews; it then asks on a terminal (typing the count or the queue
name for large operations and purges) and refuses when there is no terminal to ask. Ctrl+C
during a run cancels it cleanly (what was confirmed stays moved, the rest goes back); a second
Ctrl+C interrupts at once. Exit codes: 0 done, 1 refused / failed / not confirmed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from types import FrameType
from typing import Any, TextIO

from opsdesk.operations.audit_trail import outcome_lines
from opsdesk.operations.errors import OperationError
from opsdesk.operations.plan import OperationResult, OutcomeStatus, Plan, Progress
from opsdesk.operations.service import Operations

PREVIEW_ROWS = 20


class Console:
    """The streams a command talks through (parameters so tests can pass their own)."""

    def __init__(
        self, out: TextIO | None = None, err: TextIO | None = None, stdin: TextIO | None = None
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.stdin = stdin or sys.stdin

    def interactive(self) -> bool:
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False


def add_write_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="preview only: show the plan, change nothing"
    )
    parser.add_argument("--yes", action="store_true", help="do it without asking")
    parser.add_argument("--rate-limit", type=float, metavar="MSG_PER_S", help="at most this fast")
    parser.add_argument("--json", action="store_true", help="print the plan/result as JSON")


def run_plan(
    command: str,
    args: argparse.Namespace,
    ops: Operations,
    make_plan: Callable[[], Plan],
    console: Console,
) -> int:
    """Plan, preview, confirm, execute, report; the command's exit code."""
    try:
        plan = make_plan()
    except OperationError as exc:
        console.err.write(f"opsdesk {command}: {exc}\n")
        return 1
    _preview(plan, args, console)
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
    _report(result, args, console)
    return 0 if result.ok and result.audit_id is not None else 1


def _preview(plan: Plan, args: argparse.Namespace, console: Console) -> None:
    if args.json and args.dry_run:
        console.out.write(json.dumps(plan_document(plan), indent=2, default=str) + "\n")
        return
    out = console.err if args.json else console.out
    out.write(f"plan: {plan.describe()}\n")
    if plan.audit_problem:
        out.write(f"  cannot run: {plan.audit_problem}\n")
    for warning in plan.warnings:
        out.write(f"  warning: {warning}\n")
    for guard, count in plan.guards.items():
        out.write(f"  guard {guard}: {count} message(s)\n")
    for item in plan.items[:PREVIEW_ROWS]:
        where = item.destination.describe() if item.destination else "(no destination)"
        why = item.refusal or "; ".join(
            g.detail + (" (overridden)" if g.overridden else "") for g in item.guards
        )
        state = "BLOCKED" if item.blocked else "ok"
        out.write(
            f"  {item.event_id or item.key} -> {where} [{state}]{': ' + why if why else ''}\n"
        )
    if len(plan.items) > PREVIEW_ROWS:
        out.write(f"  ... and {len(plan.items) - PREVIEW_ROWS} more\n")


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


def _report(result: OperationResult, args: argparse.Namespace, console: Console) -> None:
    if args.json:
        console.out.write(json.dumps(result_document(result), indent=2, default=str) + "\n")
    else:
        verb = "cancelled" if result.cancelled else "finished"
        console.out.write(
            f"{verb}: {result.done} done, {result.failed} not done "
            f"({result.outcome}; audit record #{result.audit_id})\n"
        )
        for line in outcome_lines(
            [o for o in result.outcomes if o.status is not OutcomeStatus.DONE]
        ):
            console.out.write(f"  {line}\n")
    for note in result.notes:
        console.err.write(f"note: {note}\n")
    if result.error:
        console.err.write(f"error: {result.error}\n")


def plan_document(plan: Plan) -> dict[str, Any]:
    messages = plan.replay_messages
    return {
        "action": plan.action.value,
        "source": plan.source,
        "destinations": [d.describe() for d in plan.destinations],
        "count": plan.count,
        "count_is_exact": plan.count_is_exact,
        "method": plan.method,
        "warnings": list(plan.warnings),
        "audit_problem": plan.audit_problem,
        "guards": plan.guards,
        "needs_typed_confirmation": plan.needs_typed_confirmation,
        "items": [asdict(item) for item in plan.items],
        "messages": [_message_document(m) for m in messages] if messages else None,
    }


def _message_document(message: Any) -> dict[str, Any]:
    document = asdict(message)
    document["body"] = message.body.decode("utf-8", errors="backslashreplace")
    return document


def result_document(result: OperationResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "done": result.done,
        "not_done": result.failed,
        "examined": result.examined,
        "cancelled": result.cancelled,
        "error": result.error,
        "notes": list(result.notes),
        "audit_id": result.audit_id,
        "outcomes": [asdict(o) for o in result.outcomes],
    }
