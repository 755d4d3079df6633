"""Node health as the tab shows it: alarms red in plain sentences, figures against limits, and
the last known alarm kept (with its time) when the API then cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from opsdesk.broker.node_health import AlarmCheck, ClusterHealth, NodeHealth
from opsdesk.ui.broker.alarm_strip import AlarmStrip
from opsdesk.ui.broker.figures_table_model import ALARM_BACKGROUND, STALE_COLOUR
from opsdesk.ui.broker.node_health_model import COL_DISK, COL_MEMORY
from opsdesk.ui.broker.node_health_view import NodeHealthView

GB = 1000**3


def _node(**changes) -> NodeHealth:
    figures = dict(
        name="rabbit@a",
        running=True,
        mem_used=GB,
        mem_limit=4 * GB,
        mem_alarm=False,
        disk_free=50 * GB,
        disk_free_limit=GB // 20,
        disk_free_alarm=False,
        fd_used=100,
        fd_total=1024,
        proc_used=500,
        proc_total=1_048_576,
        sockets_used=10,
        sockets_total=800,
        uptime_seconds=3600.0,
    )
    return NodeHealth(**{**figures, **changes})


def test_a_memory_alarm_is_red_in_a_sentence_then_kept_when_the_api_fails(qtbot):
    view, strip = NodeHealthView(late_after=60), AlarmStrip()
    for widget in (view, strip):
        qtbot.addWidget(widget)
        widget.show()
    read_at = datetime.now(UTC).replace(microsecond=0)
    node = _node(mem_used=5 * GB, mem_alarm=True)
    health = ClusterHealth.judged(read_at, (node,), AlarmCheck.RAISED)
    view.show_health(health)
    strip.show_health(health)

    sentence = "memory alarm on rabbit@a: 5 GB used of a 4 GB limit; publishers are blocked"
    assert strip.isVisible() and strip.text() == f"⚠ {sentence}"
    assert view.alarms.text() == f"⚠ {sentence}"
    assert "#fbe0df" in view.alarms.styleSheet()  # red
    model = view.model
    memory = model.index(0, COL_MEMORY)
    assert model.data(memory) == "⚠ alarm: 5 GB of 4 GB limit (125%)"
    assert model.data(memory, Qt.ItemDataRole.BackgroundRole) == ALARM_BACKGROUND
    assert model.data(model.index(0, COL_DISK)) == "50 GB free, limit 50 MB"
    assert model.data(model.index(0, COL_DISK), Qt.ItemDataRole.BackgroundRole) is None

    failed = ClusterHealth(
        read_at + timedelta(seconds=5), failure="The management API at x did not answer."
    )
    view.show_health(failed)
    strip.show_health(failed)
    assert view.age.stale and "did not answer" in view.age.text()
    assert model.data(memory, Qt.ItemDataRole.ForegroundRole) == STALE_COLOUR
    when = read_at.strftime("%H:%M:%S")
    assert strip.text() == (
        f"⚠ {sentence}\n(last known at {when} UTC: The management API at x did not answer.)"
    )

    cleared = ClusterHealth.judged(read_at + timedelta(seconds=10), (_node(),), AlarmCheck.CLEAR)
    view.show_health(cleared)
    strip.show_health(cleared)
    assert strip.isHidden()
    assert view.alarms.text() == "✓ no alarms and no partitions; 1 of 1 nodes running"
    assert not view.age.stale


def test_a_stopped_node_and_a_partition_are_not_all_clear(qtbot):
    view = NodeHealthView(late_after=60)
    qtbot.addWidget(view)
    nodes = (_node(partitions=("rabbit@b",)), _node(name="rabbit@b", running=False))
    view.show_health(ClusterHealth.judged(datetime.now(UTC), nodes, AlarmCheck.CLEAR))
    lines = view.alarms.text().splitlines()
    assert lines[0].startswith("⚠ network partition: rabbit@a cannot reach rabbit@b")
    assert lines[1] == "⚠ rabbit@b is not running: its figures are unknown"
