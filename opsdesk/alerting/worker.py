"""The alert worker: gathers samples and statistics every few seconds and evaluates the rules."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from opsdesk.alerting.evaluator import ActiveAlert, AlertEvaluator, AlertTransition, needed_outcomes
from opsdesk.alerting.inputs import Outcomes, StatsInputs
from opsdesk.alerting.rules import AlertRule
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.alert_log import AlertLog
from opsdesk.store.errors import StoreError
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.store.statistics import Statistics

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0
# Samples older than this are not judged: the monitor is down or the queue is gone.
SAMPLE_FRESHNESS = timedelta(minutes=2)


def utc_now() -> datetime:
    return datetime.now(UTC)


class AlertListener(Protocol):
    """Callbacks, called from the worker thread: keep them short and thread-safe."""

    def on_transition(self, transition: AlertTransition) -> None: ...

    def on_active_changed(self, active: tuple[ActiveAlert, ...]) -> None: ...


class AlertWorker:
    """Evaluates rules on its own thread against the history file: `start()`, then `stop()`.

    Each round reads the latest queue samples and the statistics the rules need, evaluates,
    records transitions in the alert log, then calls the listener. Alerts still firing when
    the worker stops (or left open by a crash) are ended in the log.
    """

    def __init__(
        self,
        history_path: str | Path,
        rules: Sequence[AlertRule],
        listener: AlertListener | None = None,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._path = Path(history_path)
        self._listener = listener
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._rules = tuple(rules)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._evaluator = AlertEvaluator(self._rules)
        self._active: tuple[ActiveAlert, ...] = ()
        self._thread = threading.Thread(target=self._run, name="alert-worker", daemon=True)

    @property
    def active(self) -> tuple[ActiveAlert, ...]:
        """The alerts firing after the last round. Thread-safe."""
        with self._lock:
            return self._active

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("alert worker did not stop within %.1fs", timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def set_rules(self, rules: Sequence[AlertRule]) -> None:
        """Use these rules from the next round (which starts right away). Thread-safe."""
        with self._lock:
            self._rules = tuple(rules)
        self._wake.set()

    def evaluate_soon(self) -> None:
        """Run a round now instead of waiting for the interval. Thread-safe."""
        self._wake.set()

    def _run(self) -> None:
        sources: _Sources | None = None
        try:
            while True:
                # Cleared before the round, so a wake-up asked for during it is not lost;
                # stop() sets the flag before waking, so checking after clearing is safe.
                self._wake.clear()
                if self._stopping.is_set():
                    break
                if sources is None:
                    sources = self._open()
                if sources is not None:
                    try:
                        self._round(sources)
                    except StoreError as exc:
                        log.warning("alert round failed: %s; reopening the history", exc)
                        sources.close()
                        sources = None
                    except Exception:
                        # A bug in one round must not silence every later alert.
                        log.exception("alert round failed")
                self._wake.wait(self._interval)
        finally:
            if sources is not None:
                self._finish(sources)

    def _open(self) -> _Sources | None:
        try:
            sources = _Sources(self._path)
        except StoreError as exc:
            log.info("alert worker waits for the history file: %s", exc)
            return None
        try:
            # Alerts left open by a crash ended when that desk stopped watching.
            closed = sources.alert_log.end_all_open(utc_iso(self._clock()))
        except StoreError as exc:
            log.warning("cannot end alerts left open by an earlier run: %s", exc)
            closed = 0
        if closed:
            log.info("ended %d alert(s) left open by an earlier run", closed)
        return sources

    def _round(self, sources: _Sources) -> None:
        now = self._clock()
        with self._lock:
            rules = self._rules
        transitions: list[AlertTransition] = []
        if rules != self._evaluator.rules:
            transitions += self._evaluator.set_rules(rules, now)
        samples = sources.samples.latest(since=utc_iso(now - SAMPLE_FRESHNESS))
        outcomes = {
            key: Outcomes(
                *sources.statistics.outcomes(now - timedelta(seconds=key[0]), now, key[1])
            )
            for key in needed_outcomes(rules)
        }
        stats = StatsInputs(outcomes, sources.statistics.last_received_at())
        transitions += self._evaluator.evaluate(now, samples, stats)
        for transition in transitions:
            _record(sources.alert_log, transition)
        active = self._evaluator.active
        with self._lock:
            changed = active != self._active
            self._active = active
        if self._listener is not None:
            for transition in transitions:
                self._listener.on_transition(transition)
            if changed:
                self._listener.on_active_changed(active)

    def _finish(self, sources: _Sources) -> None:
        try:
            sources.alert_log.end_all_open(utc_iso(self._clock()))
        except StoreError as exc:
            log.warning("cannot end open alerts: %s", exc)
        finally:
            sources.close()


class _Sources:
    """The worker's own connections, opened and used on its thread."""

    def __init__(self, path: Path) -> None:
        self.samples = QueueSampleStore(path, readonly=True)
        try:
            self.statistics = Statistics(path)
        except BaseException:
            self.samples.close()
            raise
        try:
            self.alert_log = AlertLog(path)
        except BaseException:
            self.samples.close()
            self.statistics.close()
            raise

    def close(self) -> None:
        self.samples.close()
        self.statistics.close()
        self.alert_log.close()


def _record(alert_log: AlertLog, transition: AlertTransition) -> None:
    at = utc_iso(transition.at)
    rule = transition.rule
    if transition.fired:
        alert_log.started(
            rule.name,
            rule.kind.value,
            transition.subject,
            at,
            transition.value,
            transition.threshold,
            transition.message,
        )
    else:
        alert_log.ended(rule.name, transition.subject, at)
