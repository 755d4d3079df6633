"""A refused request names the permission it lacked: from RabbitMQ 4's words, or, where the
broker leaves the permission out (3.10 here), from the pika call that was refused."""

from __future__ import annotations

import pika
import pika.exceptions
import pytest

from opsdesk.broker.access_refused import missing_permission
from opsdesk.broker.failure_text import describe_broker_failure

# RabbitMQ 4.x's words (rabbit_access_control: "~ts access to ~ts refused for user '~ts'").
MODERN = "ACCESS_REFUSED - {} access to {} in vhost 'payments' refused for user 'desk'"


@pytest.mark.parametrize(
    ("permission", "resource", "expected"),
    [
        (
            "configure",
            "queue 'q'",
            "user 'desk' has no configure permission on queue 'q' in vhost 'payments' "
            "(needed to declare or delete it)",
        ),
        (
            "write",
            "exchange 'payments.events'",
            "user 'desk' has no write permission on exchange 'payments.events' in vhost "
            "'payments' (needed to publish to it)",
        ),
        (
            "write",
            "exchange 'amq.default'",
            "user 'desk' has no write permission on the default exchange in vhost 'payments' "
            "(needed to publish to it)",
        ),
        (
            "read",
            "queue 'payments.failed'",
            "user 'desk' has no read permission on queue 'payments.failed' in vhost 'payments' "
            "(needed to read, move or purge its messages)",
        ),
    ],
)
def test_a_modern_refusal_names_its_permission(permission: str, resource: str, expected: str):
    text = MODERN.format(permission, resource)
    assert missing_permission(text) == expected
    closed = pika.exceptions.ChannelClosedByBroker(403, text)
    assert describe_broker_failure(closed) == f"The broker refused the request: {expected}."


def test_what_the_caller_needs_fills_in_for_an_older_broker() -> None:
    text = "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'desk'"
    assert missing_permission(text, needed="read") == (
        "user 'desk' has no read permission on queue 'q' in vhost '/' "
        "(needed to read, move or purge its messages)"
    )
    assert "this broker does not say which" in (missing_permission(text) or "")


def test_other_refusals_are_not_taken_for_permissions() -> None:
    exclusive = "ACCESS_REFUSED - queue 'q' in vhost '/' in exclusive use"
    assert missing_permission(exclusive) is None
    assert missing_permission("NOT_FOUND - no queue 'q' in vhost '/'") is None
