"""The selection and destination options of the write commands, read without a broker."""

from __future__ import annotations

import argparse

import pytest

from opsdesk.commands.message_options import (
    add_destination_arguments,
    add_selection_arguments,
    destination_from_args,
    selection_from_args,
)
from opsdesk.operations.plan import Destination


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_selection_arguments(parser)
    add_destination_arguments(parser, required=False)
    return parser.parse_args(argv)


@pytest.mark.parametrize(("age", "seconds"), [("90", 90), ("90s", 90), ("15m", 900), ("1d", 86400)])
def test_older_than_reads_the_duration_grammar_bare_numbers_as_seconds(
    age: str, seconds: float
) -> None:
    assert selection_from_args(parse("--older-than", age)).filter.older_than_s == seconds


def test_an_unreadable_age_or_header_is_an_option_error() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"cannot read age 'soon' \(use 90s"):
        selection_from_args(parse("--older-than", "soon"))
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=VALUE"):
        selection_from_args(parse("--match-header", "=x"))


def test_destination_options() -> None:
    assert destination_from_args(parse()) is None
    assert destination_from_args(parse("--to-queue", "q")) == Destination.queue("q")
    assert destination_from_args(parse("--to-exchange", "x", "--routing-key", "k")) == Destination(
        "x", "k"
    )
    with pytest.raises(argparse.ArgumentTypeError, match="--routing-key"):
        destination_from_args(parse("--to-exchange", "x"))
