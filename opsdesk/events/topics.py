"""AMQP topic patterns, as a topic exchange matches them: "*" is one word, "#" zero or more."""

from __future__ import annotations

import re

MAX_PATTERN_CHARS = 255  # the AMQP limit for a routing key, and so for a binding key
_ANY_WORDS = r"(?:[^.]*\.)*"


def compile_topic(pattern: str) -> re.Pattern[str]:
    """A regex that fullmatches `routing_key + "."` exactly when `pattern` matches the key.

    Every word is matched with its trailing dot, so "#" can absorb zero words without leaving
    a stray separator: "a.#" matches "a" and "a.b.c", "a.#.b" matches "a.b".
    """
    if not isinstance(pattern, str):
        raise ValueError(f"a routing-key pattern must be text, got {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"the routing-key pattern is longer than {MAX_PATTERN_CHARS} characters")
    pieces: list[str] = []
    for word in pattern.split("."):
        if word == "#":
            if pieces and pieces[-1] == _ANY_WORDS:
                continue  # "#.#" is "#"; repeats would only make the regex backtrack
            pieces.append(_ANY_WORDS)
        elif word == "*":
            pieces.append(r"[^.]*\.")
        elif "*" in word or "#" in word:
            raise ValueError(
                f"'*' and '#' must stand alone between dots in a routing-key pattern: {word!r}"
            )
        else:
            pieces.append(re.escape(word) + r"\.")
    return re.compile("".join(pieces))


def topic_matches(compiled: re.Pattern[str], routing_key: str) -> bool:
    """True when the routing key matches the pattern `compiled` came from."""
    return compiled.fullmatch(routing_key + ".") is not None
