"""One profile's array of tables (`alerts`, `mappings`) replaced in a tomlkit document.

What the user wrote around it stays: a table whose entry keeps its name (or is renamed where
it stood, keeping its kind) is updated in place, so its comments stay with it; comment lines
above a table move with the table; a value that did not change keeps its formatting.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import tomlkit
from tomlkit.items import AoT, InlineTable, Item, Table


def replace_tables(
    doc: MutableMapping[str, Any], profile: str, key: str, tables: Sequence[Mapping[str, Any]]
) -> None:
    profiles = doc.get("profiles")
    if profiles is None:
        profiles = tomlkit.table(is_super_table=True)
        doc["profiles"] = profiles
    elif not isinstance(profiles, MutableMapping):
        raise ValueError("`profiles` in the profiles file is not a table")
    section = profiles.get(profile)
    if section is None:
        section = tomlkit.table()
        profiles[profile] = section
    elif not isinstance(section, MutableMapping):
        raise ValueError(f"profile {profile!r} in the profiles file is not a table")
    if not tables:
        section[key] = tomlkit.array()  # `alerts = []`: no rules, not the defaults
    elif isinstance(section, InlineTable):
        array = tomlkit.array()
        array.extend(_inline(table) for table in tables)
        section[key] = array
    else:
        existing = section.get(key)
        section[key] = _array_of_tables(existing if isinstance(existing, AoT) else None, tables)


def _array_of_tables(old: AoT | None, tables: Sequence[Mapping[str, Any]]) -> AoT:
    """The new tables, reusing (updated in place) the old table of each rule kept by name.

    Comment lines between two tables are parsed as the end of the first; they are about the
    second, so they move with it, and the lines after the last table stay after the last.
    """
    olds: list[Table] = list(old.body) if old is not None else []
    # above[i]: the lines above old table i (taken from the end of table i - 1); above[len]:
    # the lines after the last one.
    above = {number + 1: _take_trailing(table) for number, table in enumerate(olds)}
    by_name = {str(t.get("name")): i for i, t in reversed(list(enumerate(olds)))}
    new_names = {str(values.get("name")) for values in tables}
    chosen: list[tuple[Table, int | None]] = []
    for position, values in enumerate(tables):
        found = by_name.get(str(values.get("name")))
        if found is None and _renamed(olds, position, values, new_names):
            found = position  # keep its comments
        if found is not None and all(found != index for _, index in chosen):
            _sync(olds[found], values)
            chosen.append((olds[found], found))
        else:
            chosen.append((_table(values), None))
    result = tomlkit.aot()
    for position, (table, index) in enumerate(chosen):
        result.append(table)  # sets a blank line above the table unless one is there
        lines = above.get(index, []) if position > 0 and index else []
        for line in lines:
            chosen[position - 1][0].value.append(None, line)
        if lines:
            table.trivia.indent = ""  # the moved lines hold the blank line
    # What followed the last table (or a blank line, for a new array) follows the new last.
    for line in above.get(len(olds), []) if olds else [tomlkit.ws("\n")]:
        chosen[-1][0].value.append(None, line)
    return result


def _renamed(olds: list[Table], position: int, values: Mapping[str, Any], names: set[str]) -> bool:
    """The old table at this position is this one renamed: its name is gone, its kind stays."""
    if position >= len(olds):
        return False
    old = olds[position]
    return str(old.get("name")) not in names and _plain(old.get("kind")) == values.get("kind")


def _take_trailing(table: Table) -> list[Item]:
    """Remove and return the comment and blank lines after the table's last value."""
    body = table.value.body
    cut = len(body)
    while cut > 0 and body[cut - 1][0] is None:
        cut -= 1
    trailing = [item for _, item in body[cut:]]
    # The tail holds no keyed item, so the container's index of keys stays valid.
    del body[cut:]
    return trailing


def _sync(table: Table | InlineTable, values: Mapping[str, Any]) -> None:
    """Make `table` hold `values`, leaving every unchanged value (and its comment) as it is."""
    for key in [key for key in table if key not in values]:
        del table[key]
    for key, value in values.items():
        current = table.get(key)
        if isinstance(value, Mapping) and isinstance(current, Table | InlineTable):
            _sync(current, value)
        elif current is None or not _same(_plain(current), value):
            table[key] = _inline(value) if isinstance(value, Mapping) else value


def _table(values: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in values.items():
        table[key] = _inline(value) if isinstance(value, Mapping) else value
    return table


def _inline(values: Mapping[str, Any]) -> InlineTable:
    table = tomlkit.inline_table()
    for key, value in values.items():
        table[key] = _inline(value) if isinstance(value, Mapping) else value
    return table


def _plain(item: Any) -> Any:
    return item.unwrap() if isinstance(item, Item) else item


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type all the way down (1, 1.0 and true are three values)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b
