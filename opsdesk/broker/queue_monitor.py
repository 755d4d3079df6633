"""The queue monitor: samples the watched queues every few seconds on its own worker thread.

The management API gives the whole picture (ready, unacked, consumers, rates, the vhost's queue
list and dead-letter wiring). Without it, AMQP passive declares still give ready and consumers,
and the state says so.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from typing import Protocol

import pika.exceptions

from opsdesk.broker.management_api import DEFAULT_TIMEOUT
from opsdesk.broker.monitor_failure_text import describe_monitor_failure
from opsdesk.broker.queue_sample import (
    MonitorPhase,
    MonitorState,
    QueueInfo,
    QueueSample,
    SampleRound,
)
from opsdesk.broker.queue_sampler import QueueSampler
from opsdesk.config import Profile

log = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 15.0
MIN_INTERVAL = 0.1


class MonitorListener(Protocol):
    """Callbacks, called from the monitor's worker thread: keep them short and thread-safe."""

    def on_state(self, state: MonitorState) -> None: ...

    def on_samples(self, samples: list[QueueSample]) -> None: ...

    def on_queue_list(self, queues: list[QueueInfo]) -> None:
        """The vhost's queues (management API only); called when the list changes."""
        ...


class BrokerUnreachable(Exception):
    """Neither the management API nor AMQP answered."""


class QueueMonitor:
    """Sampling worker: `start()`, then `stop()`; what it finds goes to the listener."""

    def __init__(
        self,
        profile: Profile,
        listener: MonitorListener | None = None,
        api_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._profile = profile
        self._listener = listener
        self._api_timeout = api_timeout
        self._interval = max(profile.monitor.interval, MIN_INTERVAL)
        self._watched = tuple(profile.monitor.queues)
        self._lock = threading.Lock()
        # Built now so that a malformed URL is the caller's error, not a dying thread.
        self._sampler = QueueSampler(profile, api_timeout, verify_broker=True)
        self._stopping = threading.Event()
        self._last_state: MonitorState | None = None
        self._last_list: tuple[QueueInfo, ...] | None = None
        self._thread = threading.Thread(target=self._run, name="queue-monitor")

    @property
    def watched(self) -> tuple[str, ...]:
        """Queues sampled each round; empty means every queue the management API lists."""
        with self._lock:
            return self._watched

    def set_watched(self, queues: Sequence[str]) -> None:
        """Change the watched queues; takes effect on the next round. Thread-safe."""
        with self._lock:
            self._watched = tuple(queues)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("queue monitor did not stop within %.1fs", timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def sample_once(self, queues: Sequence[str] | None = None) -> SampleRound:
        """One round on the caller's thread with its own connection (None: the watched queues)."""
        names = tuple(queues) if queues is not None else self.watched
        sampler = QueueSampler(self._profile, self._api_timeout)
        try:
            return sampler.sample(names)
        except (pika.exceptions.AMQPError, OSError) as exc:
            raise BrokerUnreachable(_unreachable_reason(exc, sampler)) from exc
        finally:
            sampler.close()

    def _run(self) -> None:
        backoff = BACKOFF_FIRST
        self._report(
            MonitorState(
                MonitorPhase.CONNECTING, detail=self._redacted_url(), interval=self._interval
            )
        )
        try:
            while not self._stopping.is_set():
                started = time.monotonic()
                try:
                    result = self._sampler.sample(self.watched)
                except (pika.exceptions.AMQPError, OSError) as exc:
                    self._sampler.close()
                    if self._stopping.is_set():
                        break
                    delay = backoff * random.uniform(0.8, 1.2)
                    reason = _unreachable_reason(exc, self._sampler)
                    log.warning("queue monitor: %s; retrying in %.1fs", reason, delay)
                    self._report(
                        MonitorState(
                            MonitorPhase.RECONNECTING, None, reason, (), delay, self._interval
                        )
                    )
                    self._stopping.wait(delay)
                    backoff = min(backoff * 2, BACKOFF_MAX)
                    self._sampler.retry_api_now()  # the broker may be back as a whole
                    continue
                backoff = BACKOFF_FIRST
                self._deliver(result)
                try:
                    elapsed = time.monotonic() - started
                    self._sampler.idle(self._interval - elapsed, self._stopping)
                except (pika.exceptions.AMQPError, OSError) as exc:
                    log.info("queue monitor: connection lost while idle (%r)", exc)
                    self._sampler.close()
        finally:
            self._sampler.close()
            self._report(MonitorState(MonitorPhase.STOPPED, interval=self._interval))

    def _deliver(self, result: SampleRound) -> None:
        self._report(
            MonitorState(
                MonitorPhase.SAMPLING,
                result.source,
                self._detail(result),
                result.problems,
                interval=self._interval,
                broker_error=result.broker_error,
            )
        )
        if self._listener is not None:
            self._listener.on_samples(list(result.samples))
            if result.queue_list is not None and result.queue_list != self._last_list:
                self._last_list = result.queue_list
                self._listener.on_queue_list(list(result.queue_list))

    def _detail(self, result: SampleRound) -> str:
        if result.source == "management":
            return f"management API at {self._sampler.api_url}"
        detail = (
            f"{result.api_error} Ready counts and consumers come from passive declares: "
            "no unacked counts or rates."
        )
        if not self.watched:
            detail += " No queue is watched, and there is no queue list without the API."
        return detail

    def _report(self, state: MonitorState) -> None:
        if state == self._last_state:
            return
        self._last_state = state
        if self._listener is not None:
            self._listener.on_state(state)

    def _redacted_url(self) -> str:
        return self._profile.endpoint.redacted_url()


def _unreachable_reason(exc: BaseException, sampler: QueueSampler) -> str:
    """Plain sentences: why the broker does not answer, and why the API did not either."""
    reason = describe_monitor_failure(exc, sampler.where)
    if sampler.api_error:
        reason += f" {sampler.api_error}"
    return reason
