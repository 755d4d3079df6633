"""Edits the profile's alert rules: add, remove, change thresholds; returns the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opsdesk.alerting.rules import AlertRule, RuleKind, describe, parse_rule, rule_to_dict
from opsdesk.ui.alerts.number_spin import PlainNumberSpin

KIND_LABELS = {
    RuleKind.QUEUE_DEPTH: "Queue depth above a threshold",
    RuleKind.DEAD_LETTERS: "Dead-letter queue not empty (or growing)",
    RuleKind.SUCCESS_RATE: "Success rate below a percentage",
    RuleKind.SILENCE: "No events at all for a while",
    RuleKind.NO_CONSUMERS: "Queue without consumers",
}
# Which editor rows each kind uses; the others are hidden.
_ROWS: dict[RuleKind, frozenset[str]] = {
    RuleKind.QUEUE_DEPTH: frozenset({"queue", "threshold", "for"}),
    RuleKind.DEAD_LETTERS: frozenset({"queue", "growing", "window", "for"}),
    RuleKind.SUCCESS_RATE: frozenset({"threshold", "window", "min_samples", "merchant", "for"}),
    RuleKind.SILENCE: frozenset({"for"}),
    RuleKind.NO_CONSUMERS: frozenset({"queue", "for"}),
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


class AlertRulesDialog(QDialog):
    """The rule list on the left, the chosen rule's fields on the right."""

    def __init__(
        self,
        rules: Sequence[AlertRule],
        *,
        queues: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Alert rules")
        self._rules = list(rules)
        self._loading = False
        self.rule_list = QListWidget(self)
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove", self)
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
        self.problem_label = QLabel(" ", self)
        self.problem_label.setStyleSheet("color: #8f1d1d;")
        self.problem_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._build_layout()

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.rule_list.currentRowChanged.connect(self._on_current_row_changed)
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

        for rule in self._rules:
            self.rule_list.addItem(self._item_text(rule))
        self.rule_list.setCurrentRow(0 if self._rules else -1)
        self._sync_editor_enabled()
        self._validate()

    def rules(self) -> tuple[AlertRule, ...]:
        return tuple(self._rules)

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

    def add_rule(self, rule: AlertRule) -> None:
        self._rules.append(rule)
        self.rule_list.addItem(self._item_text(rule))
        self.rule_list.setCurrentRow(len(self._rules) - 1)
        self._sync_editor_enabled()
        self._validate()

    # -- editing ---------------------------------------------------------------------------

    def _on_add_clicked(self) -> None:
        taken = {rule.name for rule in self._rules}
        number = len(self._rules) + 1
        while f"rule {number}" in taken:
            number += 1
        self.add_rule(AlertRule(f"rule {number}", RuleKind.QUEUE_DEPTH, threshold=1000.0))
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _on_remove_clicked(self) -> None:
        row = self.rule_list.currentRow()
        if 0 <= row < len(self._rules):
            del self._rules[row]
            self.rule_list.takeItem(row)
            # The current row number may not change (removing row 0), so Qt says nothing:
            # load the rule now shown there, or edits would overwrite it with the removed one.
            self._on_current_row_changed(self.rule_list.currentRow())
        self._sync_editor_enabled()
        self._validate()

    def _on_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._rules):
            self._load(self._rules[row])

    def _on_edited(self, *_args: object) -> None:
        row = self.rule_list.currentRow()
        if self._loading or not 0 <= row < len(self._rules):
            return
        rule = self._from_editor(self._rules[row])
        self._rules[row] = rule
        self._show_rows(rule.kind)
        item = self.rule_list.item(row)
        item.setText(self._item_text(rule))
        self._validate()

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

    def _from_editor(self, previous: AlertRule) -> AlertRule:
        kind = RuleKind(self.kind_combo.currentData())
        return replace(
            previous,
            name=self.name_edit.text().strip(),
            kind=kind,
            enabled=self.enabled_check.isChecked(),
            queue=self.queue_combo.currentText().strip() or None,
            threshold=self.threshold_spin.value(),
            for_seconds=self.for_spin.value(),
            window_seconds=self.window_spin.value() * 60.0,
            min_samples=self.min_samples_spin.value(),
            merchant=self.merchant_edit.text().strip() or None,
            growing=self.growing_check.isChecked(),
        )

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

    def _validate(self) -> None:
        problem = validate(self._rules)
        self.problem_label.setText(problem or " ")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def _sync_editor_enabled(self) -> None:
        has_rule = 0 <= self.rule_list.currentRow() < len(self._rules)
        self._editor.setEnabled(has_rule)
        self.remove_button.setEnabled(has_rule)

    def _item_text(self, rule: AlertRule) -> str:
        try:
            text = f"{rule.name} — {describe(rule)}"
        except ValueError:
            text = rule.name
        return text if rule.enabled else f"{text} (disabled)"

    # -- layout ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        self._editor = QWidget(self)
        form = self._form = QFormLayout(self._editor)
        form.addRow("Name", self.name_edit)
        form.addRow("Kind", self.kind_combo)
        form.addRow("", self.enabled_check)
        form.addRow("Queue", self.queue_combo)
        self._threshold_label = QLabel("Threshold", self._editor)
        form.addRow(self._threshold_label, self.threshold_spin)
        self._window_label = QLabel("Window", self._editor)
        form.addRow(self._window_label, self.window_spin)
        form.addRow("At least (outcomes)", self.min_samples_spin)
        form.addRow("Merchant", self.merchant_edit)
        form.addRow("", self.growing_check)
        self._for_label = QLabel("For at least", self._editor)
        form.addRow(self._for_label, self.for_spin)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.rule_list, 1)
        left.addLayout(buttons)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self._editor, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.resize(760, 420)
