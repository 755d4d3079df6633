"""Edits the profile's alert rules: add, remove, change thresholds; returns the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsdesk.config.alert_rules import AlertRule, RuleKind, describe, parse_rule, rule_to_dict
from opsdesk.ui.alerts.number_spin import PlainNumberSpin
from opsdesk.ui.list_editor_dialog import ListEditorDialog

KIND_LABELS = {
    RuleKind.QUEUE_DEPTH: "Queue depth above a threshold",
    RuleKind.DEAD_LETTERS: "Dead-letter queue not empty (or growing)",
    RuleKind.SUCCESS_RATE: "Success rate below a percentage",
    RuleKind.SILENCE: "No events at all for a while",
    RuleKind.NO_CONSUMERS: "Queue without consumers",
    RuleKind.BROKER_ALARM: "Broker alarm (memory, disk) or partition",
}
# Which editor rows each kind uses; the others are hidden.
_ROWS: dict[RuleKind, frozenset[str]] = {
    RuleKind.QUEUE_DEPTH: frozenset({"queue", "threshold", "for"}),
    RuleKind.DEAD_LETTERS: frozenset({"queue", "growing", "window", "for"}),
    RuleKind.SUCCESS_RATE: frozenset({"threshold", "window", "min_samples", "merchant", "for"}),
    RuleKind.SILENCE: frozenset({"for"}),
    RuleKind.NO_CONSUMERS: frozenset({"queue", "for"}),
    RuleKind.BROKER_ALARM: frozenset({"for"}),
}
_THRESHOLD_LABELS = {
    RuleKind.QUEUE_DEPTH: "Messages ready above",
    RuleKind.SUCCESS_RATE: "Success rate below",
}
MAX_DEPTH = 1e9
_WINDOW_LABELS = {RuleKind.SUCCESS_RATE: "Over the last", RuleKind.DEAD_LETTERS: "Growing over"}


def validate(rules: Sequence[AlertRule]) -> str | None:
    """Why these rules cannot be saved, or None: each must survive its own TOML round trip."""
    names: set[str] = set()
    for index, rule in enumerate(rules, start=1):
        if not rule.name.strip():
            return f"Rule #{index} needs a name."
        if rule.name in names:
            return f"Two rules are named {rule.name!r}."
        names.add(rule.name)
        try:
            parse_rule(rule_to_dict(rule), index)
        except ValueError as exc:
            return str(exc)
    return None


class AlertRulesDialog(ListEditorDialog[AlertRule]):
    """The rule list on the left, the chosen rule's fields on the right."""

    NEW_NAME = "rule"

    def __init__(
        self,
        rules: Sequence[AlertRule],
        *,
        queues: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(rules, parent)
        self.setWindowTitle("Alert rules")
        self.name_edit = QLineEdit(self)
        self.kind_combo = QComboBox(self)
        for kind, label in KIND_LABELS.items():
            self.kind_combo.addItem(label, kind)
        self.enabled_check = QCheckBox("Enabled", self)
        self.queue_combo = QComboBox(self)
        self.queue_combo.setEditable(True)  # a queue not seen yet can be typed
        self.queue_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.set_queues(queues)
        queue_line = self.queue_combo.lineEdit()
        if queue_line is not None:
            queue_line.setPlaceholderText("every sampled queue it applies to")
        self.threshold_spin = PlainNumberSpin(self, 0, MAX_DEPTH, 0)
        self.for_spin = PlainNumberSpin(self, 0, 7 * 86400, 0, " s")
        self.window_spin = PlainNumberSpin(self, 0.1, 7 * 24 * 60, 1, " min")
        self.min_samples_spin = QSpinBox(self)
        self.min_samples_spin.setRange(1, 1_000_000)
        self.merchant_edit = QLineEdit(self)
        self.merchant_edit.setPlaceholderText("every merchant")
        self.growing_check = QCheckBox("Only while it grows", self)
        self._build_layout()
        # Changed, not edited/activated: _load's own changes are ignored through _loading.
        self.name_edit.textChanged.connect(self._on_edited)
        self.kind_combo.currentIndexChanged.connect(self._on_edited)
        self.enabled_check.toggled.connect(self._on_edited)
        self.queue_combo.editTextChanged.connect(self._on_edited)
        for spin in (self.threshold_spin, self.for_spin, self.window_spin):
            spin.valueChanged.connect(self._on_edited)
        self.min_samples_spin.valueChanged.connect(self._on_edited)
        self.merchant_edit.textChanged.connect(self._on_edited)
        self.growing_check.toggled.connect(self._on_edited)
        self._fill()

    def rules(self) -> tuple[AlertRule, ...]:
        return tuple(self._items)

    def set_queues(self, queues: Sequence[str]) -> None:
        """The queues offered in the picker (sorted, once each); what is typed stays."""
        typed = self.queue_combo.currentText()
        loading, self._loading = self._loading, True
        try:
            self.queue_combo.clear()
            self.queue_combo.addItems(["", *sorted(set(queues) - {""})])
            self.queue_combo.setEditText(typed)
        finally:
            self._loading = loading

    # -- editing ---------------------------------------------------------------------------

    def _name(self, item: AlertRule) -> str:
        return item.name

    def _new_item(self, name: str) -> AlertRule:
        return AlertRule(name, RuleKind.QUEUE_DEPTH, threshold=1000.0)

    def _problem(self) -> str | None:
        return validate(self._items)

    def _editor(self) -> QWidget:
        return self._editor_widget

    def _name_edit(self) -> QLineEdit:
        return self.name_edit

    def _load(self, rule: AlertRule) -> None:
        self._loading = True
        try:
            # Before the value: a count field (no decimals) would round 99.5 % to 100.
            self._fit_threshold(rule.kind)
            self.name_edit.setText(rule.name)
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(rule.kind))
            self.enabled_check.setChecked(rule.enabled)
            self.queue_combo.setEditText(rule.queue or "")
            self.threshold_spin.setValue(rule.threshold)
            self.for_spin.setValue(rule.for_seconds)
            self.window_spin.setValue(rule.window_seconds / 60.0)
            self.min_samples_spin.setValue(rule.min_samples)
            self.merchant_edit.setText(rule.merchant or "")
            self.growing_check.setChecked(rule.growing)
        finally:
            self._loading = False
        self._show_rows(rule.kind)

    def _edited(self, previous: AlertRule) -> AlertRule:
        return replace(
            previous,
            name=self.name_edit.text().strip(),
            kind=RuleKind(self.kind_combo.currentData()),
            enabled=self.enabled_check.isChecked(),
            queue=self.queue_combo.currentText().strip() or None,
            threshold=self.threshold_spin.value(),
            for_seconds=self.for_spin.value(),
            window_seconds=self.window_spin.value() * 60.0,
            min_samples=self.min_samples_spin.value(),
            merchant=self.merchant_edit.text().strip() or None,
            growing=self.growing_check.isChecked(),
        )

    def _on_shown_item_changed(self) -> None:
        # After the rule was read and stored: showing its rows refits the threshold field,
        # and a value that changes with it comes back through _on_edited.
        row = self._current_row()
        if row is not None:
            self._show_rows(self._items[row].kind)

    def _show_rows(self, kind: RuleKind) -> None:
        rows = _ROWS[kind]
        form = self._form
        form.setRowVisible(self.queue_combo, "queue" in rows)
        form.setRowVisible(self.threshold_spin, "threshold" in rows)
        form.setRowVisible(self.window_spin, "window" in rows)
        form.setRowVisible(self.min_samples_spin, "min_samples" in rows)
        form.setRowVisible(self.merchant_edit, "merchant" in rows)
        form.setRowVisible(self.growing_check, "growing" in rows)
        self._threshold_label.setText(_THRESHOLD_LABELS.get(kind, "Threshold"))
        self._window_label.setText(_WINDOW_LABELS.get(kind, "Window"))
        self._for_label.setText("No events for" if kind is RuleKind.SILENCE else "For at least")
        self._fit_threshold(kind)

    def _fit_threshold(self, kind: RuleKind) -> None:
        """A count of messages is a whole number; a success rate a percentage."""
        if kind is RuleKind.SUCCESS_RATE:
            self.threshold_spin.fit(2, 100.0, " %")
        else:
            self.threshold_spin.fit(0, MAX_DEPTH)

    def _item_text(self, rule: AlertRule) -> str:
        try:
            text = f"{rule.name} — {describe(rule)}"
        except ValueError:
            text = rule.name
        return text if rule.enabled else f"{text} (disabled)"

    # -- layout ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        editor = self._editor_widget = QWidget(self)
        form = self._form = QFormLayout(editor)
        form.addRow("Name", self.name_edit)
        form.addRow("Kind", self.kind_combo)
        form.addRow("", self.enabled_check)
        form.addRow("Queue", self.queue_combo)
        self._threshold_label = QLabel("Threshold", editor)
        form.addRow(self._threshold_label, self.threshold_spin)
        self._window_label = QLabel("Window", editor)
        form.addRow(self._window_label, self.window_spin)
        form.addRow("At least (outcomes)", self.min_samples_spin)
        form.addRow("Merchant", self.merchant_edit)
        form.addRow("", self.growing_check)
        self._for_label = QLabel("For at least", editor)
        form.addRow(self._for_label, self.for_spin)
        body = QHBoxLayout()
        body.addLayout(self._list_with_buttons(), 1)
        body.addWidget(editor, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.resize(760, 420)
