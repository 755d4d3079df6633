"""Declare a queue: name, type, durability, the arguments an operator sets most (dead-letter
exchange and key, length limit, delivery limit) and any other as NAME=VALUE lines.

What RabbitMQ would refuse is said before Preview reads anything; a queue that exists is
never declared again (operations/declare_queue.py), the preview says how it differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult, OutcomeStatus, Plan
from opsdesk.operations.queue_arguments import (
    NOT_FOR_TYPE,
    QUEUE_TYPES,
    parse_arguments,
    queue_spec,
)
from opsdesk.operations.write_specs import DeclareQueueSpec
from opsdesk.ui.operations.operation_dialog import PlanJob
from opsdesk.ui.operations.single_write_dialog import SingleWriteDialog, audit_line, open_non_modal

DEFAULT_TYPE = "quorum"  # RabbitMQ 4's queue for data that must survive a node
LIMIT_MAX = 2_000_000_000
OTHER_HINT = "one a line: NAME=VALUE or NAME:=JSON, e.g. x-message-ttl=60000"


class DeclareQueueDialog(SingleWriteDialog):
    """A new queue, exactly as previewed; refused when a queue of that name exists."""

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        *,
        name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Declare a Queue", profile, db_path, parent)
        self.name_edit = QLineEdit(name)
        self.name_edit.setAccessibleName("Queue name")
        self.name_edit.setPlaceholderText("e.g. payments.parking")
        self.type_box = QComboBox()
        self.type_box.addItems(QUEUE_TYPES)
        self.type_box.setCurrentText(DEFAULT_TYPE)
        self.type_box.setAccessibleName("Queue type")
        self.durable_box = QCheckBox("Durable (survives a broker restart)")
        self.durable_box.setChecked(True)
        self.dlx_edit = QLineEdit()
        self.dlx_edit.setAccessibleName("Dead-letter exchange")
        self.dlx_edit.setPlaceholderText("x-dead-letter-exchange (empty: none)")
        self.dlrk_edit = QLineEdit()
        self.dlrk_edit.setAccessibleName("Dead-letter routing key")
        self.dlrk_edit.setPlaceholderText("x-dead-letter-routing-key (empty: the message's own)")
        self.max_length = _limit("x-max-length: ready messages kept at most", "Max length")
        self.delivery_limit = _limit(
            "x-delivery-limit: deliveries before a message is dead-lettered or dropped "
            "(RabbitMQ 4 defaults to 20 for quorum queues)",
            "Delivery limit",
        )
        self.other_edit = QPlainTextEdit()
        self.other_edit.setAccessibleName("Other arguments")
        self.other_edit.setPlaceholderText(OTHER_HINT)
        self.other_edit.setTabChangesFocus(True)
        self.other_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.other_edit.setFixedHeight(self.other_edit.fontMetrics().lineSpacing() * 3 + 12)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Type:", self.type_box)
        form.addRow("", self.durable_box)
        form.addRow("Dead-letter e&xchange:", self.dlx_edit)
        form.addRow("Dead-letter &key:", self.dlrk_edit)
        form.addRow("&Max length:", self.max_length)
        form.addRow("De&livery limit:", self.delivery_limit)
        form.addRow("&Other arguments:", self.other_edit)
        holder = QWidget()
        holder.setLayout(form)
        self.parameters_layout.addWidget(holder)
        for edit in (self.name_edit, self.dlx_edit, self.dlrk_edit):
            edit.textChanged.connect(self.invalidate)
        self.other_edit.textChanged.connect(self.invalidate)
        for spin in (self.max_length, self.delivery_limit):
            spin.valueChanged.connect(self.invalidate)
        self.durable_box.toggled.connect(self.invalidate)
        self._argument_fields: dict[str, QWidget] = {
            "x-dead-letter-exchange": self.dlx_edit,
            "x-dead-letter-routing-key": self.dlrk_edit,
            "x-max-length": self.max_length,
            "x-delivery-limit": self.delivery_limit,
        }
        self._tips = {key: widget.toolTip() for key, widget in self._argument_fields.items()}
        self.type_box.currentTextChanged.connect(self._on_type_changed)
        self.preview_button.setDefault(True)
        self._hide_message_list()
        self._on_type_changed(self.type_box.currentText())

    def arguments(self) -> dict[str, Any]:
        """The arguments as chosen (ValueError for a bad line or one given twice)."""
        refused = NOT_FOR_TYPE.get(self.type_box.currentText(), frozenset())
        fields: dict[str, Any] = {
            "x-dead-letter-exchange": self.dlx_edit.text().strip(),
            "x-dead-letter-routing-key": self.dlrk_edit.text().strip(),
            "x-max-length": self.max_length.value(),
            "x-delivery-limit": self.delivery_limit.value(),
        }
        chosen = {k: v for k, v in fields.items() if k not in refused and v not in ("", 0)}
        other = parse_arguments(self.other_edit.toPlainText())
        twice = sorted(set(chosen) & set(other))
        if twice:
            raise ValueError(f"{', '.join(twice)} is given in a field and in other arguments.")
        return {**chosen, **other}

    def plan_job(self) -> PlanJob:
        spec = queue_spec(
            self.name_edit.text().strip(),
            self.type_box.currentText(),
            self.durable_box.isChecked(),
            self.arguments(),
        )
        return lambda ops: ops.plan_declare_queue(spec)

    # -- in words ---------------------------------------------------------------------------

    def summary_text(self, plan: Plan) -> str:
        spec = plan.spec
        assert isinstance(spec, DeclareQueueSpec)
        shown = [f"{k} = {v!r}" for k, v in spec.arguments.items() if k != "x-queue-type"]
        lines = [
            f"{'Declare' if plan.count else 'Nothing to declare:'} "
            f"{'durable' if spec.durable else 'transient'} {spec.queue_type} queue "
            f"{spec.queue!r}",
            f"Arguments: {'; '.join(shown) if shown else 'none'}",
            f"How: {plan.method}",
        ]
        self._hide_message_list()
        return "\n".join(lines + [f"⚠ {warning}" for warning in plan.warnings])

    def run_text(self, plan: Plan) -> str:
        return f"Declare {plan.source}"

    def result_text(self, result: OperationResult) -> str:
        outcome = result.outcomes[0] if result.outcomes else None
        if outcome is not None and outcome.status is OutcomeStatus.DONE:
            head = f"Declared queue {result.plan.source!r}"
        else:
            head = f"Not declared: {outcome.detail if outcome else 'nothing ran'}"
        return "\n".join([f"{head} · {audit_line(result)}", *result.notes])

    def _hide_message_list(self) -> None:
        """A declare touches no message: the plan's message list says nothing."""
        self.plan_view.items.hide()
        self.plan_view.message.hide()

    # -- slots ------------------------------------------------------------------------------

    def _on_type_changed(self, queue_type: str) -> None:
        refused = NOT_FOR_TYPE.get(queue_type, frozenset())
        for key, widget in self._argument_fields.items():
            widget.setEnabled(key not in refused)
            why = f"A {queue_type} queue does not take {key}: RabbitMQ refuses it"
            widget.setToolTip(why if key in refused else self._tips[key])
        always_durable = queue_type != "classic"
        if always_durable:
            self.durable_box.setChecked(True)
        self.durable_box.setEnabled(not always_durable)
        self.invalidate()


def _limit(tip: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, LIMIT_MAX)
    spin.setSpecialValueText("none")
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(tip)
    spin.setAccessibleName(name)
    return spin


def open_declare_queue_dialog(
    parent: QWidget | None, profile: Profile, db_path: Path, *, name: str = ""
) -> DeclareQueueDialog:
    """Open (non-modal, deleted on close), with the queue's name filled in when known."""
    dialog = DeclareQueueDialog(profile, db_path, name=name, parent=parent)
    open_non_modal(dialog)
    return dialog
