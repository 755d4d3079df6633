"""Saving a chart (or the whole dashboard) as a PNG: where to, and saying where it went.

The file dialog opens window-modal without a nested event loop (`open()`), like the custom
window dialog; the outcome is a sentence for the window's banner (issue 9, finding 9: the save
used to say nothing at all, and nothing useful when it failed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImageWriter
from PySide6.QtWidgets import QFileDialog, QWidget

WHAT = {
    "queue_depth": "queue-depth chart",
    "throughput": "throughput chart",
    "success_rate": "success-rate chart",
    "dashboard": "dashboard",
}


def write_png(widget: QWidget, path: Path) -> str | None:
    """Write what `widget` shows to `path`: None when written, else why not."""
    writer = QImageWriter(str(path), b"png")
    if writer.write(widget.grab().toImage()):
        return None
    return writer.errorString() or "the image could not be written"


def saved_text(key: str, path: Path) -> str:
    return f"Saved the {WHAT[key]} as {path.absolute()}"


def failed_text(key: str, path: Path, error: str) -> str:
    return f"Could not save the {WHAT[key]} as {path.absolute()}: {error}."


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
