"""The Prometheus text exposition format (version 0.0.4), read into samples.

Small on purpose: rabbitmq_prometheus writes one sample per line, `name{labels} value`, with
`# HELP` / `# TYPE` comments; no timestamps, no exemplars. A line that cannot be read is
skipped and logged once per scrape rather than failing the whole reading: one odd series must
not hide every queue's rates.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Collection
from dataclasses import dataclass

log = logging.getLogger(__name__)

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# One label pair: name="value", the value with \\, \" and \n escapes.
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|\})')
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
_ESCAPE = re.compile(r"\\[\\\"n]")
_SPECIAL = {"NaN": math.nan, "+Inf": math.inf, "Inf": math.inf, "-Inf": -math.inf}


class PrometheusFormatError(ValueError):
    """A line that is not a sample of the text format."""


@dataclass(frozen=True, slots=True)
class PromSample:
    name: str
    labels: tuple[tuple[str, str], ...]  # in the order the line gives them
    value: float

    def label(self, key: str, default: str = "") -> str:
        for name, value in self.labels:
            if name == key:
                return value
        return default


@dataclass(frozen=True, slots=True)
class PromScrape:
    """Every sample of one answer, and the names its `# TYPE` lines declare."""

    samples: tuple[PromSample, ...]
    declared: frozenset[str]  # a family the endpoint knows, even when it has no series yet
    skipped: int = 0  # unreadable lines


def parse_scrape(text: str, names: Collection[str] | None = None) -> PromScrape:
    """The samples of `text`; only those named in `names` when given (faster: others skipped)."""
    samples: list[PromSample] = []
    declared: set[str] = set()
    skipped = 0
    first_error = ""
    for line in text.splitlines():
        if not line or line.isspace():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                declared.add(parts[2])
            continue
        if names is not None and _name_of(line) not in names:
            continue
        try:
            samples.append(parse_sample(line))
        except PrometheusFormatError as exc:
            skipped += 1
            first_error = first_error or str(exc)
    if skipped:
        log.warning("skipped %d unreadable Prometheus lines; first: %s", skipped, first_error)
    return PromScrape(tuple(samples), frozenset(declared), skipped)


def parse_sample(line: str) -> PromSample:
    """One sample line: `name{a="1",b="x"} 12.5` (a trailing timestamp is ignored)."""
    match = _NAME.match(line)
    if not match:
        raise PrometheusFormatError(f"no metric name: {line[:80]!r}")
    name = match.group(0)
    position = match.end()
    labels: tuple[tuple[str, str], ...] = ()
    if position < len(line) and line[position] == "{":
        labels, position = _labels(line, position + 1)
    fields = line[position:].split()
    if not fields or len(fields) > 2:
        raise PrometheusFormatError(f"no value: {line[:80]!r}")
    return PromSample(name, labels, _value(fields[0], line))


def _name_of(line: str) -> str:
    end = len(line)
    for stop in ("{", " ", "\t"):
        found = line.find(stop)
        if 0 <= found < end:
            end = found
    return line[:end]


def _labels(line: str, position: int) -> tuple[tuple[tuple[str, str], ...], int]:
    pairs: list[tuple[str, str]] = []
    if line.startswith("}", position):
        return (), position + 1
    while True:
        match = _LABEL.match(line, position)
        if not match:
            raise PrometheusFormatError(f"unreadable labels: {line[:80]!r}")
        pairs.append((match.group(1), _unescape(match.group(2))))
        position = match.end()
        if match.group(3) == "}":
            return tuple(pairs), position
        if line.startswith("}", position):  # a trailing comma is allowed
            return tuple(pairs), position + 1


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], value)


def _value(text: str, line: str) -> float:
    if text in _SPECIAL:
        return _SPECIAL[text]
    try:
        return float(text)
    except ValueError:
        raise PrometheusFormatError(f"not a number {text!r}: {line[:80]!r}") from None
