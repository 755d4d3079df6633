"""A user mapping as a profile table: the keys it may have, and checking what a user wrote.

name = "ledger-v2"
match = { routing_key = "ledger.#", field = "/schema", equals = "ledger.v2" }
fields = { payment_id = "payment.ref", amount_minor = "/payment/money/minor" }
status = { field = "payment.state", succeeded = ["SETTLED"], failed = ["DECLINED"] }
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELD_NAMES = (
    "event_id",
    "type",
    "occurred_at",
    "payment_id",
    "merchant",
    "amount_minor",
    "currency",
    "error_code",
    "idempotency_key",
    "status",
)
STATUS_LISTS = ("succeeded", "failed", "pending", "refunded")
_TOP_KEYS = ("name", "match", "fields", "status")
_MATCH_KEYS = ("routing_key", "field", "equals")
_KINDS: dict[type, str] = {dict: "a table", list: "an array", str: "text"}


def arguments_from_table(raw: Mapping[str, Any]) -> dict[str, Any]:
    """FieldMapping's arguments from a profile table; ValueError naming the bad key."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"a mapping must be a table, got {kind(raw)}")
    name: Any = raw.get("name")
    label = f"mapping {name!r}" if isinstance(name, str) and name.strip() else "mapping"
    _check_keys(raw, _TOP_KEYS, label)
    fields = _table(raw, "fields", label)
    status = _table(raw, "status", label)
    match = _table(raw, "match", label)
    _check_keys(fields, FIELD_NAMES, f"{label}: fields")
    _check_keys(status, ("field", *STATUS_LISTS), f"{label}: status")
    _check_keys(match, _MATCH_KEYS, f"{label}: match")
    kwargs: dict[str, Any] = {
        key: _path_text(value, f"{label}: fields.{key}") for key, value in fields.items()
    }
    if "field" in status:
        status_path = _path_text(status["field"], f"{label}: status.field")
        if kwargs.setdefault("status", status_path) != status_path:
            raise ValueError(f"{label}: fields.status and status.field differ; give one path")
    for key in STATUS_LISTS:
        kwargs[key] = _values(status.get(key, ()), f"{label}: status.{key}")
    for key, value in match.items():
        if key != "equals":
            kwargs[f"match_{key}"] = _path_text(value, f"{label}: match.{key}")
        elif as_text(value) is None:
            raise ValueError(f"{label}: match.equals must be text or a number, got {kind(value)}")
        else:
            kwargs["match_equals"] = as_text(value)
    return {"name": name, **kwargs}


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = [key for key in table if key not in allowed]
    if unknown:
        raise ValueError(
            f"{where}: unknown key {unknown[0]!r} (expected one of: {', '.join(allowed)})"
        )


def _table(raw: Mapping[str, Any], key: str, label: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"{label}: {key} must be a table, got {kind(value)}")
    return value


def _path_text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be text, got {kind(value)}")
    return value


def _values(raw: Any, where: str) -> tuple[str, ...]:
    """A status list; one bare value is taken as a list of one."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    values: list[str] = []
    for item in items:
        text = as_text(item)
        if text is None and isinstance(item, str):
            raise ValueError(f"{where} holds an empty value")
        if text is None:
            raise ValueError(f"{where} must list text or numbers, got {kind(item)}")
        values.append(text)
    return tuple(values)


def as_text(value: Any) -> str | None:
    """A JSON scalar as the text rules and conditions compare; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def kind(value: Any) -> str:
    """How an error message names the type of a value a user wrote."""
    return _KINDS.get(type(value), type(value).__name__)
