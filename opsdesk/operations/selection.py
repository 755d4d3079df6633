"""Which queue messages an operation acts on: the first N, chosen ones, or those a filter takes."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pika

from opsdesk.broker.deliveries import plain_value

FINGERPRINT_PREFIX = "sha256:"


def message_key(props: pika.BasicProperties, body: bytes) -> str:
    """The message_id, else a fingerprint of the body and type: how a browse row is selected."""
    if props.message_id:
        return str(props.message_id)
    digest = hashlib.sha256()
    digest.update(str(props.type or "").encode())
    digest.update(b"\0")
    digest.update(body)
    return FINGERPRINT_PREFIX + digest.hexdigest()[:32]


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """Conditions that must all hold; unset ones do not restrict."""

    routing_key: str | None = None  # exact, or a topic pattern with * and #
    header: tuple[str, str] | None = None  # (name, value): the header's value as text
    body_contains: str | None = None  # a substring of the body (UTF-8, undecodable bytes escaped)
    older_than_s: float | None = None  # by the AMQP timestamp; messages without one never match

    @property
    def is_empty(self) -> bool:
        return (
            self.routing_key is None
            and self.header is None
            and self.body_contains is None
            and self.older_than_s is None
        )

    def matches(
        self,
        routing_key: str,
        props: pika.BasicProperties,
        body: bytes,
        now: float | None = None,
    ) -> bool:
        if self.routing_key is not None and not topic_matches(self.routing_key, routing_key):
            return False
        if self.header is not None and not _header_matches(props.headers or {}, *self.header):
            return False
        if self.body_contains is not None:
            text = body.decode("utf-8", errors="backslashreplace")
            if self.body_contains not in text:
                return False
        if self.older_than_s is not None:
            stamp = _timestamp(props.timestamp)
            if stamp is None:
                return False
            if (now if now is not None else time.time()) - stamp < self.older_than_s:
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.routing_key is not None:
            parts.append(f"routing key {self.routing_key!r}")
        if self.header is not None:
            parts.append(f"header {self.header[0]}={self.header[1]!r}")
        if self.body_contains is not None:
            parts.append(f"body contains {self.body_contains!r}")
        if self.older_than_s is not None:
            parts.append(f"older than {self.older_than_s:g}s")
        return " and ".join(parts) or "every message"


def _header_matches(headers: Mapping[str, Any], name: str, value: str) -> bool:
    if name not in headers:
        return False
    found = plain_value(headers[name])
    return str(found).lower() == value.lower() if isinstance(found, bool) else str(found) == value


def _timestamp(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    return None


@dataclass(frozen=True, slots=True)
class Selection:
    """The first `count` messages that match `filter`; or, when `keys` is given, those messages.

    `keys` is a multiset: two identical browse rows (same key) selected twice act on two messages.
    """

    count: int | None = None
    keys: tuple[str, ...] = ()
    filter: MessageFilter = field(default_factory=MessageFilter)

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 0:
            raise ValueError("count must not be negative")

    def describe(self) -> str:
        if self.keys:
            return f"{len(self.keys)} selected message(s)"
        first = "all" if self.count is None else f"the first {self.count}"
        if self.filter.is_empty:
            return f"{first} message(s)"
        return f"{first} message(s) matching {self.filter.describe()}"


class Selector:
    """The run-time side of a Selection: decides message by message and knows when it is done."""

    def __init__(self, selection: Selection) -> None:
        self._selection = selection
        self._wanted: Counter[str] | None = Counter(selection.keys) if selection.keys else None
        self.selected = 0

    def take(self, key: str, routing_key: str, props: pika.BasicProperties, body: bytes) -> bool:
        """True when this message is one to act on (and counts it)."""
        if self._wanted is not None:
            if self._wanted[key] <= 0:
                return False
            self._wanted[key] -= 1
        elif self.satisfied:
            return False
        if not self._selection.filter.matches(routing_key, props, body):
            if self._wanted is not None:
                self._wanted[key] += 1
            return False
        self.selected += 1
        return True

    @property
    def passes_over(self) -> bool:
        """True when some messages may be looked at and left (a filter or chosen keys)."""
        return bool(self._selection.keys) or not self._selection.filter.is_empty

    def missing(self) -> list[str]:
        """Selected keys not (or not as often as selected) found so far."""
        if self._wanted is None:
            return []
        return list((+self._wanted).elements())

    @property
    def satisfied(self) -> bool:
        """Nothing more to look for: every key found, or `count` reached."""
        if self._wanted is not None:
            return not +self._wanted
        count = self._selection.count
        return count is not None and self.selected >= count
