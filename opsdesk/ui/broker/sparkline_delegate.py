"""A queue's recent depth drawn in its cell: one polyline, scaled to the cell, no axes.

The scale is the track's own (its lowest to its highest depth), so the line shows the shape
(filling, draining, flat); the Total column beside it gives the size. A queue that ends
higher than it started is drawn in orange; stale figures in grey, as every figure.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from opsdesk.ui.broker.depth_history import DepthTrack
from opsdesk.ui.broker.queue_overview_model import DEPTH_ROLE

LINE = QColor("#0072b2")
RISING = QColor("#c2410c")  # ends higher than it started: a queue filling up
MARGIN = 3
_Index = QModelIndex | QPersistentModelIndex


def sparkline_points(track: DepthTrack, rect: QRectF) -> QPolygonF:
    """The track's points mapped into `rect` (x by time, y by depth, higher is up)."""
    xs, ys = track.xs, track.ys
    x0, low, high = xs[0], min(ys), max(ys)
    left, top, width, height = rect.left(), rect.top(), rect.width(), rect.height()
    x_scale = width / ((xs[-1] - x0) or 1.0)
    if high == low:  # flat: a line through the middle
        y_of = [top + height / 2] * len(ys)
    else:
        y_scale = height / (high - low)
        y_of = [top + height - (y - low) * y_scale for y in ys]
    return QPolygonF([QPointF(left + (x - x0) * x_scale, y) for x, y in zip(xs, y_of, strict=True)])


class SparklineDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        # The selection and alternating backgrounds as any cell has them.
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
            )
        track = index.data(DEPTH_ROLE)
        if not isinstance(track, DepthTrack) or len(track.xs) < 2:
            return
        stale = index.data(Qt.ItemDataRole.ForegroundRole)  # the model greys stale figures
        colour = stale if isinstance(stale, QColor) else RISING if track.change > 0 else LINE
        rect = QRectF(option.rect).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(colour)
        pen.setWidthF(1.2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawPolyline(sparkline_points(track, rect))
        painter.restore()
