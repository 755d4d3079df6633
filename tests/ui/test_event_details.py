import json
from dataclasses import replace

from PySide6.QtWidgets import QPlainTextEdit

from opsdesk.ui.event_details import EventDetailsPane, render_details
from tests.ui.sample_events import payment_event


def test_json_body_and_headers_are_pretty_printed():
    text = render_details(payment_event(4, headers=json.dumps({"x-trace": "abc", "n": 1})))
    assert '  "payment_id": "pay_000004"' in text
    assert '  "x-trace": "abc"' in text
    assert "routing key      payment.captured" in text
    assert "exchange         payments.events" in text
    assert "amount           10.04 EUR" in text
    assert "decode error     —" in text


def test_a_body_that_is_not_json_is_shown_as_is():
    event = replace(payment_event(5), body="<xml>not json</xml>", body_size=19, format="raw")
    text = render_details(event)
    assert "── Body (19 bytes)" in text
    assert "<xml>not json</xml>" in text


def test_pane_shows_the_event_read_only_and_monospace(qtbot):
    pane = EventDetailsPane()
    qtbot.addWidget(pane)
    pane.show_event(payment_event(9))
    editors = pane.findChildren(QPlainTextEdit)
    assert len(editors) == 2  # summary and payload
    for editor in editors:
        assert editor.isReadOnly()
        assert editor.font().fixedPitch() or "mono" in editor.font().family().lower()
    assert '"amount": 1009' in pane.text()
    assert pane.shown_event.event_id == "evt-000009"
    assert pane.decode_error_text() == ""


def test_decode_error_is_shown_prominently(qtbot):
    pane = EventDetailsPane()
    qtbot.addWidget(pane)
    pane.show_event(
        replace(payment_event(2), decode_error="truncated JSON", body="{", format="raw")
    )
    assert "truncated JSON" in pane.decode_error_text()
    assert "decode error     truncated JSON" in pane.text()
    pane.show_event(payment_event(3))
    assert pane.decode_error_text() == ""


def test_nothing_selected_clears_the_pane(qtbot):
    pane = EventDetailsPane()
    qtbot.addWidget(pane)
    pane.show_event(payment_event(1))
    pane.show_event(None)
    assert pane.text() == ""
    assert pane.shown_event is None
