"""The filter bar's "Saved filters" menu: restore one, save the current one, delete one."""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu

from opsdesk.ui.history.filter_bar import FilterBar
from opsdesk.ui.history.saved_filters import SavedFilters
from opsdesk.ui.settings import UiSettings

log = logging.getLogger(__name__)


class SavedFilterMenu(QObject):
    """Rebuilds the menu each time it opens, so it always lists what is stored."""

    def __init__(self, bar: FilterBar, settings: UiSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bar = bar
        self._store = SavedFilters(settings)
        self.menu = QMenu(bar.saved_button)
        self.menu.aboutToShow.connect(self._on_about_to_show)
        bar.saved_button.setMenu(self.menu)
        bar.saved_button.setToolTip("Restore a saved filter, or save this one by name")

    def names(self) -> list[str]:
        return self._store.names()

    def save_current(self, name: str) -> bool:
        """Save the bar's filter as `name`; False (the bar says why) when its fields are invalid."""
        try:
            saved = self._bar.saved_filter()
        except ValueError as exc:
            log.info("not saving an invalid filter: %s", exc)
            return False
        self._store.save(name, saved)
        return True

    def restore(self, name: str) -> bool:
        """Put the saved filter into the bar and apply it; False when there is none by that name."""
        saved = self._store.get(name)
        if saved is None:
            return False
        self._bar.set_filter(saved.filter, saved.preset)
        return True

    def delete(self, name: str) -> None:
        self._store.delete(name)

    def ask_name_and_save(self) -> QInputDialog:
        """Ask for a name without blocking; saving happens when the operator confirms."""
        dialog = QInputDialog(self._bar)
        dialog.setWindowTitle("Save Filter")
        dialog.setLabelText("Name for this filter:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.textValueSelected.connect(self._on_name_chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _on_about_to_show(self) -> None:
        self.menu.clear()
        names = self.names()
        for name in names:
            self.menu.addAction(name, partial(self.restore, name))
        if not names:
            self.menu.addAction("No saved filters").setEnabled(False)
        self.menu.addSeparator()
        self.menu.addAction("Save Current Filter…", self.ask_name_and_save)
        delete = self.menu.addMenu("Delete")
        delete.setEnabled(bool(names))
        for name in names:
            delete.addAction(name, partial(self.delete, name))

    def _on_name_chosen(self, name: str) -> None:
        if name.strip():
            self.save_current(name)
