"""A value axis for counts (messages in a queue): ticks on whole numbers only."""

from __future__ import annotations

import pyqtgraph as pg


class CountAxis(pg.AxisItem):
    """pyqtgraph's axis, without the tick levels finer than one: a queue of 2 messages
    read "0.5, 1.5" between its whole ticks, a count no queue can hold."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        whole = [(spacing, offset) for spacing, offset in levels if spacing >= 1]
        return whole or [(1.0, 0.0)]
