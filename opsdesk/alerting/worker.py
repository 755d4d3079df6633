"""The alert worker: gathers samples and statistics every few seconds and evaluates the rules."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from opsdesk.alerting.alert_values import ActiveAlert, AlertTransition, OpenAlert
from opsdesk.alerting.evaluator import AlertEvaluator, needed_outcomes, needs_health
from opsdesk.alerting.freshness import QueueFigures, StaleFigures, stale_after
from opsdesk.alerting.inputs import Outcomes, StatsInputs
from opsdesk.broker.node_health import ClusterHealth
from opsdesk.config.alert_rules import QUEUE_KINDS, AlertRule
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.alert_log import AlertLog, AlertRecord
from opsdesk.store.errors import StoreError, is_busy
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.store.statistics.reader import Statistics

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0
DEFAULT_SAMPLE_INTERVAL = 5.0  # the queue monitor's, as MonitorSettings.interval


def utc_now() -> datetime:
    return datetime.now(UTC)


class AlertListener(Protocol):
    """Callbacks, called from the worker thread: keep them short and thread-safe."""

    def on_transition(self, transition: AlertTransition) -> None: ...

    def on_active_changed(self, active: tuple[ActiveAlert, ...]) -> None: ...

    def on_figures(self, stale: StaleFigures | None) -> None:
        """Each round while the queue figures are stale (for queue rules), once when not."""
        ...


class AlertWorker:
    """Evaluates rules on its own thread against the history file: `start()`, then `stop()`.

    Each round reads the latest queue samples and the statistics the rules need, evaluates,
    records transitions in the alert log, then calls the listener. Queue samples older than
    a few of the monitor's `sample_interval`s are stale: their rules neither fire nor clear.
    Alerts still firing when the worker stops stay open in the log, with the time they were
    last seen firing; the next worker on the file resumes them (or ends them, saying why).
    `read_health` (e.g. NodeHealthReader.read) is called each round while a broker_alarm
    rule is enabled; a read that failed is stale, and those rules neither fire nor clear.
    """

    def __init__(
        self,
        history_path: str | Path,
        rules: Sequence[AlertRule],
        listener: AlertListener | None = None,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], datetime] = utc_now,
        sample_interval: float = DEFAULT_SAMPLE_INTERVAL,
        read_health: Callable[[], ClusterHealth] | None = None,
    ) -> None:
        self._path = Path(history_path)
        self._read_health = read_health
        self._listener = listener
        self._interval = interval
        self._stale_after = stale_after(sample_interval)
        self._stale: StaleFigures | None = None
        self._resumed: list[AlertTransition] = []  # logged on opening; reported next round
        self._unlogged: list[AlertTransition] = []  # reported, not yet in the alert log
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
            # Alerts still firing stay open in the log: closing the desk does not end them.
            if sources is not None:
                sources.close()

    def _open(self) -> _Sources | None:
        try:
            sources = _Sources(self._path)
        except StoreError as exc:
            log.info("alert worker waits for the history file: %s", exc)
            return None
        try:
            records = sources.alert_log.open_alerts()
        except StoreError as exc:
            log.warning("cannot read alerts left open by an earlier run: %s", exc)
            records = []
        left_open = [alert for alert in map(_open_alert, records) if alert is not None]
        if left_open:
            with self._lock:
                rules = self._rules
            now = self._clock()
            if rules != self._evaluator.rules:
                self._evaluator.set_rules(rules, now)
            ended = self._evaluator.resume(left_open, now)
            for transition in ended:
                _record(sources.alert_log, transition)
            self._resumed += ended
            log.info(
                "resumed %d alert(s) left firing by an earlier run, ended %d whose rule is gone",
                len(left_open) - len(ended),
                len(ended),
            )
        return sources

    def _round(self, sources: _Sources) -> None:
        now = self._clock()
        with self._lock:
            rules = self._rules
        transitions: list[AlertTransition] = []
        if rules != self._evaluator.rules:
            transitions += self._evaluator.set_rules(rules, now)
        figures = QueueFigures.split(sources.samples.latest(), now, self._stale_after)
        outcomes = {
            key: Outcomes(
                *sources.statistics.outcomes(now - timedelta(seconds=key[0]), now, key[1])
            )
            for key in needed_outcomes(rules)
        }
        stats = StatsInputs(outcomes, sources.statistics.last_received_at())
        health = self._read_health() if self._read_health and needs_health(rules) else None
        transitions += self._evaluator.evaluate(now, figures.fresh, stats, figures.stale, health)
        active = self._evaluator.active
        seen = [(a.rule.name, a.subject) for a in active if a.stale_since is None]
        failure = self._log(sources.alert_log, transitions, seen, utc_iso(now))
        with self._lock:
            changed = active != self._active
            self._active = active
        stale = figures.stale_report if any(r.kind in QUEUE_KINDS for r in rules) else None
        report_stale = stale is not None or self._stale is not None
        self._stale = stale
        reported, self._resumed = [*self._resumed, *transitions], []
        if self._listener is not None:
            for transition in reported:
                self._listener.on_transition(transition)
            if changed:
                self._listener.on_active_changed(active)
            if report_stale:
                self._listener.on_figures(stale)
        if failure is not None:
            raise failure

    def _log(
        self,
        alert_log: AlertLog,
        transitions: list[AlertTransition],
        seen: list[tuple[str, str]],
        at: str,
    ) -> StoreError | None:
        """Write the round's changes, after any an earlier round could not; what failed.

        The evaluator has moved on whatever the log says, and its transitions are reported
        to the window regardless: an alert that fires while a tap draining a backlog holds
        the history's write lock past the busy timeout must still reach the operator (it
        did not, and never did later: the evaluator counted it as firing). Changes not
        written wait for the next round, in order.
        """
        pending = [*self._unlogged, *transitions]
        try:
            while pending:
                _record(alert_log, pending[0])
                pending.pop(0)
            alert_log.seen(seen, at)
        except StoreError as exc:
            if not is_busy(exc):
                self._unlogged = pending
                return exc
            log.info("the alert log waits for the history (%s); %d to write", exc, len(pending))
        self._unlogged = pending
        return None


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
        reason = transition.end_reason.value if transition.end_reason is not None else None
        alert_log.ended(rule.name, transition.subject, at, reason)


def _open_alert(record: AlertRecord) -> OpenAlert | None:
    try:
        since = _moment(record.started_at)
        last_seen = _moment(record.last_seen_at) if record.last_seen_at else since
    except ValueError:
        log.warning("alert log row %d has an unreadable time; left as it is", record.id)
        return None
    return OpenAlert(
        record.rule,
        record.kind,
        record.subject or "",
        since,
        last_seen,
        record.value,
        record.threshold if record.threshold is not None else 0.0,
        record.message,
    )


def _moment(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
