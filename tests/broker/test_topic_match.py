"""Topic and direct key matching, as RabbitMQ splits and compares keys (pure, no broker)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.broker.topic_match import (
    exact_pattern,
    key_through,
    pattern_matches,
    split_words,
    topic_matches,
    topic_pattern,
)

# RabbitMQ's own routing table for a topic exchange (its test suite's bindings t1..t26,
# re-stated): binding key -> name, then routing key -> the names that match it.
BINDINGS = {
    "t1": "a.b.c", "t2": "a.*.c", "t3": "a.#.b", "t4": "a.b.b.c", "t5": "#", "t6": "#.#",
    "t7": "#.b", "t8": "*.*", "t9": "a.*", "t10": "*.b.c", "t11": "a.#", "t12": "a.#.#",
    "t13": "b.b.c", "t14": "a.b.b", "t15": "a.b", "t16": "b.c", "t17": "", "t18": "*.*.*",
    "t19": "vodka.martini", "t20": "a.b.c", "t21": "*.#", "t22": "#.*.#", "t23": "*.#.#",
    "t24": "#.#.#", "t25": "*", "t26": "#.b.#",
}  # fmt: skip
EXPECTED = {
    "a.b.c": "t1 t2 t5 t6 t10 t11 t12 t18 t20 t21 t22 t23 t24 t26",
    "a.b": "t3 t5 t6 t7 t8 t9 t11 t12 t15 t21 t22 t23 t24 t26",
    "a.b.b": "t3 t5 t6 t7 t11 t12 t14 t18 t21 t22 t23 t24 t26",
    "": "t5 t6 t17 t24",
    "b.c.c": "t5 t6 t18 t21 t22 t23 t24 t26",
    "a.a.a.a.a": "t5 t6 t11 t12 t21 t22 t23 t24",
    "vodka.gin": "t5 t6 t8 t21 t22 t23 t24",
    "vodka.martini": "t5 t6 t8 t19 t21 t22 t23 t24",
    "b.b.c": "t5 t6 t10 t13 t18 t21 t22 t23 t24 t26",
    "nothing.here.at.all": "t5 t6 t21 t22 t23 t24",
    "oneword": "t5 t6 t21 t22 t23 t24 t25",
}


@pytest.mark.parametrize("routing_key", sorted(EXPECTED))
def test_rabbitmqs_topic_table(routing_key: str) -> None:
    matched = {name for name, key in BINDINGS.items() if topic_matches(key, routing_key)}
    assert matched == set(EXPECTED[routing_key].split())


def test_words_keep_empty_ones_but_the_empty_key_has_none() -> None:
    assert split_words("") == ()
    assert split_words(".") == ("", "")
    assert split_words("a..b") == ("a", "", "b")
    assert split_words("a.") == ("a", "")


@pytest.mark.parametrize(
    ("binding_key", "routing_key", "matches"),
    [
        ("a.*.b", "a..b", True),  # `*` is one word, an empty one too
        ("a.#.b", "a..b", True),
        ("a.b", "a..b", False),
        ("*", "", False),  # the empty key has no word for `*`
        ("#", "", True),
        ("", "", True),
        ("", ".", False),
        ("*", ".", False),  # "." is two empty words
        ("*.*", ".", True),
        ("#", "..", True),
        ("a.*", "a.", True),
        ("a", "a.", False),
        ("a.#", "a", True),  # `#` may be no word at all
        ("#.a.#", "a", True),
        ("a*", "ab", False),  # a wildcard is a whole word, never part of one
        ("a*", "a*", True),
        ("*.#.*", "a", False),
        ("*.#.*", "a.b", True),
    ],
)
def test_topic_words(binding_key: str, routing_key: str, matches: bool) -> None:
    assert topic_matches(binding_key, routing_key) is matches


def test_a_direct_binding_key_is_literal() -> None:
    assert pattern_matches(exact_pattern("a.*"), "a.*")
    assert not pattern_matches(exact_pattern("a.*"), "a.b")
    assert not pattern_matches(exact_pattern("#"), "a")


def reference_match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Straight from the definition, recursively: the slow way to be sure."""
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return reference_match(rest, words) or (bool(words) and reference_match(pattern, words[1:]))
    if not words:
        return False
    return (head == "*" or head == words[0]) and reference_match(rest, words[1:])


WORD = st.sampled_from(["a", "b", ""])
KEY = st.lists(WORD, max_size=5).map(".".join)
BINDING_KEY = st.lists(st.sampled_from(["a", "b", "", "*", "#"]), max_size=5).map(".".join)


@given(BINDING_KEY, KEY)
@settings(max_examples=400, deadline=None)
def test_topic_matching_agrees_with_the_definition(binding_key: str, routing_key: str) -> None:
    expected = reference_match(split_words(binding_key), split_words(routing_key))
    assert topic_matches(binding_key, routing_key) is expected


def small_keys() -> list[str]:
    keys = {""}
    for length in range(1, 5):
        keys |= {".".join(words) for words in itertools.product(["a", "b", "", "x"], repeat=length)}
    return sorted(keys)


@given(st.lists(BINDING_KEY, min_size=1, max_size=3))
@settings(max_examples=200, deadline=None)
def test_a_key_through_several_patterns_passes_them_all(binding_keys: list[str]) -> None:
    patterns = [topic_pattern(key) for key in binding_keys]
    found = key_through(patterns)
    if found is not None:
        assert all(pattern_matches(p, found) for p in patterns)
    else:  # none exists among short keys either (patterns of <= 5 words need no longer ones)
        assert not any(all(pattern_matches(p, k) for p in patterns) for k in small_keys())


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([topic_pattern("a.#"), topic_pattern("#.b")], "a.b"),
        ([topic_pattern("a.*"), exact_pattern("a.b")], "a.b"),
        ([topic_pattern("a.*"), topic_pattern("b.#")], None),
        ([exact_pattern("a"), exact_pattern("b")], None),
        ([topic_pattern("*")], "x"),  # never the lone empty word, which is the key ""
        ([topic_pattern("#")], ""),
    ],
)
def test_key_through_examples(patterns: list, expected: str | None) -> None:
    assert key_through(patterns) == expected
