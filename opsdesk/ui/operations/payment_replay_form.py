"""The choices of a payment replay: which payments, why, where to, which guards to override,
and how long to follow the outcomes. Any change emits `changed` (the plan shown is stale)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.operations.plan import Destination
from opsdesk.operations.replay_guards import GUARD_TEXT, PAYMENT_GUARDS
from opsdesk.ui.operations.destination_form import DestinationForm
from opsdesk.ui.operations.payment_replay_pick import PaymentPick

MAX_FOLLOW_S = 3600
_TRIPPED_STYLE = "color: #8f1d1d;"


class PaymentReplayForm(QWidget):
    """Override boxes show only for the guards the last preview tripped (or already ticked)."""

    changed = Signal()

    def __init__(
        self, pick: PaymentPick, profile: Profile, follow_s: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.selection_choice = QRadioButton(pick.describe_selection())
        self.filter_choice = QRadioButton(pick.describe_filter())
        self.selection_choice.setVisible(pick.has_selection)
        self.filter_choice.setVisible(pick.has_filter)
        (self.selection_choice if pick.has_selection else self.filter_choice).setChecked(True)
        which = _group("Payments", self.selection_choice, self.filter_choice)

        self.default_choice = QRadioButton(_default_destination_text(profile))
        self.chosen_choice = QRadioButton("To:")
        self.destination_form = DestinationForm()
        self.destination_form.exchange_choice.setChecked(True)
        self.default_choice.setChecked(True)
        destination = _group(
            "Destination", self.default_choice, self.chosen_choice, self.destination_form
        )

        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("required: why (goes into the headers and the audit log)")
        self.follow_time = QSpinBox()
        self.follow_time.setAccessibleName("Follow outcomes for")
        self.follow_time.setRange(1, MAX_FOLLOW_S)
        self.follow_time.setSingleStep(30)
        self.follow_time.setSuffix(" s")
        self.follow_time.setValue(follow_s)
        self.follow_time.setToolTip(
            "After the run, how long to watch the history for each payment's next outcome"
        )
        form = QHBoxLayout()
        form.addWidget(QLabel("Reason:"))
        form.addWidget(self.reason, 1)
        form.addSpacing(12)
        form.addWidget(QLabel("Follow outcomes for:"))
        form.addWidget(self.follow_time)

        self.guards_note = QLabel("Preview to see which guards these payments trip.")
        self.overrides: dict[str, QCheckBox] = {}
        for guard in PAYMENT_GUARDS:
            box = QCheckBox()
            box.setObjectName(f"override_{guard}")
            box.hide()
            self.overrides[guard] = box
        guards = _group(
            "Guards (each one the preview tripped needs an explicit override)",
            self.guards_note,
            *self.overrides.values(),
        )

        choices = QHBoxLayout()
        choices.addWidget(which, 1)
        choices.addWidget(destination, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(choices)
        layout.addLayout(form)
        layout.addWidget(guards)

        which_buttons = _buttons(self, self.selection_choice, self.filter_choice)
        which_buttons.buttonToggled.connect(self._on_changed)
        destinations = _buttons(self, self.default_choice, self.chosen_choice)
        destinations.buttonToggled.connect(self._on_destination_toggled)
        self.destination_form.changed.connect(self._on_changed)
        self.reason.textChanged.connect(self._on_changed)
        for box in self.overrides.values():
            box.toggled.connect(self._on_changed)
        self._on_destination_toggled()

    # -- the choices ------------------------------------------------------------------------

    def reason_text(self) -> str:
        """The reason; ValueError when there is none."""
        reason = self.reason.text().strip()
        if not reason:
            raise ValueError("Give a reason: it goes into the replayed messages and the audit log.")
        return reason

    def destination(self) -> Destination | None:
        """The operator's destination; None for the default; ValueError when incomplete."""
        return self.destination_form.destination() if self.chosen_choice.isChecked() else None

    def chosen_overrides(self) -> frozenset[str]:
        return frozenset(g for g, box in self.overrides.items() if box.isChecked())

    def uses_filter(self) -> bool:
        return self.filter_choice.isChecked()

    def follow_seconds(self) -> int:
        return self.follow_time.value()

    def show_tripped(self, tripped: Mapping[str, int]) -> None:
        """The guards the last preview tripped, each with how many payments tripped it."""
        for guard, box in self.overrides.items():
            count = tripped.get(guard, 0)
            box.setText(f"Override: {GUARD_TEXT.get(guard, guard)} — tripped by {count} payment(s)")
            # Only a guard the last preview tripped can be overridden: nothing blind.
            box.setVisible(bool(count) or box.isChecked())
            box.setStyleSheet(_TRIPPED_STYLE if count and not box.isChecked() else "")
        self.guards_note.setText(
            "Tick an override only when you are sure:"
            if tripped
            else "No guard stands in the way of these payments."
        )

    # -- slots ------------------------------------------------------------------------------

    def _on_destination_toggled(self, *_: object) -> None:
        self.destination_form.setEnabled(self.chosen_choice.isChecked())
        self.changed.emit()

    def _on_changed(self, *_: object) -> None:
        self.changed.emit()


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _buttons(owner: QWidget, *buttons: QRadioButton) -> QButtonGroup:
    group = QButtonGroup(owner)
    for button in buttons:
        group.addButton(button)
    return group


def _default_destination_text(profile: Profile) -> str:
    settings = profile.replay
    if settings.queue:
        return f"The profile's replay destination: queue {settings.queue!r}"
    if settings.exchange is not None:
        key = settings.routing_key or "each request's own routing key"
        return f"The profile's replay destination: exchange {settings.exchange!r}, {key}"
    return "Where each payment's request was first published (its exchange and routing key)"
