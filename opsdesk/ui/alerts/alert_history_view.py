"""The alert history: every alert's start and end, read from the alert log off the UI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.alerting.freshness import StaleFigures
from opsdesk.store.alert_log import AlertLog, AlertRecord
from opsdesk.ui.alerts.alert_bridge import AlertBridge
from opsdesk.ui.alerts.alert_history_model import DEFAULT_ROW_CAP, AlertHistoryModel
from opsdesk.ui.background_reader import BackgroundReader
from opsdesk.ui.dashboard.throttle import Throttle

log = logging.getLogger(__name__)

RELOAD_THROTTLE_MS = 500


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _open_log(db_path: Path) -> AlertLog:
    return AlertLog(db_path, readonly=True)


def _history(alert_log: AlertLog, limit: int) -> list[AlertRecord]:
    return alert_log.history(limit=limit)


class AlertHistoryView(QWidget):
    """Newest alert first; reloads (throttled) whenever an alert fires, clears or changes.

    Above the table, a line says when the queue figures are stale, and how old they are.
    """

    loaded = Signal(int)  # rows shown after a reload

    def __init__(
        self,
        db_path: Path,
        bridge: AlertBridge | None,
        *,
        row_cap: int = DEFAULT_ROW_CAP,
        clock: Callable[[], datetime] = _utc_now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.model = AlertHistoryModel(row_cap=row_cap, parent=self)
        self._reader: BackgroundReader[AlertLog] = BackgroundReader(
            partial(_open_log, db_path), AlertLog.close, name="alert-history-reader", owner=self
        )
        self._title = QLabel("Alert history", self)
        self.figures_label = QLabel(self)
        self.figures_label.setWordWrap(True)
        self.figures_label.setStyleSheet("color: #6b5200;")
        self.figures_label.hide()
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, sample in (
            (AlertHistoryModel.COL_STARTED, "2026-01-31 12:34:56.789"),
            (AlertHistoryModel.COL_ENDED, "2026-01-31 12:34:56.789"),
            (AlertHistoryModel.COL_DURATION, "12h 59m"),
            (AlertHistoryModel.COL_RULE, "payments queue depth"),
            (AlertHistoryModel.COL_SUBJECT, "payments.requests"),
        ):
            self.table.setColumnWidth(column, self.fontMetrics().horizontalAdvance(sample) + 24)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._title)
        layout.addWidget(self.figures_label)
        layout.addWidget(self.table, 1)
        self._throttle = Throttle(self.reload, RELOAD_THROTTLE_MS, self)
        if bridge is not None:
            bridge.transition.connect(self._on_transition)
            # A resumed alert seen again, or one gone stale, changes without a transition.
            bridge.active_changed.connect(self._on_transition)
            bridge.figures_changed.connect(self.show_figures)
        self.reload()

    def title_text(self) -> str:
        return self._title.text()

    def reload(self) -> None:
        self._reader.submit(
            "history",
            partial(_history, limit=self.model.row_cap),
            self._show_records,
            self._failed,
        )

    def shutdown(self) -> None:
        self._throttle.cancel()
        self._reader.stop()

    def show_figures(self, stale: StaleFigures | None) -> None:
        """The queue figures' staleness as the alert worker found it (None: current)."""
        if stale is None:
            self.figures_label.hide()
            return
        self.figures_label.setText(f"⚠ {stale.sentence(self._clock())}")
        self.figures_label.show()

    def _on_transition(self, _transition: object) -> None:
        self._throttle.request()

    def _show_records(self, records: list[AlertRecord]) -> None:
        self.model.set_records(records, self._clock())
        firing = self.model.firing_count()
        unseen = self.model.unseen_count()
        self._title.setText(
            f"Alert history — {len(records):,} shown"
            + (f", {firing} firing now" if firing else ", none firing")
            + (f", {unseen} not seen lately (state unknown)" if unseen else "")
        )
        self.loaded.emit(len(records))

    def _failed(self, error: Exception) -> None:
        log.warning("cannot read the alert log: %s", error)
        self._title.setText(f"Alert history — ⚠ cannot read the alert log: {error}")
