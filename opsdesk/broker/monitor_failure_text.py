"""One plain sentence for each way the queue monitor's sources fail: the broker and its API.

failure_text.describe_broker_failure speaks for pika and sockets; this adds the management
HTTP API, whose errors read like "http://host:15672: [Errno 111] Connection refused".
The dashboard shows these sentences beside the figures they leave out of date.
"""

from __future__ import annotations

from opsdesk.broker.failure_text import Peer, describe_broker_failure, describe_connect_failure
from opsdesk.broker.management_api import (
    ManagementError,
    ManagementNotFound,
    ManagementRefused,
)

MANAGEMENT_API = Peer(
    "management API",
    "is the rabbitmq_management plugin enabled, and is the management URL right?",
    "check its URL",
    "network, firewall or busy",
)


def describe_monitor_failure(exc: BaseException, where: str = "") -> str:
    """A sentence for a failed sampling round: the management API's, or the broker's at `where`."""
    if isinstance(exc, ManagementError):
        return describe_management_failure(exc)
    return describe_broker_failure(exc, where)


def describe_management_failure(exc: ManagementError) -> str:
    at = f" at {exc.url}" if exc.url else ""
    if isinstance(exc, ManagementRefused):
        if exc.status == 401:
            return f"The management API{at} refused the user name or password."
        return (
            f"The management API{at} refused access: the user needs the 'monitoring' tag "
            "(or administrator) and permissions on the virtual host."
        )
    if isinstance(exc, ManagementNotFound):
        return f"The management API{at} has no such virtual host or queue ({exc.reason or 404})."
    if exc.status is not None:
        return f"The management API{at} answered HTTP {exc.status}: {exc.reason or 'an error'}."
    cause = exc.cause
    if cause is None:
        return (
            f"The server{at} answered, but not as the RabbitMQ management API "
            "(check the profile's management_url)."
        )
    connecting = describe_connect_failure(cause, MANAGEMENT_API, at)
    if connecting is not None:
        return connecting
    if isinstance(cause, OSError):
        return f"The management API{at} cannot be reached: {cause.strerror or cause}."
    return f"The management API{at} cannot be used: {cause}."
