"""`opsdesk publish-test`: publish one test message, mandatory and confirmed, and say whether
the broker routed it (and where, per the route tracer)."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsdesk.commands import CommandContext
from opsdesk.commands.route import header_option
from opsdesk.commands.write_flow import PlanMaker, add_write_options, run_write
from opsdesk.operations.test_message import MessageDraft

NAME = "publish-test"
HELP = "publish one test message and say whether it was routed, and where"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "One message, marked as a test (message id opsdesk-test-..., header "
        "x-opsdesk-test-message), published mandatory with publisher confirms. Whatever "
        "consumes the queues it reaches receives it like any other message."
    )
    parser.epilog = (
        "exit codes: 0 routed (a queue took it); 1 returned unroutable, refused (read-only "
        "profile, no such exchange), failed or not confirmed; 2 an option that cannot be read"
    )
    parser.add_argument(
        "--exchange", required=True, metavar="E", help='the exchange ("" for the default)'
    )
    parser.add_argument("--routing-key", default="", metavar="K")
    parser.add_argument(
        "--header",
        action="append",
        type=header_option,
        default=[],
        metavar="NAME=VALUE",
        help="a header, a string (repeatable); NAME:=JSON for another type, e.g. n:=2",
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", default="{}", help="the body, as text (default: {})")
    body.add_argument("--body-file", type=Path, metavar="PATH", help="the body, from a file")
    parser.add_argument("--content-type", default="application/json", metavar="TYPE")
    add_write_options(parser)


def run(args: argparse.Namespace, context: CommandContext) -> int:
    return run_write(NAME, args, context, _plan)


def _plan(args: argparse.Namespace, _context: CommandContext) -> PlanMaker:
    if args.body_file is not None:
        try:
            body = args.body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read {args.body_file}: {exc}") from exc
    else:
        body = args.body
    draft = MessageDraft(
        args.exchange, args.routing_key, body, args.content_type, dict(args.header)
    )
    return lambda ops: ops.plan_test_message(draft)
