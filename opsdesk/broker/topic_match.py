"""Routing keys against binding keys, as RabbitMQ's topic and direct exchanges compare them.

A key is split on "." into words, empty words included ("a..b" is a, "", b; "a." is a, ""),
except that the empty key has no words at all (RabbitMQ's split_topic_key). In a topic
binding key the whole word `*` is exactly one word (an empty one too) and the whole word `#`
is zero or more words; `a*` is an ordinary word. A direct binding key matches only itself.

Each key pattern is a small automaton over words; `key_through` runs several at once to find
one routing key that passes every binding on an exchange-to-exchange path, or none.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum


class Wild(Enum):
    ONE = "*"
    ANY = "#"


Token = str | Wild  # a literal word, or a wildcard


@dataclass(frozen=True, slots=True)
class KeyPattern:
    """A binding key as tokens: `topic_pattern("a.*.#")`, `exact_pattern("a.*")` (literal)."""

    tokens: tuple[Token, ...]

    def accepting(self, states: frozenset[int]) -> bool:
        return len(self.tokens) in states

    def start(self) -> frozenset[int]:
        return self._closure({0})

    def step(self, states: frozenset[int], word: str) -> frozenset[int]:
        after: set[int] = set()
        for state in states:
            if state == len(self.tokens):
                continue
            token = self.tokens[state]
            if token is Wild.ANY:
                after.add(state)  # `#` swallows this word and may swallow more
            elif token is Wild.ONE or token == word:
                after.add(state + 1)
        return self._closure(after)

    def _closure(self, states: Iterable[int]) -> frozenset[int]:
        # `#` may also match no word at all: every state before a `#` is also after it.
        result = set(states)
        pending = list(result)
        while pending:
            state = pending.pop()
            wild = state < len(self.tokens) and self.tokens[state] is Wild.ANY
            if wild and state + 1 not in result:
                result.add(state + 1)
                pending.append(state + 1)
        return frozenset(result)

    def literal_words(self) -> set[str]:
        return {token for token in self.tokens if isinstance(token, str)}


def split_words(key: str) -> tuple[str, ...]:
    """RabbitMQ's words of a routing or binding key: "" has none, "a..b" has three."""
    return tuple(key.split(".")) if key else ()


def join_words(words: Sequence[str]) -> str | None:
    """The key made of `words`; None for the one sequence no key has (a single empty word)."""
    if len(words) == 1 and words[0] == "":
        return None
    return ".".join(words)


def topic_pattern(binding_key: str) -> KeyPattern:
    return KeyPattern(tuple(_topic_token(word) for word in split_words(binding_key)))


def exact_pattern(binding_key: str) -> KeyPattern:
    return KeyPattern(split_words(binding_key))


def _topic_token(word: str) -> Token:
    if word == "*":
        return Wild.ONE
    if word == "#":
        return Wild.ANY
    return word


def topic_matches(binding_key: str, routing_key: str) -> bool:
    """Whether a topic binding with `binding_key` takes a message with `routing_key`."""
    return pattern_matches(topic_pattern(binding_key), routing_key)


def pattern_matches(pattern: KeyPattern, routing_key: str) -> bool:
    states = pattern.start()
    for word in split_words(routing_key):
        states = pattern.step(states, word)
        if not states:
            return False
    return pattern.accepting(states)


def key_through(patterns: Sequence[KeyPattern]) -> str | None:
    """A shortest routing key every pattern matches; None when no key matches them all.

    Breadth-first over the patterns' states taken together. Words that no pattern names
    behave alike, so one fresh word stands for all of them.
    """
    literals: set[str] = set().union(*(p.literal_words() for p in patterns))
    # The fresh word first: a wildcard in an example key reads as `x`, not as a named word.
    alphabet = [_fresh_word(literals), *sorted(literals)]
    start = tuple(p.start() for p in patterns)
    # A lone empty word is no key (it reads as ""), so it is a state of its own.
    seen = {(start, False)}
    queue: deque[tuple[tuple[frozenset[int], ...], tuple[str, ...]]] = deque([(start, ())])
    while queue:
        states, words = queue.popleft()
        if all(p.accepting(s) for p, s in zip(patterns, states, strict=True)):
            key = join_words(words)
            if key is not None:
                return key
        for word in alphabet:
            following = tuple(p.step(s, word) for p, s in zip(patterns, states, strict=True))
            longer = (*words, word)
            visit = (following, longer == ("",))
            if all(following) and visit not in seen:
                seen.add(visit)
                queue.append((following, longer))
    return None


def _fresh_word(taken: set[str]) -> str:
    word, n = "x", 0
    while word in taken:
        n += 1
        word = f"x{n}"
    return word
