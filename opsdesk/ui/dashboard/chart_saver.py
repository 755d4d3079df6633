"""Saving a chart (or the whole dashboard) as a PNG: where to, and saying where it went.

The file dialog opens window-modal without a nested event loop (`open()`), like the custom
window dialog; the outcome is a sentence for the window's banner (issue 9, finding 9: the save
used to say nothing at all, and nothing useful when it failed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImageWriter
from PySide6.QtWidgets import QFileDialog, QWidget

log = logging.getLogger(__name__)

WHAT = {
    "queue_depth": "queue-depth chart",
    "throughput": "throughput chart",
    "success_rate": "success-rate chart",
    "dashboard": "dashboard",
}


def save_png(widget: QWidget, key: str, path: Path) -> tuple[bool, str]:
    """Write what `widget` (chart `key`) shows to `path`: whether it did, and a sentence."""
    writer = QImageWriter(str(path), b"png")
    if writer.write(widget.grab().toImage()):
        return True, f"Saved the {WHAT[key]} as {path.absolute()}"
    error = writer.errorString() or "the image could not be written"
    log.warning("cannot save the %s as %s: %s", key, path, error)
    return False, f"Could not save the {WHAT[key]} as {path.absolute()}: {error}."


def ask_png_path(
    parent: QWidget, key: str, now: datetime, chosen: Callable[[Path], object]
) -> None:
    """A save dialog for `key`'s PNG; `chosen` gets the path when the user accepts."""
    name = f"opsdesk-{key.replace('_', '-')}-{now:%Y%m%d-%H%M}.png"
    dialog = QFileDialog(parent, f"Save the {WHAT[key]} as PNG", name, "PNG image (*.png)")
    dialog.setObjectName("savePngDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix("png")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda selected: chosen(Path(selected)))
    dialog.open()
