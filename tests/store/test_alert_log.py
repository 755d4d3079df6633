"""The alert log: a row per firing, ended when the alert clears, history newest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.store.alert_log import AlertLog
from opsdesk.store.errors import StoreError


def test_started_and_ended_rows(tmp_path: Path) -> None:
    with AlertLog(tmp_path / "history.sqlite") as log:
        first = log.started("backlog", "queue_depth", "orders", "2025-03-10T12:00:00.000Z",
                            1500.0, 1000.0, "orders: 1,500 messages ready")  # fmt: skip
        log.started("dlq", "dead_letters", "orders.dlq", "2025-03-10T12:01:00.000Z",
                    3.0, 0.0, "dead-letter queue orders.dlq holds 3 messages")  # fmt: skip
        assert [r.rule for r in log.open_alerts()] == ["backlog", "dlq"]
        assert log.ended("backlog", "orders", "2025-03-10T12:05:00.000Z") == 1
        assert log.ended("backlog", "orders", "2025-03-10T12:06:00.000Z") == 0  # already ended

        history = log.history()
        assert [(r.rule, r.ended_at) for r in history] == [
            ("dlq", None),
            ("backlog", "2025-03-10T12:05:00.000Z"),
        ]
        backlog = history[1]
        assert backlog.id == first
        assert (backlog.kind, backlog.subject, backlog.value, backlog.threshold) == (
            "queue_depth",
            "orders",
            1500.0,
            1000.0,
        )
        assert [r.rule for r in log.history(since="2025-03-10T12:00:30.000Z")] == ["dlq"]
        assert log.end_all_open("2025-03-10T13:00:00.000Z") == 1
        assert log.open_alerts() == []


def test_alerts_without_a_subject_end_too(tmp_path: Path) -> None:
    with AlertLog(tmp_path / "history.sqlite") as log:
        log.started("quiet", "silence", None, "2025-03-10T12:00:00.000Z", 600.0, 600.0, "no events")
        assert log.ended("quiet", None, "2025-03-10T12:10:00.000Z") == 1


def test_read_only_alert_log_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    AlertLog(path).close()
    with AlertLog(path, readonly=True) as log:
        assert log.history() == []
        with pytest.raises(StoreError):
            log.started("x", "silence", None, "2025-03-10T12:00:00.000Z", None, None, "m")


def test_last_seen_and_end_reason(tmp_path: Path) -> None:
    with AlertLog(tmp_path / "history.sqlite") as log:
        log.started("backlog", "queue_depth", "orders", "2025-03-10T12:00:00.000Z",
                    1500.0, 1000.0, "orders: 1,500 messages ready")  # fmt: skip
        log.started("dlq", "dead_letters", "orders.dlq", "2025-03-10T12:00:00.000Z",
                    3.0, 0.0, "dead-letter queue orders.dlq holds 3 messages")  # fmt: skip
        backlog = log.open_alerts()[0]
        assert backlog.last_seen_at == "2025-03-10T12:00:00.000Z"  # seen when it started
        log.seen([("backlog", "orders")], "2025-03-10T12:04:00.000Z")
        assert [r.last_seen_at for r in log.open_alerts()] == [
            "2025-03-10T12:04:00.000Z",
            "2025-03-10T12:00:00.000Z",
        ]
        log.ended("backlog", "orders", "2025-03-10T12:30:00.000Z", "unwatched")
        log.ended("dlq", "orders.dlq", "2025-03-10T12:31:00.000Z")
        log.seen([("backlog", "orders")], "2025-03-10T12:40:00.000Z")  # ended rows stay
        rows = {r.rule: r for r in log.history()}
        assert (rows["backlog"].end_reason, rows["backlog"].last_seen_at) == (
            "unwatched",
            "2025-03-10T12:04:00.000Z",
        )
        assert rows["dlq"].end_reason is None  # seen to clear
