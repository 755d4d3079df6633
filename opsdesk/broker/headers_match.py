"""Message headers against a headers-exchange binding, as RabbitMQ compares them.

`x-match` is `all` (the default), `any`, `all-with-x` or `any-with-x`. With `all`/`any` the
binding's other arguments starting with `x-` take no part; with the `-with-x` variants they
count like any other. An argument without a value (AMQP void, JSON null) asks only that the
header be present. `all` over no arguments matches every message; `any` over none, nothing.
Values compare as Erlang's `==` does: 1 equals 1.0, but true is not 1 and "1" is not 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MATCH_KINDS = ("all", "any", "all-with-x", "any-with-x")


def match_kind(arguments: Mapping[str, Any]) -> str:
    """The binding's x-match; anything unknown counts as `all`, as the broker reads it."""
    kind = arguments.get("x-match")
    return kind if kind in MATCH_KINDS else "all"


def considered_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The binding arguments a message's headers are compared with."""
    with_x = match_kind(arguments).endswith("-with-x")
    return {
        name: value
        for name, value in arguments.items()
        if name != "x-match" and (with_x or not name.startswith("x-"))
    }


def headers_match(arguments: Mapping[str, Any], headers: Mapping[str, Any]) -> bool:
    """Whether a binding with `arguments` takes a message with `headers`."""
    wanted = considered_arguments(arguments)
    hits = (
        name in headers and (value is None or same_value(value, headers[name]))
        for name, value in wanted.items()
    )
    return any(hits) if match_kind(arguments).startswith("any") else all(hits)


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, bytes | str) and isinstance(b, bytes | str):
        return _as_bytes(a) == _as_bytes(b)  # both are AMQP strings: byte strings
    return type(a) is type(b) and bool(a == b)


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
