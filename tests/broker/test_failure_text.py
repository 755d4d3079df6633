"""Plain sentences for real broker failures, produced against the real broker."""

from __future__ import annotations

import pika
import pika.exceptions
import pytest

from opsdesk.broker.failure_text import describe_broker_failure
from tests.conftest import BROKER_URL

pytestmark = pytest.mark.broker


def failure_of(url: str) -> BaseException:
    with pytest.raises((pika.exceptions.AMQPError, OSError)) as caught:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    return caught.value


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "amqp://guest:guest@127.0.0.1:1/%2F",
            "Nothing answers at here: the connection was refused",
        ),
        ("amqp://guest:wrong@127.0.0.1:5672/%2F", "refused the user name or password"),
        ("amqp://guest:guest@127.0.0.1:5672/no-such-vhost", "vhost no-such-vhost not found"),
        ("amqp://guest:guest@no-such-host.invalid:5672/%2F", "host name cannot be resolved"),
    ],
    ids=["refused", "password", "vhost", "dns"],
)
def test_connection_failures_read_as_one_sentence(url: str, expected: str) -> None:
    text = describe_broker_failure(failure_of(url), "here")
    assert expected in text
    assert text.endswith(".") and "\n" not in text
    assert "Error" not in text, "no exception class names"


def test_a_refused_request_names_what_was_refused() -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as caught:
            connection.channel().queue_declare("opsdesk.no-such-queue.x1", passive=True)
    finally:
        connection.close()
    text = describe_broker_failure(caught.value)
    assert (
        text
        == "The broker refused a request: no queue 'opsdesk.no-such-queue.x1' in vhost '/' (404)."
    )


def test_an_unknown_failure_still_reads_as_a_sentence() -> None:
    assert (
        describe_broker_failure(RuntimeError("odd"), "h:1")
        == "The broker at h:1 cannot be used: odd."
    )
