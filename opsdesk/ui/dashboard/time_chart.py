"""A titled pyqtgraph plot over UTC time: named curves, a legend, and a hover readout."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from opsdesk.ui.dashboard.chart_style import (
    BACKGROUND,
    FOREGROUND,
    GRID_ALPHA,
    READOUT_LINE,
    line_pen,
)
from opsdesk.ui.dashboard.count_axis import CountAxis

log = logging.getLogger(__name__)

ValueFormat = Callable[[float], str]
_MUTED_OPACITY = 0.3


MAX_LEGEND_ENTRIES = 8  # beyond this the legend names the rest in its tooltip
MIN_PLOT_HEIGHT = 110  # px
CLIP_ABOVE_POINTS = 10_000  # curves this long are clipped to the view before drawing


def count_text(value: float) -> str:
    return f"{value:,.0f}"


def percent_text(value: float) -> str:
    return f"{value:.1f} %"


def rate_text(value: float) -> str:
    return f"{value:,.1f}/min"


@dataclass(frozen=True, slots=True)
class SeriesStyle:
    colour: str
    dashed: bool = False
    legend: str | None = ""  # the legend's text: "" = the series name, None = not listed


class TimeChart(QWidget):
    """Curves keyed by name; x is seconds since the epoch, shown in UTC."""

    manually_moved = Signal()  # the user panned or zoomed: the caller may stop following

    def __init__(
        self,
        title: str,
        y_label: str,
        *,
        value_format: ValueFormat = count_text,
        whole_numbers: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """`whole_numbers`: the values are counts, so the value axis ticks whole numbers only."""
        super().__init__(parent)
        self._value_format = value_format
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._styles: dict[str, SeriesStyle] = {}
        self._legend_note = ""
        self._note_warns = False
        self._muted = False
        self._title = QLabel(title, self)
        title_font = QFont(self._title.font())
        title_font.setBold(True)
        self._title.setFont(title_font)
        # The readout sits above the plot so it never hides the data it describes.
        self._readout = QLabel(" ", self)
        self._readout.setTextFormat(Qt.TextFormat.RichText)
        self._readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._readout.setStyleSheet("color: #505050;")

        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
        axes: dict[str, pg.AxisItem] = {"bottom": axis}
        if whole_numbers:
            axes["left"] = CountAxis(orientation="left")
        self.plot = pg.PlotWidget(axisItems=axes, background=BACKGROUND)
        item = self.plot.getPlotItem()
        # Measured: a 1M-point curve viewed in part repaints in ~10 ms with clipping to the
        # view, ~70 ms without; set_series clips only big curves, since clipping recomputes
        # each curve on every range change (a resize of a chart of 20 small queue curves cost
        # ~60 ms more with it, enough to stall the window past 200 ms in the monkey soak).
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(False)
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.setLabel("left", y_label, color=FOREGROUND)
        item.setLabel("bottom", "time (UTC)", color=FOREGROUND)
        for name in ("left", "bottom"):
            axis_item = item.getAxis(name)
            axis_item.setPen(pg.mkPen(FOREGROUND))
            axis_item.setTextPen(pg.mkPen(FOREGROUND))
            # Grid lines at major ticks only: the minor levels made each repaint of a chart
            # ~13 ms instead of ~2 ms (offscreen, 1000 x 300 px).
            axis_item.setStyle(maxTickLevel=0)
        item.getAxis("left").setWidth(54)
        view = item.getViewBox()
        view.setAutoVisible(y=True)  # y follows what is in view, not the whole history
        view.enableAutoRange(axis="y")
        view.setMouseEnabled(x=True, y=False)
        view.sigRangeChangedManually.connect(self._on_range_changed_manually)
        self._cursor = pg.InfiniteLine(angle=90, movable=False, pen=line_pen(READOUT_LINE))
        self._cursor.setVisible(False)
        item.addItem(self._cursor, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        # The legend sits above the plot too: inside it, a legend of a few queues hides data.
        self._legend = QLabel(self)
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._legend.setWordWrap(True)
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(self._title, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self._legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._readout)
        layout.addWidget(self.plot, 1)
        self.plot.setMinimumHeight(MIN_PLOT_HEIGHT)  # the header never squeezes the data away

    # -- data ----------------------------------------------------------------------------

    def set_series(self, name: str, xs: np.ndarray, ys: np.ndarray, style: SeriesStyle) -> None:
        """Create or replace the curve `name`; NaN in `ys` leaves a gap."""
        curve = self._curves.get(name)
        if curve is None:
            curve = self.plot.plot([], [], name=name, connect="finite")
            curve.setOpacity(_MUTED_OPACITY if self._muted else 1.0)
            self._curves[name] = curve
        if self._styles.get(name) != style:
            curve.setPen(line_pen(style.colour, dashed=style.dashed))
            self._styles[name] = style
            self._render_legend()
        curve.setClipToView(len(xs) >= CLIP_ABOVE_POINTS)
        curve.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), connect="finite")

    def retain(self, names: Iterable[str]) -> None:
        """Remove every curve not named in `names`."""
        keep = set(names)
        removed = [n for n in self._curves if n not in keep]
        for name in removed:
            self.plot.removeItem(self._curves.pop(name))
            self._styles.pop(name, None)
        if removed:
            self._render_legend()

    def series_names(self) -> list[str]:
        return list(self._curves)

    def legend_entries(self) -> list[str]:
        """The legend's texts, in drawing order."""
        return [
            _legend_text(name, style)
            for name, style in self._styles.items()
            if style.legend is not None
        ]

    def set_legend_note(self, note: str, *, warning: bool = False) -> None:
        """A line after the entries, e.g. what solid and dashed mean, or why it is out of date."""
        if (note, warning) == (self._legend_note, self._note_warns):
            return
        self._legend_note = note
        self._note_warns = warning
        self._render_legend()

    def legend_text(self) -> str:
        return self._legend.text()

    def legend_tooltip(self) -> str:
        """Every legend entry, one per line, when the legend had to leave some out."""
        return self._legend.toolTip()

    def set_muted(self, muted: bool) -> None:
        """Grey the curves out: what they show is not current."""
        if muted is self._muted:
            return
        self._muted = muted
        for curve in self._curves.values():
            curve.setOpacity(_MUTED_OPACITY if muted else 1.0)

    @property
    def muted(self) -> bool:
        return self._muted

    def _render_legend(self) -> None:
        shown = [(n, st) for n, st in self._styles.items() if st.legend is not None]
        hidden = shown[MAX_LEGEND_ENTRIES:] if len(shown) > MAX_LEGEND_ENTRIES + 1 else []
        entries = [_legend_entry(name, style) for name, style in shown[: len(shown) - len(hidden)]]
        if hidden:
            # A whole vhost's queues wrapped over the plot until nothing of it was left.
            entries.append(f"<span style='color:#6a6a6a'>+{len(hidden)} more (hover)</span>")
        self._legend.setToolTip("\n".join(_legend_text(n, st) for n, st in shown) if hidden else "")
        if self._legend_note:
            colour = "#8f1d1d" if self._note_warns else "#6a6a6a"
            wrap = "normal" if self._note_warns else "nowrap"  # a reason is a sentence
            entries.append(
                f"<span style='color:{colour}; white-space:{wrap}'>"
                f"{html.escape(self._legend_note)}</span>"
            )
        self._legend.setText(" &nbsp; ".join(entries))

    def series_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The full data of curve `name` (not the downsampled view)."""
        xs, ys = self._curves[name].getOriginalDataset()
        if xs is None or ys is None:
            return np.empty(0), np.empty(0)
        return np.asarray(xs), np.asarray(ys)

    def set_title(self, title: str) -> None:
        self._title.setText(title)

    def title(self) -> str:
        return self._title.text()

    def y_label(self) -> str:
        """The value axis' label: what one unit of the curves is."""
        return str(self.plot.getPlotItem().getAxis("left").labelText)

    def set_y_label(self, text: str, value_format: ValueFormat) -> None:
        self._value_format = value_format
        self.plot.getPlotItem().setLabel("left", text, color=FOREGROUND)

    def set_time_range(self, start: float, end: float) -> None:
        self.plot.getPlotItem().getViewBox().setXRange(start, end, padding=0)

    def time_range(self) -> tuple[float, float]:
        (start, end), _ = self.plot.getPlotItem().getViewBox().viewRange()
        return float(start), float(end)

    # -- readout ---------------------------------------------------------------------------

    def readout_at(self, x: float) -> str:
        """The time nearest `x` that has data, and every curve's exact value there."""
        nearest = self._nearest_x(x)
        if nearest is None:
            return ""
        parts = [_time_text(nearest)]
        parts += [f"{name} {self._value_format(value)}" for name, value in self._values(nearest)]
        return " · ".join(parts)

    def readout_text(self) -> str:
        """The readout in full (the label shows it compact, with the legend's marks)."""
        return self._readout.toolTip()

    def show_readout(self, x: float) -> None:
        nearest = self._nearest_x(x)
        self._cursor.setVisible(nearest is not None)
        if nearest is None:
            self._readout.setText(" ")
            self._readout.setToolTip("")
            return
        self._cursor.setValue(nearest)
        # Compact: a curve listed in the legend by its text, the others by their mark only
        # (the dashed unacked line right after its queue's ready line).
        parts = []
        for name, value in self._values(nearest):
            style = self._styles[name]
            mark = f"<span style='color:{style.colour}'>{'╍╍' if style.dashed else '━━'}</span>"
            label = "" if style.legend is None else f" {html.escape(_legend_text(name, style))}"
            parts.append(f"{mark}{label} <b>{html.escape(self._value_format(value))}</b>")
        self._readout.setText(f"{_time_text(nearest)} &nbsp; {' &nbsp; '.join(parts)}")
        self._readout.setToolTip(self.readout_at(x))

    def _values(self, nearest: float) -> list[tuple[str, float]]:
        values = []
        for name in self._curves:
            xs, ys = self.series_data(name)
            index = _nearest_index(xs, nearest)
            # Curves need not share timestamps (queues sampled apart): each shows its own
            # nearest point; a gap (NaN) shows nothing.
            if index is not None and np.isfinite(ys[index]):
                values.append((name, float(ys[index])))
        return values

    def _nearest_x(self, x: float) -> float | None:
        best: float | None = None
        for name in self._curves:
            xs, _ = self.series_data(name)
            index = _nearest_index(xs, x)
            if index is not None:
                value = float(xs[index])
                if best is None or abs(value - x) < abs(best - x):
                    best = value
        return best

    def _on_mouse_moved(self, pos: QPointF) -> None:
        item = self.plot.getPlotItem()
        view = item.getViewBox()
        if not view.sceneBoundingRect().contains(pos):
            return
        self.show_readout(float(view.mapSceneToView(pos).x()))

    def _on_range_changed_manually(self, _mask: object) -> None:
        self.manually_moved.emit()

    # -- export ----------------------------------------------------------------------------

    def save_png(self, path: Path) -> bool:
        """Write what the chart shows (title and readout included) as a PNG; False on failure."""
        ok = self.grab().save(str(path), "PNG")
        if not ok:
            log.warning("cannot save chart as %s", path)
        return bool(ok)


def _nearest_index(xs: np.ndarray, x: float) -> int | None:
    """Index of the value in sorted `xs` closest to `x`; None when `xs` is empty."""
    if not len(xs):
        return None
    index = int(np.searchsorted(xs, x))
    if index == 0:
        return 0
    if index == len(xs):
        return index - 1
    return index if xs[index] - x < x - xs[index - 1] else index - 1


def _legend_entry(name: str, style: SeriesStyle) -> str:
    mark = "╍╍╍" if style.dashed else "━━━"
    return (
        f"<span style='white-space:nowrap'><span style='color:{style.colour};"
        f" font-weight:bold'>{mark}</span>&nbsp;{html.escape(_legend_text(name, style))}"
        "</span>"
    )


def _legend_text(name: str, style: SeriesStyle) -> str:
    return style.legend or name


def _time_text(x: float) -> str:
    return datetime.fromtimestamp(x, UTC).strftime("%m-%d %H:%M:%S")
