"""The write actions on a browsed queue: their buttons, and the one dialog open at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from opsdesk.config import Profile
from opsdesk.operations.browse import BrowsedMessage
from opsdesk.operations.plan import HomeTarget
from opsdesk.operations.send_home import home_of
from opsdesk.ui.operations.operation_dialog import OperationDialog
from opsdesk.ui.operations.queue_action_dialogs import (
    DeadLetterDialog,
    MoveDialog,
    PurgeDialog,
    SendHomeDialog,
)
from opsdesk.ui.operations.read_only_badge import lock_for_read_only

D = TypeVar("D", bound=OperationDialog)

# (queue, selected messages, the page's messages), or None when no queue was browsed.
Target = Callable[[], tuple[str, Sequence[BrowsedMessage], Sequence[BrowsedMessage]] | None]


class QueueActions(QWidget):
    """Move / Dead-letter / Send home / Purge buttons; each opens its preview-and-run dialog."""

    operation_finished = Signal(object)  # OperationResult
    busy = Signal(str)  # why an action did not open (another one is running)

    def __init__(
        self, profile: Profile, db_path: Path, target: Target, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self._db_path = db_path
        self._target = target
        self.dialog: OperationDialog | None = None
        self.move_button = QPushButton("Move…")
        self.move_button.clicked.connect(self.open_move)
        self.dead_letter_button = QPushButton("Dead-letter…")
        self.dead_letter_button.clicked.connect(self.open_dead_letter)
        self.send_home_button = QPushButton("Send Dead Letters Home…")
        self.send_home_button.clicked.connect(self.open_send_home)
        self.purge_button = QPushButton("Purge…")
        self.purge_button.clicked.connect(self.open_purge)
        self.buttons = (
            self.move_button,
            self.dead_letter_button,
            self.send_home_button,
            self.purge_button,
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in self.buttons:
            layout.addWidget(button)

    def set_available(self, available: bool) -> None:
        """Enabled once a queue has been browsed; never on a read-only profile."""
        for button in self.buttons:
            button.setEnabled(available and not self.profile.read_only)
            button.setToolTip("" if available else "Browse a queue first")
        lock_for_read_only(self.profile, self.buttons)

    def open_move(self) -> MoveDialog | None:
        target = self._usable_target()
        if target is None:
            return None
        queue, selected, _ = target
        dialog = MoveDialog(self.profile, self._db_path, queue, [m.key for m in selected], self)
        return self._open(dialog)

    def open_dead_letter(self) -> DeadLetterDialog | None:
        target = self._usable_target()
        if target is None:
            return None
        queue, selected, _ = target
        keys = [m.key for m in selected]
        return self._open(DeadLetterDialog(self.profile, self._db_path, queue, keys, self))

    def open_send_home(self) -> SendHomeDialog | None:
        target = self._usable_target()
        if target is None:
            return None
        queue, selected, page = target
        first = selected[0] if selected else (page[0] if page else None)
        origin = home_of(first.headers, queue, HomeTarget.QUEUE) if first else None
        keys = [m.key for m in selected]
        dialog = SendHomeDialog(self.profile, self._db_path, queue, keys, self)
        if origin is not None:
            dialog.suggest_destination(origin)
        return self._open(dialog)

    def open_purge(self) -> PurgeDialog | None:
        target = self._usable_target()
        if target is None:
            return None
        dialog = self._open(PurgeDialog(self.profile, self._db_path, target[0], self))
        dialog.preview()
        return dialog

    def shutdown(self) -> None:
        """Cancel a running operation and wait for it; close the dialog."""
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close()

    def _usable_target(
        self,
    ) -> tuple[str, Sequence[BrowsedMessage], Sequence[BrowsedMessage]] | None:
        if self.profile.read_only:
            return None
        if self.dialog is not None and self.dialog.running:
            self.dialog.raise_()
            self.busy.emit("An operation is running: wait for it, or cancel it, first.")
            return None
        return self._target()

    def _open(self, dialog: D) -> D:
        if self.dialog is not None:
            self.dialog.destroyed.disconnect(self._on_dialog_destroyed)
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.operation_finished.connect(self.operation_finished)
        dialog.destroyed.connect(self._on_dialog_destroyed)
        self.dialog = dialog
        dialog.show()
        return dialog

    def _on_dialog_destroyed(self, *_: object) -> None:
        self.dialog = None
