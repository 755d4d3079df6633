"""What every operation needs: the profile, the history file, its own broker connection."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pika
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.connection import connection_parameters
from opsdesk.broker.management_api import ManagementClient
from opsdesk.config import Profile
from opsdesk.operations.queue_facts import management_client


@dataclass(frozen=True, slots=True)
class OperationContext:
    profile: Profile
    db_path: Path

    @property
    def operator(self) -> str:
        return self.profile.operator

    def connect(self) -> BlockingConnection:
        """A new connection for this thread; the caller closes it."""
        endpoint = replace(self.profile.endpoint, connection_name="opsdesk-operations")
        return pika.BlockingConnection(connection_parameters(endpoint))

    def management(self) -> ManagementClient | None:
        return management_client(self.profile.endpoint, self.profile.monitor.management_url)
