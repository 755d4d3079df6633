"""Asking before a browse that could cost messages their place in a quorum queue.

A browse stops by itself at the first message it would leave at its delivery limit
(operations/browse.py). This asks about what it cannot see before it takes a message: the
queue's type could not be read, it has no dead-letter exchange, or this desk left messages of
it at their limit (operations/browse_risk.py). Cancel is the default.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

BROWSE_ANYWAY = "Browse Anyway"
TITLE = "Browsing Could Dead-letter Messages"
HOW_THE_BROWSE_STOPS = (
    "The browse stops by itself at the first message it would leave at its delivery limit, "
    "and names it. Browse Anyway only if what is said above does not apply any more."
)


def ask_to_accept_risk(
    parent: QWidget, queue: str, why: str, on_accept: Callable[[], object]
) -> QMessageBox:
    """A window-modal question (no nested event loop); `on_accept` runs only on Browse Anyway."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        TITLE,
        f"Browsing {queue} has a side effect: {why}.\n\nBrowse it anyway?",
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setInformativeText(HOW_THE_BROWSE_STOPS)
    accept = box.addButton(BROWSE_ANYWAY, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_accept() if button is accept else None)
    box.open()
    return box
