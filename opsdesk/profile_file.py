"""Saves what the window edits into the user's profiles.toml: one profile's alerts or mappings.

The file is the user's own hand-written TOML. tomlkit keeps its comments and layout; only the
profile's `[[profiles.NAME.alerts]]` (or `mappings`) tables are replaced, and a table whose
rule keeps its name is updated in place, so the comments on it stay. Before anything is
written, the new text is read back: every other value in the file must be unchanged and the
edited tables must parse to exactly what was saved. The write is atomic (a temporary file,
then os.replace) and the previous file stays beside it as `profiles.toml.bak`.

Nothing else is ever written: no URL, and so no password.
"""

from __future__ import annotations

import copy
import logging
import os
import stat
import tempfile
import tomllib
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable, Item, Table

from opsdesk.alerting.rules import AlertRule, parse_rules, rule_to_dict
from opsdesk.events.mapping import FieldMapping, parse_mappings

log = logging.getLogger(__name__)

BACKUP_SUFFIX = ".bak"


class ProfileWriteError(Exception):
    """The profiles file was left as it was; the message says why, in a sentence."""


@dataclass(frozen=True, slots=True)
class SavedProfile:
    path: Path  # the file written (a symlink's target)
    backup: Path | None  # the previous file, kept; None when the file was created


def save_alert_rules(path: Path, profile: str, rules: Sequence[AlertRule]) -> SavedProfile:
    """Replace profile `profile`'s alert rules in the file at `path` (created if absent)."""
    tables = [rule_to_dict(rule) for rule in rules]

    def same(raw: Any) -> bool:
        # Compared as tables: a field the kind does not use (a dead-letter rule's window
        # when it is not `growing`) is not written, and reads back as its default.
        return [rule_to_dict(rule) for rule in parse_rules(raw)] == tables

    return _save(path, profile, "alerts", tables, same)


def save_mappings(path: Path, profile: str, mappings: Sequence[FieldMapping]) -> SavedProfile:
    """Replace profile `profile`'s decoding mappings in the file at `path` (created if absent)."""
    wanted = tuple(mappings)

    def same(raw: Any) -> bool:
        return parse_mappings(raw) == wanted

    return _save(path, profile, "mappings", [mapping.to_dict() for mapping in wanted], same)


def tables_toml(profile: str, key: str, tables: Sequence[Mapping[str, Any]]) -> str:
    """The tables as TOML text to paste by hand, for when the file cannot be written."""
    doc = tomlkit.document()
    _replace_tables(doc, profile, key, tables)
    return tomlkit.dumps(doc)


def _save(
    path: Path,
    profile: str,
    key: str,
    tables: list[dict[str, Any]],
    same: Callable[[Any], bool],
) -> SavedProfile:
    target = Path(os.path.realpath(path))  # a symlinked dotfile stays a symlink
    old = _read(target)
    try:
        doc = tomlkit.parse(old or "")
    except TOMLKitError as exc:
        raise ProfileWriteError(f"{target} is not valid TOML ({exc}); fix it first") from exc
    _replace_tables(doc, profile, key, tables)
    new = tomlkit.dumps(doc)
    _check(target, old, new, profile, key, tables, same)
    backup = _write(target, old, new)
    log.info("saved the %s of profile %r to %s", key, profile, target)
    return SavedProfile(target, backup)


def _read(target: Path) -> str | None:
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProfileWriteError(f"cannot read {target}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileWriteError(f"{target} is not UTF-8 text; fix it first") from exc


def _check(
    target: Path,
    old: str | None,
    new: str,
    profile: str,
    key: str,
    tables: list[dict[str, Any]],
    same: Callable[[Any], bool],
) -> None:
    """The new text must say what the old one said, with only the edited tables changed."""
    try:
        before = tomllib.loads(old or "")
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise _cannot_edit(target, profile) from exc
    expected = copy.deepcopy(before)
    expected.setdefault("profiles", {}).setdefault(profile, {})[key] = tables
    if after != expected:
        raise _cannot_edit(target, profile)
    try:
        read_back = same(after["profiles"][profile][key])
    except ValueError as exc:
        raise ProfileWriteError(f"the edited {key} would not load again: {exc}") from exc
    if not read_back:
        raise ProfileWriteError(f"the edited {key} would not read back as they were saved")


def _cannot_edit(target: Path, profile: str) -> ProfileWriteError:
    return ProfileWriteError(
        f"{target} writes profile {profile!r} in a form opsdesk cannot edit without changing "
        "something else (dotted keys or inline tables); write it as a [profiles."
        f"{profile}] table to let opsdesk save to it"
    )


# -- editing the document ------------------------------------------------------------------


def _replace_tables(
    doc: MutableMapping[str, Any], profile: str, key: str, tables: Sequence[Mapping[str, Any]]
) -> None:
    profiles = doc.get("profiles")
    if profiles is None:
        profiles = tomlkit.table(is_super_table=True)
        doc["profiles"] = profiles
    elif not isinstance(profiles, MutableMapping):
        raise ProfileWriteError("`profiles` in the profiles file is not a table")
    section = profiles.get(profile)
    if section is None:
        section = tomlkit.table()
        profiles[profile] = section
    elif not isinstance(section, MutableMapping):
        raise ProfileWriteError(f"profile {profile!r} in the profiles file is not a table")
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


# -- writing -------------------------------------------------------------------------------


def _write(target: Path, old: str | None, new: str) -> Path | None:
    """Write `new` atomically; keep `old` as the backup. Returns the backup's path."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if old is not None else 0o600
        backup = None
        if old is not None:
            backup = target.with_name(target.name + BACKUP_SUFFIX)
            _replace_with(backup, old, mode)
        _replace_with(target, new, mode)
    except OSError as exc:
        raise ProfileWriteError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return backup


def _replace_with(path: Path, text: str, mode: int) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is synced (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the file's own fsync already happened
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
