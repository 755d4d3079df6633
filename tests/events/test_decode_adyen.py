"""Adyen standard notifications: one event per item, each with its own stable identity."""

import json
from dataclasses import replace

import pytest

from opsdesk.events.decode import decode, decode_many
from opsdesk.events.masking import luhn_valid
from opsdesk.events.model import Status
from tests.events.builders import RECEIVED_AT, message, payload, payload_bytes


def adyen_message(body, **kwargs):
    data = payload_bytes(body) if isinstance(body, str) else body
    return message(data, routing_key="adyen.notification", **kwargs)


def item(**fields):
    base = {
        "amount": {"currency": "EUR", "value": 1000},
        "eventCode": "AUTHORISATION",
        "eventDate": "2024-05-01T12:00:00+02:00",
        "merchantAccountCode": "ShopECOM",
        "merchantReference": "ord-1",
        "pspReference": "PSPREF0000000001",
        "success": "true",
    }
    base.update(fields)
    return {"NotificationRequestItem": {k: v for k, v in base.items() if v is not ...}}


def notification(*items):
    return {"live": "false", "notificationItems": list(items)}


def test_successful_authorisation_counts_as_succeeded():
    [event] = decode_many(adyen_message("adyen_authorisation_success"), RECEIVED_AT)
    assert event.format == "adyen"
    assert event.decode_error is None
    assert event.event_id == "adyen:QFQTPCQ8HXSKGK82:AUTHORISATION:true"
    assert event.type == "AUTHORISATION"
    assert event.status is Status.SUCCEEDED
    assert event.occurred_at == "2024-05-01T11:59:58.000Z"
    assert event.payment_id == "ord-000042"
    assert event.merchant == "NorthwindBooksECOM"
    assert (event.amount_minor, event.currency) == (4250, "EUR")
    assert event.error_code is None  # the reason of a success is authCode:last4:expiry
    assert json.loads(event.body) == payload("adyen_authorisation_success")


def test_refused_authorisation_fails_with_the_reason_as_error_code():
    event = decode(adyen_message("adyen_authorisation_refused"), RECEIVED_AT)
    assert event.status is Status.FAILED
    assert event.error_code == "Refused"
    assert event.event_id == "adyen:V4HZ4RBFJGXXGN82:AUTHORISATION:false"
    assert (event.payment_id, event.amount_minor, event.currency) == ("ord-000043", 12999, "GBP")
    assert event.occurred_at == "2024-05-01T12:02:11.000Z"


def test_card_number_in_additional_data_is_masked():
    event = decode(adyen_message("adyen_authorisation_refused"), RECEIVED_AT)
    assert "5555 5555 5555 4444" not in event.body
    extra = json.loads(event.body)["notificationItems"][0]["NotificationRequestItem"]
    note = extra["additionalData"]["metadata.note"]
    assert note == "MOTO order, card taken as 5555 55** **** 4444"


def test_batch_yields_one_event_per_item_with_its_own_body():
    raw = adyen_message("adyen_batch", properties={"message_id": "relay-batch-1"})
    events = decode_many(raw, RECEIVED_AT)
    assert [e.event_id for e in events] == [
        "adyen:LRK5G2VXNB7PT382:AUTHORISATION:true",
        "adyen:ZQ2B3C4D5E6F7G82:CAPTURE:true",
        "adyen:MWQ7HC2P4V3LNB82:REFUND:true",
    ]
    assert [e.status for e in events] == [Status.SUCCEEDED, Status.SUCCEEDED, Status.REFUNDED]
    assert [e.payment_id for e in events] == ["ord-000044", "ord-000044", "ord-000042"]
    assert [(e.amount_minor, e.currency) for e in events] == [
        (89900, "SEK"),
        (89900, "SEK"),
        (1500, "EUR"),
    ]
    items = payload("adyen_batch")["notificationItems"]
    items[0]["NotificationRequestItem"]["additionalData"]["metadata.legacyCard"] = (
        "411111******1111"
    )
    for index, event in enumerate(events):
        # Each body is a notification holding only its own item, so it re-decodes alone.
        assert json.loads(event.body) == {"live": "false", "notificationItems": [items[index]]}
        assert event.body_size == len(raw.body)
        again = decode(message(event.body.encode(), routing_key=raw.routing_key), RECEIVED_AT)
        assert (again.event_id, again.status) == (event.event_id, event.status)


def test_a_batch_keeps_no_unmasked_card_number_in_any_event():
    events = decode_many(adyen_message("adyen_batch"), RECEIVED_AT)
    assert all("4111111111111111" not in e.body for e in events)
    first = json.loads(events[0].body)["notificationItems"][0]["NotificationRequestItem"]
    assert first["additionalData"]["metadata.legacyCard"] == "411111******1111"


def test_redelivered_or_rebatched_items_keep_their_identities():
    raw = adyen_message("adyen_batch", properties={"message_id": "relay-batch-1"})
    first = [e.event_id for e in decode_many(raw, RECEIVED_AT)]
    redelivered = replace(raw, redelivered=True)
    assert [e.event_id for e in decode_many(redelivered, "2030-01-01T00:00:00.000Z")] == first
    # Adyen retries unacknowledged items in fresh batches, under a new message id.
    batch = payload("adyen_batch")
    rebatched = notification(batch["notificationItems"][2], batch["notificationItems"][0])
    raw_again = adyen_message(rebatched, properties={"message_id": "relay-batch-2"})
    assert [e.event_id for e in decode_many(raw_again, RECEIVED_AT)] == [first[2], first[0]]


def test_decode_returns_the_first_item_of_a_batch():
    raw = adyen_message("adyen_batch")
    assert decode(raw, RECEIVED_AT) == decode_many(raw, RECEIVED_AT)[0]


@pytest.mark.parametrize(
    ("code", "success", "status"),
    [
        ("CAPTURE", "true", Status.SUCCEEDED),
        ("CAPTURE", "false", Status.FAILED),
        ("REFUND", "false", Status.FAILED),
        ("CANCELLATION", "true", Status.FAILED),
        ("CHARGEBACK", "true", Status.REFUNDED),
        ("CHARGEBACK_REVERSED", "true", Status.SUCCEEDED),
        ("PENDING", "true", Status.PENDING),
        ("CAPTURE_FAILED", "true", Status.FAILED),
        ("REPORT_AVAILABLE", "true", Status.UNKNOWN),
        ("AUTHORISATION", "TRUE", Status.SUCCEEDED),
        ("AUTHORISATION", True, Status.SUCCEEDED),
    ],
)
def test_status_from_event_code_and_success(code, success, status):
    raw = adyen_message(notification(item(eventCode=code, success=success)))
    assert decode(raw, RECEIVED_AT).status is status


def test_cancel_or_refund_follows_the_action_adyen_took():
    cancelled = item(eventCode="CANCEL_OR_REFUND", additionalData={"modification.action": "cancel"})
    refunded = item(eventCode="CANCEL_OR_REFUND", additionalData={"modification.action": "refund"})
    events = decode_many(adyen_message(notification(cancelled, refunded)), RECEIVED_AT)
    assert [e.status for e in events] == [Status.FAILED, Status.REFUNDED]


def test_chargeback_keeps_its_reason_as_error_code():
    raw = adyen_message(notification(item(eventCode="CHARGEBACK", reason="Fraud")))
    assert decode(raw, RECEIVED_AT).error_code == "Fraud"


def test_modification_without_merchant_reference_points_at_the_original_payment():
    refund = item(eventCode="REFUND", merchantReference=..., originalReference="ORIGPSP00000001")
    bare = item(eventCode="REFUND", merchantReference=..., pspReference="ONLYPSP00000002")
    events = decode_many(adyen_message(notification(refund, bare)), RECEIVED_AT)
    assert [e.payment_id for e in events] == ["ORIGPSP00000001", "ONLYPSP00000002"]


def test_numeric_psp_reference_that_passes_luhn_is_never_shown_in_the_identity():
    psp = next(f"881566143021353{d}" for d in "0123456789" if luhn_valid(f"881566143021353{d}"))
    raw = adyen_message(notification(item(pspReference=psp)))
    event_id = decode(raw, RECEIVED_AT).event_id
    assert event_id.startswith("adyen:sha256:")
    assert psp not in event_id
    assert decode(raw, RECEIVED_AT).event_id == event_id
    other = adyen_message(notification(item(pspReference=psp, success="false")))
    assert decode(other, RECEIVED_AT).event_id != event_id


def test_bad_items_are_kept_and_flagged_without_losing_the_good_ones():
    body = notification(item(), {"Other": {}}, "junk", item(pspReference="PSPREF0000000002"))
    events = decode_many(adyen_message(body), RECEIVED_AT)
    assert len(events) == 4
    assert [e.decode_error for e in (events[0], events[3])] == [None, None]
    assert events[1].decode_error == "Adyen item 1 has no NotificationRequestItem object"
    assert events[2].decode_error == "Adyen item 2 has no NotificationRequestItem object"
    assert len({e.event_id for e in events}) == 4
    assert all(e.format == "adyen" for e in events)
    # Broken items are named by the message and their place in it, stable on redelivery.
    assert [events[1].event_id, events[2].event_id] == [
        f"{events[1].event_id[:-2]}#{i}" for i in (1, 2)
    ]
    assert events[1].event_id.startswith("sha256:")
    with_id = decode_many(adyen_message(body, properties={"message_id": "m-9"}), RECEIVED_AT)
    assert [e.event_id for e in with_id][1:3] == ["m-9#1", "m-9#2"]
    assert [e.event_id for e in decode_many(adyen_message(body), RECEIVED_AT)] == [
        e.event_id for e in events
    ]


def test_unknown_success_flag_is_flagged():
    event = decode(adyen_message(notification(item(success="maybe"))), RECEIVED_AT)
    assert event.status is Status.UNKNOWN
    assert event.decode_error == "Adyen success is neither 'true' nor 'false'"
    assert event.event_id == "adyen:PSPREF0000000001:AUTHORISATION:maybe"


@pytest.mark.parametrize("items", [[], None, "x", {}])
def test_notification_without_items_is_one_flagged_event(items):
    events = decode_many(adyen_message({"live": "false", "notificationItems": items}), RECEIVED_AT)
    assert len(events) == 1
    assert events[0].format == "adyen"
    assert events[0].decode_error == "Adyen notification without items"
