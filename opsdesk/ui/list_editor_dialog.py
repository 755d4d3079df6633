"""A dialog that edits a list of named items: the list with Add and Remove, the chosen item's
editor beside it, the first problem under them, and OK only while there is none.

Subclasses build their editor and layout, then call `_fill()`; they say how an item is shown,
loaded into the editor, read back from it and checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

Item = TypeVar("Item")


class ListEditorDialog(QDialog, Generic[Item]):
    NEW_NAME = "item"  # a new item is called "item 2", "item 3", ... whichever is free

    def __init__(self, items: Sequence[Item], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items = list(items)
        self._loading = False  # set while an item is loaded, so the editor's signals wait
        self.item_list = QListWidget(self)
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove", self)
        self.problem_label = QLabel(" ", self)
        self.problem_label.setStyleSheet("color: #8f1d1d;")
        self.problem_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def add_item(self, item: Item) -> None:
        self._items.append(item)
        self.item_list.addItem(self._item_text(item))
        self.item_list.setCurrentRow(len(self._items) - 1)
        self._sync_enabled()
        self._validate()

    # -- what a subclass says -----------------------------------------------------------------

    def _item_text(self, item: Item) -> str:
        raise NotImplementedError

    def _name(self, item: Item) -> str:
        raise NotImplementedError

    def _new_item(self, name: str) -> Item:
        raise NotImplementedError

    def _load(self, item: Item) -> None:
        """Show `item` in the editor."""
        raise NotImplementedError

    def _edited(self, previous: Item) -> Item:
        """The current item as the editor now has it."""
        raise NotImplementedError

    def _problem(self) -> str | None:
        """Why the items cannot be saved, or None."""
        raise NotImplementedError

    def _editor(self) -> QWidget:
        raise NotImplementedError

    def _name_edit(self) -> QLineEdit:
        raise NotImplementedError

    def _on_shown_item_changed(self) -> None:
        """Another item is shown, or the shown one was edited."""

    # -- the list -----------------------------------------------------------------------------

    def _fill(self) -> None:
        """Connect the list and buttons, show the items and select the first."""
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.item_list.currentRowChanged.connect(self._on_current_row_changed)
        for item in self._items:
            self.item_list.addItem(self._item_text(item))
        self.item_list.setCurrentRow(0 if self._items else -1)
        self._sync_enabled()
        self._validate()

    def _list_with_buttons(self) -> QVBoxLayout:
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(self.item_list, 1)
        column.addLayout(buttons)
        return column

    def _current_row(self) -> int | None:
        row = self.item_list.currentRow()
        return row if 0 <= row < len(self._items) else None

    def _on_add_clicked(self) -> None:
        taken = {self._name(item) for item in self._items}
        number = len(self._items) + 1
        while f"{self.NEW_NAME} {number}" in taken:
            number += 1
        self.add_item(self._new_item(f"{self.NEW_NAME} {number}"))
        self._name_edit().setFocus()
        self._name_edit().selectAll()

    def _on_remove_clicked(self) -> None:
        row = self._current_row()
        if row is not None:
            del self._items[row]
            self.item_list.takeItem(row)
        # The current row number may not change (removing row 0), so Qt says nothing: load
        # the item now shown there, or edits would overwrite it with the removed one.
        self._on_current_row_changed(self.item_list.currentRow())
        self._validate()

    def _on_current_row_changed(self, _row: int) -> None:
        row = self._current_row()
        if row is not None:
            self._load(self._items[row])
        self._sync_enabled()
        self._on_shown_item_changed()

    def _on_edited(self, *_args: object) -> None:
        row = self._current_row()
        if self._loading or row is None:
            return
        item = self._items[row] = self._edited(self._items[row])
        self.item_list.item(row).setText(self._item_text(item))
        self._validate()
        self._on_shown_item_changed()

    def _validate(self) -> None:
        problem = self._problem()
        self.problem_label.setText(problem or " ")
        self.ok_button().setEnabled(problem is None)

    def _sync_enabled(self) -> None:
        has_item = self._current_row() is not None
        self._editor().setEnabled(has_item)
        self.remove_button.setEnabled(has_item)
