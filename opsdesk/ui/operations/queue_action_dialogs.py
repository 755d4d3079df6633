"""The actions on a browsed queue: move, dead-letter, send dead letters home, purge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
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
from opsdesk.operations.plan import DEFAULT_RETRY_LIMIT, Destination, HomeTarget, Plan
from opsdesk.operations.service import Operations
from opsdesk.ui.operations.destination_form import DestinationForm
from opsdesk.ui.operations.operation_dialog import OperationDialog, PlanJob
from opsdesk.ui.operations.selection_form import SelectionForm


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.addWidget(widget)
    return box


class QueueActionDialog(OperationDialog):
    """An action on some of one queue's messages: which ones first, then the action's choices."""

    TITLE = "{queue}"  # the window title, naming the queue
    FILTERS = True  # whether messages can also be chosen by a filter

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        queue: str,
        selected_keys: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.TITLE.format(queue=queue), profile, db_path, parent)
        self.queue = queue
        self.selection_form = SelectionForm(selected_keys, allow_filter=self.FILTERS)
        self.parameters_layout.addWidget(_group("Which messages", self.selection_form))
        self.selection_form.changed.connect(self.invalidate)
        self._add_parameters()

    def _add_parameters(self) -> None:
        """The action's own choices, below which messages."""
        raise NotImplementedError


class MoveDialog(QueueActionDialog):
    """Move messages to a queue or an exchange; the originals are acked after confirms."""

    TITLE = "Move Messages from {queue}"

    def _add_parameters(self) -> None:
        self.destination_form = DestinationForm()
        self.parameters_layout.addWidget(_group("To", self.destination_form))
        self.destination_form.changed.connect(self.invalidate)

    def plan_job(self) -> PlanJob:
        queue = self.queue
        selection = self.selection_form.selection()
        destination = self.destination_form.destination()
        return lambda ops: ops.plan_move(queue, destination, selection)


class DeadLetterDialog(QueueActionDialog):
    """Reject into the queue's dead-letter exchange, or move into a parking queue."""

    TITLE = "Dead-letter Messages in {queue}"
    FILTERS = False

    def _add_parameters(self) -> None:
        self.parking_queue = QLineEdit()
        self.parking_queue.setAccessibleName("Parking queue")
        self.parking_queue.setPlaceholderText(
            "only if the queue has no usable dead-letter exchange"
        )
        self.create_parking = QCheckBox("Create it if it does not exist (durable, classic)")
        self.create_parking.setChecked(True)
        self.create_parking.setToolTip(
            "The preview says whether it will be created; nothing is created before Run"
        )
        parking = QFormLayout()
        parking.addRow("Parking queue:", self.parking_queue)
        parking.addRow("", self.create_parking)
        holder = QWidget()
        holder.setLayout(parking)
        self.parameters_layout.addWidget(holder)
        self.parking_queue.textChanged.connect(self.invalidate)
        self.create_parking.toggled.connect(self.invalidate)

    def plan_job(self) -> PlanJob:
        queue = self.queue
        selection = self.selection_form.selection()
        parking = self.parking_queue.text().strip() or None
        create = self.create_parking.isChecked()
        return lambda ops: ops.plan_dead_letter(
            queue, selection, parking, create_parking_queue=create
        )


class SendHomeDialog(QueueActionDialog):
    """Send dead letters back where x-death says they died, or to a chosen destination."""

    TITLE = "Send Dead Letters Home from {queue}"

    def suggest_destination(self, destination: Destination) -> None:
        """Fill the "All of them to" destination (e.g. with the first message's origin)."""
        self.destination_form.set_destination(destination)

    def _add_parameters(self) -> None:
        self.own_origin_choice = QRadioButton("Where each message came from (its x-death):")
        self.target = QComboBox()
        self.target.addItem("the queue it died in", HomeTarget.QUEUE)
        self.target.addItem("its original exchange and routing key", HomeTarget.EXCHANGE)
        self.target.setToolTip(
            "Through the original exchange, every other queue bound there gets it again too"
        )
        self.chosen_choice = QRadioButton("All of them to:")
        self.destination_form = DestinationForm()
        self._group = QButtonGroup(self)
        self._group.addButton(self.own_origin_choice)
        self._group.addButton(self.chosen_choice)
        self.own_origin_choice.setChecked(True)
        self.retry_limit = QSpinBox()
        self.retry_limit.setAccessibleName("Retry limit")
        self.retry_limit.setRange(1, 1000)
        self.retry_limit.setValue(DEFAULT_RETRY_LIMIT)
        self.retry_limit.setSuffix(" time(s) sent home at most")
        self.override_retry = QCheckBox(
            "Override the retry limit (send even those sent home often)"
        )

        home = QWidget()
        home_layout = QVBoxLayout(home)
        home_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.own_origin_choice)
        row.addWidget(self.target, 1)
        home_layout.addLayout(row)
        home_layout.addWidget(self.chosen_choice)
        self.destination_form.setContentsMargins(24, 0, 0, 0)
        home_layout.addWidget(self.destination_form)
        limits = QHBoxLayout()
        limits.addWidget(QLabel("Retry limit:"))
        limits.addWidget(self.retry_limit)
        limits.addWidget(self.override_retry, 1)
        home_layout.addLayout(limits)
        self.parameters_layout.addWidget(_group("Send them", home))
        self.destination_form.changed.connect(self._on_destination_edited)
        self._group.buttonToggled.connect(self._on_choice_toggled)
        self.target.currentIndexChanged.connect(self.invalidate)
        self.retry_limit.valueChanged.connect(self.invalidate)
        self.override_retry.toggled.connect(self.invalidate)
        self._on_choice_toggled()

    def plan_job(self) -> PlanJob:
        queue = self.queue
        selection = self.selection_form.selection()
        destination = (
            self.destination_form.destination() if self.chosen_choice.isChecked() else None
        )
        target = HomeTarget(self.target.currentData())
        limit = self.retry_limit.value()
        override = self.override_retry.isChecked()

        def job(ops: Operations) -> Plan:
            return ops.plan_send_home(
                queue,
                selection,
                destination=destination,
                target=target,
                retry_limit=limit,
                override_retry_limit=override,
            )

        return job

    def _on_destination_edited(self) -> None:
        self.invalidate()

    def _on_choice_toggled(self, *_: object) -> None:
        own = self.own_origin_choice.isChecked()
        self.target.setEnabled(own)
        self.destination_form.setEnabled(not own)
        self.invalidate()


class PurgeDialog(OperationDialog):
    """Delete every ready message; typed confirmation of the queue name, always."""

    def __init__(
        self, profile: Profile, db_path: Path, queue: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Purge {queue}", profile, db_path, parent)
        self.queue = queue
        warning = QLabel(
            f"Purging deletes every ready message in {queue!r}. Nothing can bring them back; "
            "messages a consumer holds unacknowledged are not touched."
        )
        warning.setWordWrap(True)
        warning.setTextFormat(Qt.TextFormat.PlainText)
        warning.setStyleSheet("color: #8f1d1d; font-weight: bold;")
        self.parameters_layout.addWidget(warning)

    def plan_job(self) -> PlanJob:
        queue = self.queue
        return lambda ops: ops.plan_purge(queue)
