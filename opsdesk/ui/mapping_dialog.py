"""Edits the profile's decoding mappings beside a live preview; OK saves them to the profile."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QScrollArea, QSplitter, QVBoxLayout, QWidget

from opsdesk.events.mapping import FieldMapping, parse_mappings
from opsdesk.ui.list_editor_dialog import ListEditorDialog
from opsdesk.ui.mapping_form import MappingForm
from opsdesk.ui.mapping_preview import MappingPreview

INFO_TEXT = (
    "Mappings decode in-house message shapes. OK saves them to the profile in profiles.toml; "
    "the running tap keeps the mappings it started with until opsdesk restarts."
)

# Tables as typed, valid or not, so switching rows never loses an unfinished edit.
_Table = dict[str, Any]


class MappingDialog(ListEditorDialog[_Table]):
    """The mapping list on the left, the chosen mapping's form, then the sample and preview."""

    NEW_NAME = "mapping"

    def __init__(
        self,
        mappings: Sequence[FieldMapping],
        parent: QWidget | None = None,
        *,
        sample_body: str = "",
        sample_routing_key: str = "",
    ) -> None:
        super().__init__([mapping.to_dict() for mapping in mappings], parent)
        self.setWindowTitle("Decoding mappings")
        self.info_label = QLabel(INFO_TEXT, self)
        self.info_label.setWordWrap(True)
        self.form = MappingForm(self)
        self.preview = MappingPreview(self)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_layout()
        self.form.edited.connect(self._on_edited)
        self.preview.set_sample(sample_body, sample_routing_key)
        self._fill()

    def mappings(self) -> tuple[FieldMapping, ...]:
        """The mappings as edited; ValueError while the OK button is disabled."""
        return parse_mappings(copy.deepcopy(self._items))

    def add_mapping(self, mapping: FieldMapping) -> None:
        self.add_item(mapping.to_dict())

    def _item_text(self, item: _Table) -> str:
        return str(item.get("name") or "(no name)")

    def _name(self, item: _Table) -> str:
        return str(item.get("name"))

    def _new_item(self, name: str) -> _Table:
        return FieldMapping(name, payment_id="payment_id").to_dict()

    def _load(self, item: _Table) -> None:
        self.form.load(item)

    def _edited(self, previous: _Table) -> _Table:
        return self.form.table()

    def _problem(self) -> str | None:
        try:
            self.mappings()
        except ValueError as exc:
            return str(exc)
        return None

    def _editor(self) -> QWidget:
        return self.form

    def _name_edit(self) -> QLineEdit:
        return self.form.name_edit

    def _on_shown_item_changed(self) -> None:
        row = self._current_row()
        if row is None:
            self.preview.set_mapping(None, "Add a mapping to preview it.")
            return
        try:
            mapping = FieldMapping.from_dict(copy.deepcopy(self._items[row]))
        except ValueError as exc:
            self.preview.set_mapping(None, f"Cannot preview: {exc}")
            return
        self.preview.set_mapping(mapping)

    def _build_layout(self) -> None:
        left = QWidget(self)
        left_layout = self._list_with_buttons()
        left_layout.setContentsMargins(0, 0, 0, 0)
        left.setLayout(left_layout)
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
