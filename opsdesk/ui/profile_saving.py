"""Saving a settings dialog's edit into the profile's file, and telling the user how it went."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication

from opsdesk.config import Profile
from opsdesk.config.profile_file import ProfileWriteError, SavedProfile, tables_toml
from opsdesk.ui.message_banner import BannerLevel

log = logging.getLogger(__name__)

ShowProblem = Callable[[str, BannerLevel], None]


def save_to_profile(
    profile: Profile,
    what: str,
    save: Callable[[Path], SavedProfile],
    key: str,
    tables: Sequence[Mapping[str, Any]],
    show: ShowProblem,
    *,
    in_effect: str,
) -> SavedProfile | None:
    """Save with `save(path)`; a banner says where, or why not (never a modal box).

    `what` names the edit ("Alert rules"), `in_effect` says what the session does with it
    whether or not it was saved. On failure the TOML goes to the clipboard for pasting.
    """
    path = profile.config_path
    try:
        if path is None:
            raise ProfileWriteError("this profile was not read from a profiles file")
        saved = save(path)
    except ProfileWriteError as exc:
        log.warning("%s of profile %r not saved: %s", what, profile.name, exc)
        QGuiApplication.clipboard().setText(tables_toml(profile.name, key, tables))
        show(
            f"{what} were not saved: {exc}. {in_effect} They are on the clipboard as TOML, to "
            f"paste over the {key} of profile {profile.name!r} by hand.",
            BannerLevel.WARNING,
        )
        return None
    kept = f" (the previous file is kept as {saved.backup.name})" if saved.backup else ""
    show(
        f"{what} saved to profile {profile.name!r} in {saved.path}{kept}. {in_effect}",
        BannerLevel.INFO,
    )
    return saved
