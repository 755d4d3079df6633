"""An inline, dismissible message for expected problems: nothing modal, nothing blocking."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class BannerLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_STYLES = {
    BannerLevel.INFO: ("#e3eafa", "#27457a", "#a9bbe0"),
    BannerLevel.WARNING: ("#fff3cf", "#6b5200", "#e0c77a"),
    BannerLevel.ERROR: ("#fbe0df", "#8f1d1d", "#d9a3a1"),
}


class MessageBanner(QFrame):
    """Hidden until `show_message`; the user closes it, or a newer message replaces it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self._on_close_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def show_message(self, text: str, level: BannerLevel = BannerLevel.WARNING) -> None:
        background, foreground, border = _STYLES[level]
        self.setStyleSheet(
            f"QFrame#messageBanner {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 3px; }} QFrame#messageBanner QLabel {{ color: {foreground}; }}"
        )
        self._label.setText(text)
        self.show()

    def _on_close_clicked(self) -> None:
        self.hide()
