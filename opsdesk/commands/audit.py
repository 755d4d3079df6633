"""`opsdesk audit list` and `opsdesk audit verify`: read and check the audit trail, headless."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TextIO

from opsdesk.commands import CommandContext
from opsdesk.commands.common_options import common_options
from opsdesk.store.audit import AuditLog
from opsdesk.store.errors import StoreError

NAME = "audit"
HELP = "list or verify the audit log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`list` and `verify` under `parser`; each takes the common options too (--db, ...)."""
    common = [common_options(under_a_subcommand=True)]
    sub = parser.add_subparsers(dest="audit_command", required=True)
    listing = sub.add_parser("list", parents=common, help="the newest audit records")
    listing.add_argument("--json", action="store_true", help="JSON Lines, one record per line")
    listing.add_argument("--limit", type=int, default=50, metavar="N")
    listing.add_argument("--action", metavar="ACTION", help="move, replay, purge, export, ...")
    listing.add_argument("--since", metavar="TIME", help="UTC ISO-8601")
    sub.add_parser(
        "verify",
        parents=common,
        help="check the hash chain; non-zero exit when it is broken",
    )


def run(args: argparse.Namespace, context: CommandContext) -> int:
    """list: 0; verify: 0 intact, 1 broken (naming the first bad record); 2 no history file."""
    out, err = context.console.out, context.console.err
    try:
        with AuditLog(context.db_path, readonly=True) as audit:
            if args.audit_command == "verify":
                return _verify(audit, out, err)
            records = audit.records(args.limit, action=args.action, since=args.since)
    except StoreError as exc:
        err.write(f"opsdesk audit: {exc}\n")
        return 2
    for record in records:
        if args.json:
            out.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        else:
            ids = ", ".join(record.message_ids[:5])
            more = f" (+{len(record.message_ids) - 5})" if len(record.message_ids) > 5 else ""
            out.write(
                f"#{record.id} {record.at} {record.operator} {record.action} "
                f"{record.source or '-'} -> {record.destination or '-'} count={record.count} "
                f"{record.outcome} [{ids}{more}]\n"
            )
    return 0


def _verify(audit: AuditLog, out: TextIO, err: TextIO) -> int:
    result = audit.verify()
    if result.ok:
        out.write(f"audit log intact: {result.checked} record(s) verified\n")
        return 0
    err.write(
        f"opsdesk audit verify: FAILED at record #{result.first_bad_id}: {result.problem} "
        f"({result.checked} record(s) before it verified)\n"
    )
    return 1
