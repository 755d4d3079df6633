"""Where a field sits in a JSON document: an RFC 6901 pointer ("/a/b/0") or a dotted path.

The dotted form is what people type: "a.b[0].c", an optional leading "$" ("$.a.b"), and
bracketed names for keys holding dots or brackets ('meta["order.id"]'). Both forms compile to
the same steps; a step reads a key of an object, or an index of an array when it is a
non-negative integer without leading zeros.
"""

from __future__ import annotations

import re
from typing import Any

Steps = tuple[str, ...]


class _Missing:
    """Marks a path that leads nowhere, which is not the same as a JSON null."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
MAX_PATH_CHARS = 512

_KEY = re.compile(r"[^.\[\]]+")
_BRACKET = re.compile(r"""\[(?:([0-9]+)|"([^"]*)"|'([^']*)')\]""")
_POINTER_ESCAPE = re.compile(r"~(?![01])")


def parse_path(text: str) -> Steps:
    """The steps `text` names; ValueError saying what is wrong when it is not a path."""
    if not isinstance(text, str):
        raise ValueError(f"a path must be text, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("the path is empty")
    if len(text) > MAX_PATH_CHARS:
        raise ValueError(f"the path is longer than {MAX_PATH_CHARS} characters")
    if text.startswith("/"):
        return _parse_pointer(text)
    return _parse_dotted(text)


def resolve(steps: Steps, document: Any) -> Any:
    """The value at `steps` in `document`, or MISSING when some step finds nothing."""
    value = document
    for step in steps:
        if isinstance(value, dict):
            value = value.get(step, MISSING)
            if value is MISSING:
                return MISSING
        elif isinstance(value, list):
            index = _index(step)
            if index is None or index >= len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
    return value


def _parse_pointer(text: str) -> Steps:
    bad = _POINTER_ESCAPE.search(text)
    if bad is not None:
        raise ValueError(f"'~' at offset {bad.start()} must be followed by 0 or 1 (RFC 6901)")
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/"))


def _parse_dotted(text: str) -> Steps:
    dollar = text.startswith("$")
    rest = text[1:] if dollar else text
    steps: list[str] = []
    pos = 0
    while pos < len(rest):
        offset = pos + dollar  # as the user counts, in the text they wrote
        if rest[pos] == "[":
            bracket = _BRACKET.match(rest, pos)
            if bracket is None:
                raise ValueError(f"'[' at offset {offset} must open [N], [\"name\"] or ['name']")
            steps.append(next(group for group in bracket.groups() if group is not None))
            pos = bracket.end()
            continue
        if rest[pos] == ".":
            if not steps and not dollar:
                raise ValueError("the path starts with '.'")
            pos += 1
        elif steps:
            raise ValueError(f"expected '.' or '[' at offset {offset}, found {rest[pos]!r}")
        key = _KEY.match(rest, pos)
        if key is None:
            raise ValueError(f"empty name at offset {pos + dollar}")
        steps.append(key.group())
        pos = key.end()
    if not steps:
        raise ValueError("the path names no field")
    return tuple(steps)


def _index(step: str) -> int | None:
    """An array index: digits only, no sign, no leading zero (as RFC 6901 requires)."""
    if not (step.isascii() and step.isdigit()) or (len(step) > 1 and step[0] == "0"):
        return None
    return int(step)
