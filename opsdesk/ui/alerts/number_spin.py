"""A number field that shows what the user typed: 1,000 not 1,000.0, 99.5 % not 99.50 %."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QWidget


class PlainNumberSpin(QDoubleSpinBox):
    """Up to `decimals()` decimals, but no trailing zeros: counts read as whole numbers."""

    def __init__(
        self, parent: QWidget | None, low: float, high: float, decimals: int, suffix: str = ""
    ) -> None:
        super().__init__(parent)
        self.setRange(low, high)
        self.setDecimals(decimals)
        self.setSuffix(suffix)
        self.setGroupSeparatorShown(True)

    def fit(self, decimals: int, maximum: float, suffix: str = "") -> None:
        """Change what the field holds (set before a value, which is rounded to it)."""
        self.setDecimals(decimals)
        self.setMaximum(maximum)
        self.setSuffix(suffix)

    def textFromValue(self, value: float) -> str:
        text = super().textFromValue(value)
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").removesuffix(point)
        return text
