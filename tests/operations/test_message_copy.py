"""Copies of a message: properties carried over exactly, headers added, the original untouched."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pika
import pytest

from opsdesk.broker.deliveries import PROPERTY_NAMES
from opsdesk.operations.message_copy import copy_properties, utc_now_text


def _original() -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        headers={"x-trace": "abc", "x-count": 3},
        delivery_mode=2,
        priority=5,
        correlation_id="corr-1",
        reply_to="replies",
        expiration="60000",
        message_id="msg-1",
        timestamp=1_700_000_000,
        type="payment.failed",
        user_id="guest",
        app_id="psp",
        cluster_id="c1",
    )


def test_every_property_is_carried_over_and_headers_are_added() -> None:
    original = _original()
    copied = copy_properties(original, {"x-opsdesk-moved-by": "alice"})
    for name in PROPERTY_NAMES:
        assert getattr(copied, name) == getattr(original, name), name
    assert copied.headers == {"x-trace": "abc", "x-count": 3, "x-opsdesk-moved-by": "alice"}
    assert original.headers == {"x-trace": "abc", "x-count": 3}  # the original is untouched


def test_changes_apply_and_unknown_names_are_refused() -> None:
    copied = copy_properties(_original(), message_id="msg-2")
    assert copied.message_id == "msg-2"
    with pytest.raises(TypeError, match="not AMQP properties"):
        copy_properties(_original(), message_idd="typo")


def test_no_headers_stay_none() -> None:
    assert copy_properties(pika.BasicProperties(message_id="m")).headers is None


def test_now_is_utc_iso_to_the_millisecond() -> None:
    text = utc_now_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - moment).total_seconds()) < 5
