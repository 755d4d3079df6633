"""User-defined mappings: where an in-house JSON shape keeps each payment field.

A profile lists them as `[[profiles.NAME.mappings]]` tables; mapping_table says which keys they
have, and FieldMapping.from_dict reads one.

Paths are RFC 6901 pointers or dotted paths (see fieldpath). A mapping applies to a JSON message
when every `match` condition holds: the routing key matches the AMQP topic pattern, the field
exists (and equals `equals`, compared as text). Without `match` it applies to every JSON message.
The first mapping that applies wins over the built-in shapes.
Status: the value at the status path is looked up in the rule lists (case-insensitive), then in
opsdesk's own vocabulary ("paid", "declined", ...), then the type's and routing key's last word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from opsdesk.events.fieldpath import MISSING, Steps, parse_path, resolve
from opsdesk.events.mapping_table import (
    FIELD_NAMES,
    STATUS_LISTS,
    arguments_from_table,
    as_text,
    kind,
)
from opsdesk.events.model import Status
from opsdesk.events.native import PaymentFields, amount_field, currency_code, plain_text, text_field
from opsdesk.events.topics import compile_topic, topic_matches

MAX_NAME_CHARS = 64


class _Plan(NamedTuple):
    """A mapping compiled once: parsed paths, the status lookup, the routing-key regex."""

    paths: dict[str, Steps]  # every mapped field but status
    status_path: Steps | None
    rules: dict[str, Status]  # casefolded value: status
    topic: re.Pattern[str] | None
    match_path: Steps | None


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """How to read payment fields from one in-house JSON shape, and when that applies."""

    name: str
    event_id: str | None = None
    type: str | None = None
    occurred_at: str | None = None
    payment_id: str | None = None
    merchant: str | None = None
    amount_minor: str | None = None
    currency: str | None = None
    error_code: str | None = None
    idempotency_key: str | None = None
    status: str | None = None  # the path of the status value, which the lists below interpret
    succeeded: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    refunded: tuple[str, ...] = ()
    match_routing_key: str | None = None  # AMQP topic pattern: "*" one word, "#" any
    match_field: str | None = None  # a path that must exist in the body
    match_equals: str | None = None  # ... and hold this value, compared as text
    _plan: _Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plan", _compile(self))

    @property
    def format(self) -> str:
        """The PaymentEvent.format of events this mapping decodes."""
        return f"mapping:{self.name}"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FieldMapping:
        """A mapping from its profile table; ValueError saying what is wrong and where."""
        return cls(**arguments_from_table(raw))  # the name is checked in __post_init__

    def to_dict(self) -> dict[str, Any]:
        """The profile table from_dict reads back to an equal mapping."""
        out: dict[str, Any] = {"name": self.name}
        match = {
            key: value
            for key, value in (
                ("routing_key", self.match_routing_key),
                ("field", self.match_field),
                ("equals", self.match_equals),
            )
            if value is not None
        }
        if match:
            out["match"] = match
        fields = {name: getattr(self, name) for name in FIELD_NAMES[:-1]}
        out["fields"] = {name: path for name, path in fields.items() if path is not None}
        status: dict[str, Any] = {"field": self.status} if self.status is not None else {}
        status.update({key: list(getattr(self, key)) for key in STATUS_LISTS if getattr(self, key)})
        if status:
            out["status"] = status
        return out

    def applies_to(self, routing_key: str, body: Any) -> bool:
        """True when every match condition holds for this message (mismatch says why not)."""
        plan = self._plan
        if plan.topic is not None and not topic_matches(plan.topic, routing_key):
            return False
        if plan.match_path is None:
            return True
        value = resolve(plan.match_path, body)
        if value is MISSING:
            return False
        return self.match_equals is None or as_text(value) == self.match_equals

    def mismatch(self, routing_key: str, body: Any) -> str | None:
        """Why this mapping does not apply to the message, or None when it does."""
        plan = self._plan
        if plan.topic is not None and not topic_matches(plan.topic, routing_key):
            return f"routing key {routing_key!r} does not match {self.match_routing_key!r}"
        if plan.match_path is not None:
            value = resolve(plan.match_path, body)
            if value is MISSING:
                return f"no field at {self.match_field!r}"
            if self.match_equals is not None and as_text(value) != self.match_equals:
                shown = as_text(value) or kind(value)
                return f"{self.match_field!r} is {shown!r}, not {self.match_equals!r}"
        return None

    def missing(self, body: Any) -> tuple[str, ...]:
        """The mapped fields whose path finds nothing in `body` (a preview shows them)."""
        plan = self._plan
        paths = dict(plan.paths)
        if plan.status_path is not None:
            paths["status"] = plan.status_path
        return tuple(name for name, steps in paths.items() if resolve(steps, body) is MISSING)

    def read(self, body: Any, *, mask: bool = True) -> PaymentFields:
        """The payment fields this mapping finds in a parsed JSON body."""
        plan = self._plan
        found = {name: resolve(steps, body) for name, steps in plan.paths.items()}
        get = {name: None if value is MISSING else value for name, value in found.items()}.get
        amount, currency_value, problem = amount_field(get("amount_minor"))
        if get("currency") is not None:
            currency_value = get("currency")
        status_value = MISSING if plan.status_path is None else resolve(plan.status_path, body)
        if all(value is MISSING for value in found.values()) and status_value is MISSING:
            problem = f"mapping {self.name!r} found none of its fields"
        return PaymentFields(
            event_id=plain_text(get("event_id")),
            type=text_field(get("type"), mask=mask),
            occurred_at=get("occurred_at"),
            payment_id=text_field(get("payment_id"), mask=mask),
            merchant=text_field(get("merchant"), mask=mask),
            amount_minor=amount,
            currency=currency_code(currency_value),
            status=self._status_word(status_value, mask=mask),
            error_code=text_field(get("error_code"), mask=mask),
            idempotency_key=text_field(get("idempotency_key"), mask=mask),
            problem=problem,
        )

    def _status_word(self, value: Any, *, mask: bool) -> str | None:
        text = as_text(value) if value is not MISSING else None
        if text is None:
            return None
        ruled = self._plan.rules.get(text.casefold())
        return ruled.value if ruled is not None else text_field(text, mask=mask)


def parse_mappings(raw: Any) -> tuple[FieldMapping, ...]:
    """A profile's `mappings` array, in order; ValueError on a bad entry or a repeated name."""
    if not isinstance(raw, list | tuple):
        raise ValueError(f"mappings must be an array of tables, got {kind(raw)}")
    mappings: list[FieldMapping] = []
    for index, entry in enumerate(raw):
        try:
            mapping = FieldMapping.from_dict(entry)
        except ValueError as exc:
            raise ValueError(f"mappings[{index}]: {exc}") from None
        if any(mapping.name == other.name for other in mappings):
            raise ValueError(f"mappings[{index}]: the name {mapping.name!r} is used twice")
        mappings.append(mapping)
    return tuple(mappings)


def _compile(mapping: FieldMapping) -> _Plan:
    name = mapping.name
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a mapping needs a name (non-empty text)")
    label = f"mapping {name!r}"
    if len(name) > MAX_NAME_CHARS or not name.isprintable() or name != name.strip():
        raise ValueError(
            f"{label}: a name is 1-{MAX_NAME_CHARS} printable characters, no surrounding spaces"
        )
    paths: dict[str, Steps] = {}
    for field_name in FIELD_NAMES[:-1]:
        text = getattr(mapping, field_name)
        if text is not None:
            paths[field_name] = _parse(text, f"{label}: fields.{field_name}")
    status_path = (
        None if mapping.status is None else _parse(mapping.status, f"{label}: status.field")
    )
    if status_path is None and not paths:
        raise ValueError(f"{label} maps no fields: give at least one path under fields")
    rules: dict[str, Status] = {}
    seen: dict[str, str] = {}
    for list_name in STATUS_LISTS:
        for value in getattr(mapping, list_name):
            key = value.strip().casefold()
            if key in seen and seen[key] != list_name:
                raise ValueError(
                    f"{label}: {value!r} is listed under both status.{seen[key]} and "
                    f"status.{list_name}"
                )
            seen[key] = list_name
            rules[key] = Status(list_name)
    if rules and status_path is None:
        raise ValueError(f"{label}: status values need status.field, the path of the status")
    topic = None
    if mapping.match_routing_key is not None:
        try:
            topic = compile_topic(mapping.match_routing_key)
        except ValueError as exc:
            raise ValueError(f"{label}: match.routing_key: {exc}") from None
    match_path = None
    if mapping.match_field is not None:
        match_path = _parse(mapping.match_field, f"{label}: match.field")
    elif mapping.match_equals is not None:
        raise ValueError(f"{label}: match.equals needs match.field, the path to compare")
    return _Plan(paths, status_path, rules, topic, match_path)


def _parse(text: str, where: str) -> Steps:
    try:
        return parse_path(text)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}: {text!r}") from None
