"""Which alarms node health reports, and their sentences: the live check against the node
figures that lag it, partitions, stopped nodes (values, no broker)."""

from __future__ import annotations

from datetime import UTC, datetime

from opsdesk.broker.node_alarms import byte_text
from opsdesk.broker.node_health import AlarmCheck, AlarmKind, NodeHealth
from tests.broker.node_health_values import HEALTHY, cluster, node, over_memory

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def kinds(nodes: tuple[NodeHealth, ...], check: AlarmCheck) -> list[tuple[AlarmKind, str | None]]:
    return [(a.kind, a.node) for a in cluster(AT, *nodes, check=check).alarms]


def test_a_memory_alarm_reads_as_the_operator_needs_it() -> None:
    read = cluster(AT, over_memory(), check=AlarmCheck.RAISED)
    (alarm,) = read.alarms
    assert alarm.sentence == (
        "memory alarm on rabbit@pay-1: 1.2 GB used of a 800 MB limit; publishers are blocked"
    )
    assert read.publishers_blocked and read.summary() == (alarm.sentence,)
    assert read.alarms_on("rabbit@pay-1") == (alarm,) and read.alarms_on("rabbit@pay-2") == ()


def test_a_disk_alarm_says_how_much_is_free_against_the_limit() -> None:
    low = node(disk_free=40_000_000, disk_free_alarm=True)
    (alarm,) = cluster(AT, low, check=AlarmCheck.RAISED).alarms
    assert alarm.kind is AlarmKind.DISK
    assert alarm.sentence == (
        "disk alarm on rabbit@pay-1: 40 MB free, below the 50 MB limit; publishers are blocked"
    )


def test_the_live_check_wins_over_node_figures_that_lag_it() -> None:
    # Cleared a moment ago: the node's statistics still carry the flag for a few seconds.
    assert kinds((over_memory(),), AlarmCheck.CLEAR) == []
    # Raised a moment ago: no node shows it yet, but publishers are blocked already.
    (unnamed,) = cluster(AT, HEALTHY, check=AlarmCheck.RAISED).alarms
    assert unnamed.kind is AlarmKind.UNNAMED and unnamed.node is None
    assert unnamed.sentence.startswith("resource alarm in effect") and unnamed.blocks_publishers
    # No check (an older broker, or refused): the node figures are all there is.
    assert kinds((over_memory(),), AlarmCheck.UNKNOWN) == [(AlarmKind.MEMORY, "rabbit@pay-1")]
    assert kinds((HEALTHY,), AlarmCheck.UNKNOWN) == []


def test_a_partition_is_an_alarm_that_does_not_block_publishers() -> None:
    split = (
        node(partitions=("rabbit@pay-2",)),
        node(name="rabbit@pay-2", partitions=("rabbit@pay-1",)),
    )
    read = cluster(AT, *split, check=AlarmCheck.CLEAR)
    assert [(a.kind, a.node) for a in read.alarms] == [
        (AlarmKind.PARTITION, "rabbit@pay-1"),
        (AlarmKind.PARTITION, "rabbit@pay-2"),
    ]
    assert read.partitioned and not read.publishers_blocked
    assert read.alarms[0].sentence.startswith(
        "network partition: rabbit@pay-1 cannot reach rabbit@pay-2; the cluster is split"
    )


def test_memory_alarms_come_before_partitions_and_every_node_is_judged() -> None:
    nodes = (node(partitions=("rabbit@pay-2",)), over_memory("rabbit@pay-2"))
    assert kinds(nodes, AlarmCheck.RAISED) == [
        (AlarmKind.MEMORY, "rabbit@pay-2"),
        (AlarmKind.PARTITION, "rabbit@pay-1"),
    ]


def test_the_summary_names_stopped_nodes_and_says_when_all_is_well() -> None:
    stopped = NodeHealth.from_api({"name": "rabbit@pay-2", "running": False})
    assert stopped.mem_used is None and stopped.partitions == ()
    read = cluster(AT, HEALTHY, stopped, check=AlarmCheck.CLEAR)
    assert read.alarms == ()
    assert read.summary() == ("rabbit@pay-2 is not running: its figures are unknown",)
    assert cluster(AT, HEALTHY, check=AlarmCheck.CLEAR).summary() == (
        "no alarms and no partitions; 1 of 1 nodes running",
    )


def test_api_entries_become_figures_and_odd_values_unknowns() -> None:
    entry = {"name": "rabbit@a", "running": True, "mem_used": 5, "mem_alarm": "yes",
             "fd_used": True, "uptime": 90_500, "partitions": ["rabbit@b"]}  # fmt: skip
    read = NodeHealth.from_api(entry)
    assert (read.mem_used, read.mem_alarm, read.fd_used) == (5, False, None)
    assert read.uptime_seconds == 90.5 and read.partitions == ("rabbit@b",)


def test_byte_counts_read_as_rabbitmq_reports_them() -> None:
    assert [byte_text(n) for n in (1, 999, 1000, 146_010_112, 10_110_428_774, None)] == [
        "1 B",
        "999 B",
        "1 kB",
        "146 MB",
        "10.1 GB",
        "?",
    ]
