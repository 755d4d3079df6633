"""Field paths (JSON pointer and dotted) and AMQP topic patterns, the parts mappings stand on."""

import re

import pytest

from opsdesk.events.fieldpath import MISSING, parse_path, resolve
from opsdesk.events.topics import compile_topic, topic_matches

DOC = {
    "a": {"b": [{"c": 1}, {"c": None}], "x.y": "dotted key", "": "empty key"},
    "m~n": {"p/q": "escaped"},
    "list": [10, 20, 30],
    "0": "key zero",
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/a/b/0/c", 1),
        ("a.b[0].c", 1),
        ("$.a.b[0].c", 1),
        ("a.b.0.c", 1),
        ("/a/b/1/c", None),
        ("a.b[1].c", None),
        ("/m~0n/p~1q", "escaped"),
        ('a["x.y"]', "dotted key"),
        ("a['x.y']", "dotted key"),
        ("/a/", "empty key"),
        ("/list/2", 30),
        ("list[1]", 20),
        ("/0", "key zero"),
        ("$[0]", "key zero"),  # on an object an index reads the key of that name
        ("/list/3", MISSING),
        ("/list/-", MISSING),
        ("/list/01", MISSING),  # RFC 6901: no leading zeros
        ("/list/x", MISSING),
        ("a.b[0].c.d", MISSING),
        ("nowhere", MISSING),
    ],
)
def test_paths_resolve(path, value):
    found = resolve(parse_path(path), DOC)
    assert found is value if value is MISSING or value is None else found == value


def test_missing_is_not_null():
    assert resolve(parse_path("a.b[1].c"), DOC) is None
    assert resolve(parse_path("a.b[1].d"), DOC) is MISSING


def test_dotted_and_pointer_forms_compile_to_the_same_steps():
    assert parse_path("a.b[0].c") == parse_path("/a/b/0/c") == ("a", "b", "0", "c")
    assert parse_path("$[2]") == ("2",)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("", "the path is empty"),
        ("   ", "the path is empty"),
        ("$", "the path names no field"),
        ("a.", "empty name at offset 2"),
        ("a[", "'[' at offset 1 must open"),
        ('a["x]', "'[' at offset 1 must open"),
        ("/a~", "'~' at offset 2 must be followed by 0 or 1"),
        ("x" * 513, "longer than 512"),
    ],
)
def test_bad_paths_say_what_is_wrong(path, error):
    with pytest.raises(ValueError, match=re.escape(error)):
        parse_path(path)


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("payment.*", "payment.failed", True),
        ("payment.*", "payment", False),
        ("payment.*", "payment.card.failed", False),
        ("payment.#", "payment", True),
        ("payment.#", "payment.card.failed", True),
        ("payment.#", "payments.failed", False),
        ("#.failed", "failed", True),
        ("#.failed", "payment.card.failed", True),
        ("#.failed", "payment.card.failedx", False),
        ("a.#.b", "a.b", True),
        ("a.#.b", "a.x.y.b", True),
        ("a.#.b", "a.x.y.c", False),
        ("#", "", True),
        ("#", "anything.at.all", True),
        ("*", "", True),
        ("a.b", "a.b", True),
        ("a.b", "aXb", False),  # the dot is literal, not a regex wildcard
        ("a+b.(c)", "a+b.(c)", True),
    ],
)
def test_topic_patterns_match_as_a_topic_exchange_does(pattern, key, matches):
    assert topic_matches(compile_topic(pattern), key) is matches


def test_repeated_hashes_do_not_backtrack_forever():
    compiled = compile_topic("#.#.#.#.#.#.#.#.x")
    assert topic_matches(compiled, ".".join(["w"] * 100)) is False
    assert topic_matches(compiled, "a.b.x") is True


@pytest.mark.parametrize("pattern", ["pay*", "a.#b", "a.**"])
def test_wildcards_inside_words_are_rejected(pattern):
    with pytest.raises(ValueError, match="must stand alone between dots"):
        compile_topic(pattern)
