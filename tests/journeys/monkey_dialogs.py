"""The monkey and dialogs: find the one open, look around in it, cancel it with Escape."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from tests.journeys.operator import Operator

FILTER_WORDS = (
    "payment.failed",
    "payment.succeeded, payment.refunded",
    "northwind-travel",
    "EUR",
    "usd, gbp",
    "12.50",
    "-3",
    "1e9",
    "insufficient_funds",
    "pay_",
    "%'; drop table events; --",
    "ü€ 支付 🙂",
    "4111 1111 1111 1111",
    "   ",
    "x" * 300,
)


def open_dialog() -> QWidget | None:
    """A visible dialog (any window but the main one), the modal one first."""
    modal = QApplication.activeModalWidget()
    if modal is not None and modal.isVisible():
        return modal
    dialogs = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]
    return dialogs[0] if dialogs else None


def cancel(op: Operator, rng: random.Random, dialog: QWidget) -> str:
    """Look around in the dialog (type, choose, tick), then Escape; its title."""
    title = dialog.windowTitle()
    if not isinstance(dialog, QFileDialog | QMessageBox) and rng.random() < 0.6:
        _fiddle(op, rng, dialog)
    target = QApplication.focusWidget()
    if target is None or target.window() is not dialog:
        target = dialog
    op.press(Qt.Key.Key_Escape, widget=target)
    if dialog.isVisible():  # a line edit's completer or a popup took the first Escape
        op.press(Qt.Key.Key_Escape, widget=dialog)
    op.wait_until(lambda: not dialog.isVisible(), f"Esc to close {title!r}", 3_000)
    op.settle()
    return title


def escape_file_dialog_when_it_opens(op: Operator, tries: int = 100) -> None:
    """A file chooser opened by a static call runs its own event loop: Escape it from a timer."""

    def escape() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QFileDialog):
            op.qtbot.keyClick(modal, Qt.Key.Key_Escape)
        elif tries > 0:
            escape_file_dialog_when_it_opens(op, tries - 1)

    QTimer.singleShot(50, escape)


def visible(parent: QWidget, kind: type[Any]) -> list[Any]:
    return [w for w in parent.findChildren(kind) if w.isVisible()]


def _fiddle(op: Operator, rng: random.Random, dialog: QWidget) -> None:
    edits = [e for e in visible(dialog, QLineEdit) if e.isEnabled() and not e.isReadOnly()]
    combos = [c for c in visible(dialog, QComboBox) if c.isEnabled() and c.count()]
    boxes = [b for b in visible(dialog, QCheckBox) if b.isEnabled()]
    pick = rng.random()
    if edits and pick < 0.5:
        op.type_text(rng.choice(edits), rng.choice(FILTER_WORDS)[:40])
    elif combos and pick < 0.8:
        combo = rng.choice(combos)
        op.choose(combo, rng.randrange(combo.count()))
    elif boxes:
        op.click(rng.choice(boxes))
