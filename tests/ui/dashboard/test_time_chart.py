"""TimeChart: named curves with exact data, a readout of exact values, thin pens, PNG export."""

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from opsdesk.ui.dashboard.time_chart import SeriesStyle, TimeChart, count_text

T0 = 1_772_445_600.0  # 2026-03-02 10:00:00 UTC


def chart(qtbot):
    widget = TimeChart("Queue depth", "messages", value_format=count_text)
    qtbot.addWidget(widget)
    widget.resize(640, 320)
    return widget


def test_curves_hold_their_data_and_unlisted_ones_are_removed(qtbot):
    widget = chart(qtbot)
    xs = T0 + np.arange(10) * 5.0
    widget.set_series("orders ready", xs, np.arange(10) * 3.0, SeriesStyle("#0072b2"))
    widget.set_series("orders unacked", xs, np.ones(10), SeriesStyle("#0072b2", dashed=True))
    x, y = widget.series_data("orders ready")
    assert np.array_equal(x, xs) and np.array_equal(y, np.arange(10) * 3.0)
    assert widget.legend_entries() == ["orders ready", "orders unacked"]
    widget.retain(["orders ready"])
    assert widget.series_names() == ["orders ready"]
    assert widget.legend_entries() == ["orders ready"]
    widget.set_series("dlq", xs, np.zeros(10), SeriesStyle("#e69f00", legend=None))
    widget.set_series("q2", xs, np.zeros(10), SeriesStyle("#009e73", legend="orders.v2"))
    assert widget.legend_entries() == ["orders ready", "orders.v2"]


def test_pens_are_one_pixel_cosmetic_and_big_curves_are_downsampled(qtbot):
    widget = chart(qtbot)
    widget.set_series("a", np.arange(5.0), np.arange(5.0), SeriesStyle("#000000", dashed=True))
    item = widget.plot.getPlotItem()
    curve = item.listDataItems()[0]
    pen = curve.opts["pen"]
    assert pen.widthF() <= 1 and pen.isCosmetic()
    assert curve.opts["autoDownsample"] and curve.opts["downsampleMethod"] == "peak"
    assert not curve.opts["clipToView"], "a small curve is not recomputed on every pan"
    widget.set_series("a", np.arange(20_000.0), np.zeros(20_000), SeriesStyle("#000000"))
    assert curve.opts["clipToView"], "a big one is clipped to the view before drawing"


def test_readout_names_the_nearest_time_and_each_curves_exact_value(qtbot):
    widget = chart(qtbot)
    xs = T0 + np.arange(4) * 60.0
    widget.set_series("orders ready", xs, np.array([1.0, 1200.0, 7.0, 3.0]), SeriesStyle("#111111"))
    widget.set_series(
        "orders unacked", xs, np.array([0.0, 4.0, np.nan, 2.0]), SeriesStyle("#111111", True)
    )
    assert widget.readout_at(T0 + 65) == ("03-02 10:01:00 · orders ready 1,200 · orders unacked 4")
    # A gap (NaN) is left out rather than shown as a number.
    assert widget.readout_at(T0 + 118) == "03-02 10:02:00 · orders ready 7"
    widget.show_readout(T0 + 181)
    assert widget.readout_text() == "03-02 10:03:00 · orders ready 3 · orders unacked 2"


def test_save_png_writes_a_non_empty_image(qtbot, tmp_path):
    widget = chart(qtbot)
    widget.set_series("a", T0 + np.arange(50.0), np.sin(np.arange(50.0)), SeriesStyle("#d55e00"))
    widget.show()
    qtbot.waitExposed(widget)
    path = tmp_path / "chart.png"
    assert widget.save_png(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert image.width() == widget.width() and image.height() == widget.height()


def test_moving_the_mouse_over_the_plot_shows_the_readout(qtbot):
    widget = chart(qtbot)
    xs = T0 + np.arange(60) * 60.0
    widget.set_series("orders ready", xs, np.arange(60.0) * 10, SeriesStyle("#0072b2"))
    widget.set_time_range(xs[0], xs[-1])
    widget.show()
    qtbot.waitExposed(widget)
    view = widget.plot.getPlotItem().getViewBox()
    scene_point = view.mapViewToScene(QPointF(xs[30], 100.0))
    point = widget.plot.mapFromScene(scene_point)
    qtbot.mouseMove(widget.plot.viewport(), point)
    qtbot.waitUntil(lambda: widget.readout_text() != "", timeout=5000)
    assert widget.readout_text().startswith("03-02 10:")
    assert "orders ready" in widget.readout_text()


def test_a_vhost_of_queues_leaves_the_plot_readable(qtbot):
    """Twenty queues' legend used to wrap over the chart until its plot was ~30 px high."""
    widget = chart(qtbot)
    widget.show()
    xs = T0 + np.arange(10) * 5.0
    names = [f"payments.service-{n:02d}.processing" for n in range(20)]
    for name in names:
        widget.set_series(name, xs, np.ones(10), SeriesStyle("#0072b2"))
    qtbot.waitUntil(lambda: widget.plot.height() >= 110)
    assert "+12 more" in widget.legend_text()
    assert widget.legend_tooltip().splitlines() == names  # every name, on hover
    assert widget.legend_entries() == names


def test_a_count_chart_ticks_whole_numbers_only_where_a_plain_one_would_not(qtbot):
    counts = TimeChart("Queue depth", "messages", whole_numbers=True)
    plain = TimeChart("Success rate", "success rate (%)")
    for widget in (counts, plain):
        qtbot.addWidget(widget)
    # A queue holding 0 to 2 messages, on a 200 px axis: pyqtgraph alone ticks halves.
    plain_ticks = [
        v for _, values in plain.plot.getAxis("left").tickValues(0, 2, 200) for v in values
    ]
    assert any(v != int(v) for v in plain_ticks)
    count_levels = counts.plot.getAxis("left").tickValues(0, 2, 200)
    count_ticks = [v for _, values in count_levels for v in values]
    assert count_ticks and all(v == int(v) for v in count_ticks)
    assert {0.0, 1.0, 2.0} <= set(count_ticks)
    # Nothing in the queue at all: still a whole tick, not none.
    assert [
        v for _, values in counts.plot.getAxis("left").tickValues(-0.5, 0.5, 200) for v in values
    ] == [0.0]
    # Large counts keep pyqtgraph's own spacing.
    big = counts.plot.getAxis("left").tickValues(0, 1_000_000, 200)
    assert big[0][0] >= 100_000
