"""Replay payment events from the history: reason, destination, preview, guard overrides, run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.events.model import PaymentEvent
from opsdesk.operations.plan import Plan
from opsdesk.operations.replay import (
    ALREADY_REPLAYED,
    GUARDS,
    NO_IDEMPOTENCY_KEY,
    OLDER_THAN_24H,
    PAYMENT_SUCCEEDED,
)
from opsdesk.operations.service import Operations
from opsdesk.ui.operations.destination_form import DestinationForm
from opsdesk.ui.operations.operation_dialog import OperationDialog, PlanJob

GUARD_TEXT = {
    PAYMENT_SUCCEEDED: "the payment has since succeeded",
    ALREADY_REPLAYED: "the event was already replayed",
    OLDER_THAN_24H: "the event is older than 24 h (the provider may have forgotten its key)",
    NO_IDEMPOTENCY_KEY: "the event has no idempotency key (a consumer cannot dedupe it)",
}


class ReplayDialog(OperationDialog):
    """The preview shows exactly what would be sent where; each tripped guard needs its override."""

    def __init__(
        self,
        events: Sequence[PaymentEvent | str],
        profile: Profile,
        db_path: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Replay {len(events)} Exact Message(s)", profile, db_path, parent)
        self.setObjectName("replayDialog")
        self.events = tuple(events)
        self._tripped: dict[str, int] = {}
        self.preview_button.setToolTip("Show exactly what would be sent where; sends nothing")
        intro = QLabel(
            "A replay republishes each event's stored body and properties with a new message_id,"
            " keeping its idempotency key, and records who replayed it, when and why."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("required: why (goes into the headers and the audit log)")
        self.original_choice = QRadioButton("Where each event was first published")
        self.chosen_choice = QRadioButton("To:")
        self.destination_form = DestinationForm()
        self.destination_form.exchange_choice.setChecked(True)
        self._destination_group = QButtonGroup(self)
        self._destination_group.addButton(self.original_choice)
        self._destination_group.addButton(self.chosen_choice)
        self.original_choice.setChecked(True)
        destination = QGroupBox("Destination")
        destination_layout = QVBoxLayout(destination)
        destination_layout.addWidget(self.original_choice)
        destination_layout.addWidget(self.chosen_choice)
        destination_layout.addWidget(self.destination_form)
        self.overrides: dict[str, QCheckBox] = {}
        guards = QGroupBox("Guards (each tripped one needs an explicit override)")
        guards_layout = QVBoxLayout(guards)
        for guard in GUARDS:
            box = QCheckBox()
            box.setObjectName(f"override_{guard}")
            box.toggled.connect(self.invalidate)
            self.overrides[guard] = box
            guards_layout.addWidget(box)
        form = QFormLayout()
        form.addRow("Reason:", self.reason)
        self.parameters_layout.addWidget(intro)
        self.parameters_layout.addLayout(form)
        self.parameters_layout.addWidget(destination)
        self.parameters_layout.addWidget(guards)
        self.reason.textChanged.connect(self.invalidate)
        self._destination_group.buttonToggled.connect(self._on_destination_toggled)
        self.destination_form.changed.connect(self._on_destination_edited)
        self.plan_ready.connect(self._on_plan_ready)
        self._on_destination_toggled()
        self._show_guards()

    def plan_job(self) -> PlanJob:
        reason = self.reason.text().strip()
        if not reason:
            raise ValueError("Give a reason: it goes into the replayed messages and the audit log.")
        if not self.events:
            raise ValueError("No event to replay.")
        destination = (
            self.destination_form.destination() if self.chosen_choice.isChecked() else None
        )
        overrides = frozenset(g for g, box in self.overrides.items() if box.isChecked())
        events = self.events

        def job(ops: Operations) -> Plan:
            return ops.plan_replay(
                events, reason=reason, destination=destination, overrides=overrides
            )

        return job

    def _show_guards(self) -> None:
        for guard, box in self.overrides.items():
            tripped = self._tripped.get(guard, 0)
            state = f"tripped by {tripped} event(s)" if tripped else "not tripped"
            box.setText(f"Override: {GUARD_TEXT.get(guard, guard)} — {state}")
            # Only a guard the last preview tripped can be overridden: nothing blind.
            box.setEnabled(bool(tripped) or box.isChecked())
            box.setStyleSheet("color: #8f1d1d;" if tripped and not box.isChecked() else "")

    def _on_plan_ready(self, plan: Plan) -> None:
        self._tripped = plan.guards
        self._show_guards()

    def _on_destination_toggled(self, *_: object) -> None:
        self.destination_form.setEnabled(self.chosen_choice.isChecked())
        self.invalidate()

    def _on_destination_edited(self) -> None:
        self.invalidate()


def open_replay_dialog(
    parent: QWidget | None,
    profile: Profile,
    db_path: Path,
    events: Sequence[PaymentEvent | str],
) -> ReplayDialog:
    """Open (non-modal, deleted on close) a replay of stored events or of event ids."""
    # Event ids are looked up off the UI thread: pass ids for a whole filter, not the rows.
    dialog = ReplayDialog(events, profile, db_path, parent)
    if parent is not None:
        dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


class ReplayDialogs:
    """The replay dialogs the desk opened: closed, any running replay cancelled and waited
    for (so its outcome is audited), when the desk stops."""

    def __init__(self) -> None:
        self._open: list[ReplayDialog] = []

    def open(
        self,
        parent: QWidget | None,
        profile: Profile,
        db_path: Path,
        events: Sequence[PaymentEvent | str],
    ) -> ReplayDialog:
        dialog = open_replay_dialog(parent, profile, db_path, events)
        self._open.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        return dialog

    def shutdown(self) -> None:
        for dialog in list(self._open):
            dialog.shutdown()
            dialog.close()
        self._open.clear()

    def _forget(self, dialog: ReplayDialog) -> None:
        if dialog in self._open:
            self._open.remove(dialog)
