"""How a read-only profile shows: a badge on each panel, write controls disabled with a reason."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from opsdesk.config import Profile


def read_only_tip(profile_name: str) -> str:
    return (
        f"Profile {profile_name!r} is read-only: write actions are disabled "
        "(set read_only = false in the profile to allow them)."
    )


class ReadOnlyBadge(QLabel):
    """A small red badge, shown only when the profile is read-only."""

    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__("READ-ONLY PROFILE", parent)
        self.setObjectName("readOnlyBadge")
        self.setToolTip(read_only_tip(profile.name))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(
            "QLabel#readOnlyBadge { background: #fbe0df; color: #8f1d1d; font-weight: bold;"
            " border: 1px solid #d9a3a1; border-radius: 3px; padding: 2px 8px; }"
        )
        self.setVisible(profile.read_only)


def lock_for_read_only(profile: Profile, widgets: Iterable[QWidget]) -> None:
    """Disable write controls of a read-only profile and say why (tooltips show when disabled)."""
    if not profile.read_only:
        return
    for widget in widgets:
        widget.setEnabled(False)
        widget.setToolTip(read_only_tip(profile.name))
