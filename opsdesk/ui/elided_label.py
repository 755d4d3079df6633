"""A one-line label that shortens its text to the width it gets, the whole text in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Asks for the width of its whole text but accepts less, ending in "…" when it must.

    A plain QLabel's minimum width is its whole text: a long sentence in the status bar would
    force the window that wide. This one can shrink, and the tooltip always holds every word.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._tooltip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What fits on screen now (ends in "…" when shortened)."""
        return self.text()

    def set_full_text(self, text: str, tooltip: str = "") -> None:
        """Show `text`; the tooltip is `tooltip`, else the text itself."""
        self._full = text
        self._tooltip = tooltip or text
        self.setToolTip(self._tooltip)
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 8, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        if shown != self.text():
            self.setText(shown)
