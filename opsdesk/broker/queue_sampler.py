"""One sampling round: the management API when it answers, AMQP passive declares when not.

With the API up, a round costs the broker a few HTTP GETs. The monitor's sampler also keeps
one idle AMQP connection open (`verify_broker`): the API answering says nothing about the
broker at the profile's address (a wrong port still reaches the API on 15672, issue 9
finding 6), and an open connection is the cheapest proof that it answers, heartbeats
included. Without the API the same connection serves the passive declares.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.connection import connection_parameters
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.broker.management_api import (
    ManagementClient,
    ManagementError,
    ManagementNotFound,
    ManagementRefused,
    dead_letter_route,
    find_dead_letter_queues,
    queue_info,
    queue_sample,
)
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.broker.queue_sample import (
    ProblemReason,
    QueueProblem,
    QueueSample,
    SampleRound,
    looks_like_dead_letter,
)
from opsdesk.config import Profile
from opsdesk.config.endpoint import vhost_of

log = logging.getLogger(__name__)

API_RETRY = 30.0  # seconds before asking a failed management API again
BROKER_RETRY = 15.0  # seconds before connecting again to a broker that did not answer
LIST_REFRESH = 30.0  # seconds between queue-list and dead-letter-wiring refreshes
_IDLE_SLICE = 0.2  # an idle wait checks for stop this often
_PASSIVE_REASONS: dict[int, ProblemReason] = {
    404: "not_found",
    403: "access_refused",
    405: "locked",  # another connection's exclusive queue
}


class QueueSampler:
    """Takes one round at a time on its caller's thread; owns a lazily opened connection."""

    def __init__(
        self, profile: Profile, api_timeout: float, *, verify_broker: bool = False
    ) -> None:
        self._parameters = connection_parameters(profile.endpoint)
        self._api = ManagementClient(profile.endpoint, profile.monitor.management_url, api_timeout)
        self.vhost = vhost_of(profile.endpoint.url)
        self.where = profile.endpoint.host_port()  # named in sentences about the broker
        self._verify_broker = verify_broker
        self._broker_retry_at = 0.0
        # Why the broker does not answer at `where` while its management API does.
        self.broker_error: str | None = None
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._api_retry_at = 0.0
        self.api_error: str | None = None  # a plain sentence: why the API is not used
        self._list_due_at = 0.0
        self._wiring_key: frozenset[Any] | None = None
        self._wiring_due_at = 0.0
        self._dead_letters: set[str] = set()
        self._wiring_problems: list[QueueProblem] = []

    @property
    def api_url(self) -> str:
        return self._api.base_url

    def retry_api_now(self) -> None:
        self._api_retry_at = 0.0

    def sample(self, queues: tuple[str, ...]) -> SampleRound:
        """Sample `queues` (empty: every queue the API lists); AMQP errors propagate."""
        taken_at = _utc_now_iso()
        if time.monotonic() >= self._api_retry_at:
            try:
                result = self._sample_api(queues, taken_at)
                if self.api_error is not None:
                    log.info("queue monitor: management API at %s is back", self.api_url)
                self.api_error = None
                return result
            except ManagementError as exc:
                if self.api_error is None:
                    log.warning("queue monitor: management API unavailable (%s)", exc)
                self.api_error = describe_management_failure(exc)
                self._api_retry_at = time.monotonic() + API_RETRY
        self.broker_error = None  # AMQP is the source now: its failure is the round's
        return self._sample_amqp(queues, taken_at)

    def _check_broker(self) -> str | None:
        """None while an AMQP connection to `where` is open (or can be opened), else why not.

        A broker that did not answer is asked again after BROKER_RETRY, so a host that
        drops packets costs a connect timeout now and then, not every round.
        """
        if not self._verify_broker:
            return None
        if self._connection is not None and self._connection.is_open:
            return None
        if time.monotonic() < self._broker_retry_at:
            return self.broker_error
        try:
            self._open_channel()
        except (pika.exceptions.AMQPError, OSError) as exc:
            self.close()
            if self.broker_error is None:
                log.warning("queue monitor: no AMQP connection to %s (%s)", self.where, exc)
            self.broker_error = describe_broker_failure(exc, self.where)
            self._broker_retry_at = time.monotonic() + BROKER_RETRY
            return self.broker_error
        if self.broker_error is not None:
            log.info("queue monitor: the broker at %s answers again", self.where)
        self.broker_error = None
        return None

    def _sample_api(self, queues: tuple[str, ...], taken_at: str) -> SampleRound:
        entries: list[dict[str, Any]] | None = None
        queue_list = None
        if not queues or time.monotonic() >= self._list_due_at:
            entries = self._api.queues()
            self._refresh_wiring(entries)
            self._list_due_at = time.monotonic() + LIST_REFRESH
            infos = (queue_info(e, self._dead_letters) for e in entries)
            queue_list = tuple(sorted(infos, key=lambda info: info.name))
        problems = list(self._wiring_problems)
        if entries is None:
            picked = self._fetch_each(queues, problems)
        elif queues:
            by_name = {e.get("name"): e for e in entries}
            picked = [by_name[q] for q in queues if q in by_name]
            problems += [self._not_found(q) for q in queues if q not in by_name]
        else:
            picked = entries
        samples, stale = [], []
        for entry in picked:
            name = str(entry.get("name", ""))
            sample = queue_sample(entry, taken_at, self.vhost, self._is_dead_letter(name))
            if sample is None:
                stale.append(name)
            else:
                samples.append(sample)
        if stale:  # declared moments ago: the API has no figures yet, AMQP has
            more_samples, more_problems = self._passive_best_effort(stale, taken_at)
            samples += more_samples
            problems += more_problems
        return SampleRound(
            taken_at,
            self.vhost,
            "management",
            tuple(_in_order(samples, queues)),
            tuple(problems),
            queue_list,
            broker_error=self._check_broker(),
        )

    def _fetch_each(
        self, queues: tuple[str, ...], problems: list[QueueProblem]
    ) -> list[dict[str, Any]]:
        picked, refused = [], 0
        for name in queues:
            try:
                picked.append(self._api.queue(name))
            except ManagementNotFound:
                problems.append(self._not_found(name))
            except ManagementRefused as exc:
                refused += 1
                problems.append(QueueProblem(name, "access_refused", str(exc)))
        if refused and refused == len(queues):
            raise ManagementRefused(
                f"{self.api_url}: every queue refused", 403, url=self.api_url, reason="refused"
            )
        return picked

    def _refresh_wiring(self, entries: list[dict[str, Any]]) -> None:
        """Which queues are dead-letter targets; redone when the wiring changes, or now and then."""
        key = frozenset(
            (str(e.get("name")), route) for e in entries if (route := dead_letter_route(e))
        )
        if key == self._wiring_key and time.monotonic() < self._wiring_due_at:
            return
        self._dead_letters, self._wiring_problems = find_dead_letter_queues(self._api, entries)
        self._wiring_key = key
        self._wiring_due_at = time.monotonic() + LIST_REFRESH

    def _sample_amqp(self, queues: tuple[str, ...], taken_at: str) -> SampleRound:
        if queues:
            samples, problems = self._passive(queues, taken_at)
        else:
            self._open_channel()  # nothing to sample, but the operator must see if the broker is up
            samples, problems = [], []
        return SampleRound(
            taken_at, self.vhost, "amqp", tuple(samples), tuple(problems), None, self.api_error
        )

    def _passive(
        self, queues: Sequence[str], taken_at: str
    ) -> tuple[list[QueueSample], list[QueueProblem]]:
        samples, problems = [], []
        channel = self._open_channel()
        for name in queues:
            try:
                ok = channel.queue_declare(name, passive=True)
            except pika.exceptions.ChannelClosedByBroker as exc:
                reason = _PASSIVE_REASONS.get(exc.reply_code, "access_refused")
                problems.append(QueueProblem(name, reason, f"{exc.reply_text} ({exc.reply_code})"))
                channel = self._open_channel()  # a failed passive declare closes the channel
                continue
            samples.append(
                QueueSample(
                    taken_at=taken_at,
                    vhost=self.vhost,
                    queue=name,
                    messages_ready=ok.method.message_count,
                    messages_unacked=None,
                    consumers=ok.method.consumer_count,
                    publish_rate=None,
                    deliver_rate=None,
                    ack_rate=None,
                    is_dead_letter=self._is_dead_letter(name),
                    source="amqp",
                )
            )
        return samples, problems

    def _passive_best_effort(
        self, queues: Sequence[str], taken_at: str
    ) -> tuple[list[QueueSample], list[QueueProblem]]:
        try:
            return self._passive(queues, taken_at)
        except (pika.exceptions.AMQPError, OSError) as exc:
            log.info("queue monitor: no AMQP figures for new queues %s (%s)", queues, exc)
            self.close()
            return [], []

    def _open_channel(self) -> BlockingChannel:
        if self._connection is None or not self._connection.is_open:
            self.close()
            self._connection = pika.BlockingConnection(self._parameters)
        if self._channel is None or not self._channel.is_open:
            self._channel = self._connection.channel()
        return self._channel

    def _is_dead_letter(self, name: str) -> bool:
        return name in self._dead_letters or looks_like_dead_letter(name)

    def _not_found(self, name: str) -> QueueProblem:
        return QueueProblem(name, "not_found", f"no queue {name!r} in vhost {self.vhost!r}")

    def idle(self, seconds: float, stopping: threading.Event) -> None:
        """Wait, keeping the connection's heartbeats going, until `seconds` pass or stop."""
        deadline = time.monotonic() + seconds
        while not stopping.is_set() and (remaining := deadline - time.monotonic()) > 0:
            connection = self._connection
            if connection is not None and connection.is_open:
                connection.process_data_events(time_limit=min(remaining, _IDLE_SLICE))
            else:
                stopping.wait(remaining)

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception as exc:  # closing a half-dead connection may fail; nothing to do
                log.debug("queue monitor: closing connection failed: %s", exc)


def _in_order(samples: list[QueueSample], queues: tuple[str, ...]) -> list[QueueSample]:
    """Samples in the order the queues were asked for, or by name for the whole vhost."""
    if not queues:
        return sorted(samples, key=lambda s: s.queue)
    rank = {name: i for i, name in enumerate(queues)}
    return sorted(samples, key=lambda s: rank.get(s.queue, len(rank)))


def _utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
