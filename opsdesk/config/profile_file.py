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

from opsdesk.config.alert_rules import AlertRule, parse_rules, rule_to_dict
from opsdesk.config.toml_tables import replace_tables
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
    _replace(doc, profile, key, tables)
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
    _replace(doc, profile, key, tables)
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


def _replace(
    doc: MutableMapping[str, Any], profile: str, key: str, tables: Sequence[Mapping[str, Any]]
) -> None:
    try:
        replace_tables(doc, profile, key, tables)
    except ValueError as exc:
        raise ProfileWriteError(str(exc)) from exc


def _cannot_edit(target: Path, profile: str) -> ProfileWriteError:
    return ProfileWriteError(
        f"{target} writes profile {profile!r} in a form opsdesk cannot edit without changing "
        "something else (dotted keys or inline tables); write it as a [profiles."
        f"{profile}] table to let opsdesk save to it"
    )


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
