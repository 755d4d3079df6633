"""Asking before a browse that counts as a delivery (quorum queues with a delivery limit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

BROWSE_ANYWAY = "Browse Anyway"


def ask_to_accept_risk(
    parent: QWidget, queue: str, why: str, on_accept: Callable[[], object]
) -> QMessageBox:
    """A window-modal question (no nested event loop); `on_accept` runs only on Browse Anyway."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Browsing Counts as a Delivery",
        f"Browsing {queue} has a side effect: {why}.\n\nBrowse it anyway?",
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    accept = box.addButton(BROWSE_ANYWAY, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_accept() if button is accept else None)
    box.open()
    return box
