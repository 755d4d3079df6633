"""What every operation needs: the profile, the history file, its own broker connection, and
the messages this process left at their delivery limit (limit_ledger.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pika
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.connection import connection_parameters
from opsdesk.broker.management_api import ManagementClient
from opsdesk.config import Profile
from opsdesk.config.endpoint import vhost_of
from opsdesk.operations.limit_ledger import LEDGER, Exhausted, LimitLedger
from opsdesk.operations.limit_stop import Returned
from opsdesk.operations.queue_facts import QueueFacts, management_client


@dataclass(frozen=True, slots=True)
class OperationContext:
    profile: Profile
    db_path: Path
    ledger: LimitLedger = LEDGER

    @property
    def operator(self) -> str:
        return self.profile.operator

    def connect(self) -> BlockingConnection:
        """A new connection for this thread; the caller closes it."""
        endpoint = replace(self.profile.endpoint, connection_name="opsdesk-operations")
        return pika.BlockingConnection(connection_parameters(endpoint))

    def management(self) -> ManagementClient | None:
        return management_client(self.profile.endpoint, self.profile.monitor.management_url)

    @property
    def broker_key(self) -> str:
        """The broker and vhost, as the ledger files queues under."""
        endpoint = self.profile.endpoint
        return f"{endpoint.host_port()}{vhost_of(endpoint.url)}"

    def exhausted(self, facts: QueueFacts) -> tuple[Exhausted, ...]:
        """Messages of the queue this process left at their delivery limit (and may be there)."""
        if not facts.limit.guards_returns:
            return ()
        return self.ledger.exhausted(self.broker_key, facts.name)

    def remember_returns(
        self,
        facts: QueueFacts,
        returned: Iterable[Returned],
        taken_away: Iterable[str] = (),
        *,
        whole_queue: bool = False,
    ) -> None:
        """After handing messages back to the queue (and acking or rejecting others).

        `whole_queue`: every ready message was taken, so one not among them is gone.
        """
        if facts.limit.guards_returns:
            self.ledger.record(
                self.broker_key, facts.name, returned, taken_away, whole_queue=whole_queue
            )
