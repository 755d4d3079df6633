"""Edits the profile's decoding mappings beside a live preview; OK saves them to the profile."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from opsdesk.events.mapping import FieldMapping, parse_mappings
from opsdesk.ui.mapping_form import MappingForm
from opsdesk.ui.mapping_preview import MappingPreview

INFO_TEXT = (
    "Mappings decode in-house message shapes. OK saves them to the profile in profiles.toml; "
    "the running tap keeps the mappings it started with until opsdesk restarts."
)


class MappingDialog(QDialog):
    """The mapping list on the left, the chosen mapping's form, then the sample and preview."""

    def __init__(
        self,
        mappings: Sequence[FieldMapping],
        parent: QWidget | None = None,
        *,
        sample_body: str = "",
        sample_routing_key: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Decoding mappings")
        # Tables as typed, valid or not, so switching rows never loses an unfinished edit.
        self._tables: list[dict[str, Any]] = [mapping.to_dict() for mapping in mappings]
        self.info_label = QLabel(INFO_TEXT, self)
        self.info_label.setWordWrap(True)
        self.mapping_list = QListWidget(self)
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove", self)
        self.form = MappingForm(self)
        self.preview = MappingPreview(self)
        self.problem_label = QLabel(" ", self)
        self.problem_label.setStyleSheet("color: #8f1d1d;")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._build_layout()

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.mapping_list.currentRowChanged.connect(self._on_current_row_changed)
        self.form.edited.connect(self._on_edited)

        self.preview.set_sample(sample_body, sample_routing_key)
        for table in self._tables:
            self.mapping_list.addItem(table["name"])
        self.mapping_list.setCurrentRow(0 if self._tables else -1)
        self._sync_enabled()
        self._validate()

    def mappings(self) -> tuple[FieldMapping, ...]:
        """The mappings as edited; ValueError while the OK button is disabled."""
        return parse_mappings(copy.deepcopy(self._tables))

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def add_mapping(self, mapping: FieldMapping) -> None:
        self._tables.append(mapping.to_dict())
        self.mapping_list.addItem(mapping.name)
        self.mapping_list.setCurrentRow(len(self._tables) - 1)
        self._sync_enabled()
        self._validate()

    def _on_add_clicked(self) -> None:
        taken = {str(table.get("name")) for table in self._tables}
        number = len(self._tables) + 1
        while f"mapping {number}" in taken:
            number += 1
        self.add_mapping(FieldMapping(f"mapping {number}", payment_id="payment_id"))
        self.form.name_edit.setFocus()
        self.form.name_edit.selectAll()

    def _on_remove_clicked(self) -> None:
        row = self.mapping_list.currentRow()
        if 0 <= row < len(self._tables):
            del self._tables[row]
            self.mapping_list.takeItem(row)
        # Removing row 0 keeps the current row number, so Qt says nothing: reload explicitly.
        self._on_current_row_changed(self.mapping_list.currentRow())
        self._validate()

    def _on_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._tables):
            self.form.load(self._tables[row])
        self._sync_enabled()
        self._update_preview()

    def _on_edited(self) -> None:
        row = self.mapping_list.currentRow()
        if not 0 <= row < len(self._tables):
            return
        table = self.form.table()
        self._tables[row] = table
        self.mapping_list.item(row).setText(table["name"] or "(no name)")
        self._validate()
        self._update_preview()

    def _update_preview(self) -> None:
        row = self.mapping_list.currentRow()
        if not 0 <= row < len(self._tables):
            self.preview.set_mapping(None, "Add a mapping to preview it.")
            return
        try:
            mapping = FieldMapping.from_dict(copy.deepcopy(self._tables[row]))
        except ValueError as exc:
            self.preview.set_mapping(None, f"Cannot preview: {exc}")
            return
        self.preview.set_mapping(mapping)

    def _validate(self) -> None:
        try:
            self.mappings()
        except ValueError as exc:
            problem: str | None = str(exc)
        else:
            problem = None
        self.problem_label.setText(problem or " ")
        self.ok_button().setEnabled(problem is None)

    def _sync_enabled(self) -> None:
        has_mapping = 0 <= self.mapping_list.currentRow() < len(self._tables)
        self.form.setEnabled(has_mapping)
        self.remove_button.setEnabled(has_mapping)

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.mapping_list, 1)
        left_layout.addLayout(buttons)
        form_scroll = QScrollArea(self)
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(form_scroll)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.resize(1200, 680)
