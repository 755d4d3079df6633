"""The decoding-mappings dialog: editing, inline path errors, the live preview, TOML out."""

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import Status
from opsdesk.ui.mapping_dialog import MappingDialog
from opsdesk.ui.mapping_preview import NOT_FOUND
from tests.events.builders import PAYLOADS

LEDGER_BODY = (PAYLOADS / "inhouse_ledger.json").read_text()
ROUTING_KEY = "ledger.eu.payment.settled"
LEDGER = FieldMapping.from_dict(
    {
        "name": "ledger-v2",
        "match": {"routing_key": "ledger.*.payment.#", "field": "/schema"},
        "fields": {
            "event_id": "/meta/id",
            "payment_id": "payment.ref",
            "merchant": "/payment/shop/code",
            "amount_minor": "payment.money.minor",
            "currency": "payment.money.ccy",
        },
        "status": {"field": "payment.state", "succeeded": ["SETTLED"], "failed": ["DECLINED"]},
    }
)


def dialog_with(
    qtbot: QtBot, *mappings: FieldMapping, routing_key: str = ROUTING_KEY
) -> MappingDialog:
    dialog = MappingDialog(mappings, sample_body=LEDGER_BODY, sample_routing_key=routing_key)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_the_ledger_sample_decodes_to_its_payment(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER)
    preview = dialog.preview
    qtbot.waitUntil(lambda: preview.last_event is not None, timeout=3000)
    event = preview.last_event
    assert event is not None
    assert event.format == "mapping:ledger-v2"
    assert (event.payment_id, event.amount_minor, event.currency) == (
        "PAY-2024-000777",
        89900,
        "SEK",
    )
    assert event.status is Status.SUCCEEDED
    assert preview.decoded_text("payment_id") == "PAY-2024-000777"
    assert preview.decoded_text("amount_minor").startswith("89900")
    assert preview.decoded_text("status") == "succeeded"
    # Unmapped fields come out None, and the table says so.
    assert preview.decoded_text("error_code") == NOT_FOUND
    assert preview.decoded_text("idempotency_key") == NOT_FOUND
    assert dialog.ok_button().isEnabled()
    # One decode of one small message on the UI thread: far below a frame.
    assert 0 < preview.last_seconds < 0.05


def test_editing_a_field_path_updates_the_preview(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER)
    preview = dialog.preview
    qtbot.waitUntil(lambda: preview.last_event is not None, timeout=3000)
    type_into(qtbot, dialog.form.field_edits["error_code"], "payment.attempts[0].code")
    qtbot.waitUntil(lambda: preview.decoded_text("error_code") == "do_not_honor", timeout=3000)
    assert preview.last_event is not None and preview.last_event.error_code == "do_not_honor"
    # A path that finds nothing: None in the table and a "not found" note.
    type_into(qtbot, dialog.form.field_edits["payment_id"], "payment.reference")
    qtbot.waitUntil(lambda: preview.decoded_text("payment_id") == NOT_FOUND, timeout=3000)
    assert "not found: payment_id" in preview.notes_label.text()
    assert dialog.mappings()[0].payment_id == "payment.reference"


def test_a_routing_key_that_does_not_match_is_explained(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER, routing_key="ledger.eu.refund")
    preview = dialog.preview
    qtbot.waitUntil(lambda: "mapping would not apply" in preview.notes_label.text(), timeout=3000)
    assert "'ledger.eu.refund'" in preview.notes_label.text()
    assert preview.decoded_text("payment_id") == "PAY-2024-000777"  # previewed all the same


def test_a_bad_path_is_flagged_and_disables_ok(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER)
    edit = dialog.form.field_edits["amount_minor"]
    type_into(qtbot, edit, "payment..minor")
    assert not dialog.ok_button().isEnabled()
    assert "fields.amount_minor" in dialog.problem_label.text()
    assert dialog.form.line_problem(edit)  # the line itself is marked, with the reason
    qtbot.waitUntil(lambda: "Cannot preview" in dialog.preview.notes_label.text(), timeout=3000)
    type_into(qtbot, edit, "payment.money.minor")
    assert dialog.ok_button().isEnabled()
    assert dialog.form.line_problem(edit) == ""
    assert dialog.problem_label.text().strip() == ""


def test_a_bad_routing_pattern_and_status_rules_without_a_field_disable_ok(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER)
    type_into(qtbot, dialog.form.routing_key_edit, "ledger.#x")
    assert dialog.form.line_problem(dialog.form.routing_key_edit)
    assert not dialog.ok_button().isEnabled()
    type_into(qtbot, dialog.form.routing_key_edit, "ledger.#")
    assert dialog.ok_button().isEnabled()
    dialog.form.status_edit.clear()
    assert "status.field" in dialog.problem_label.text()
    assert not dialog.ok_button().isEnabled()


def test_add_rename_and_remove_mappings(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER)
    dialog.add_button.click()
    assert [m.name for m in dialog.mappings()] == ["ledger-v2", "mapping 2"]
    type_into(qtbot, dialog.form.name_edit, "ledger-v2")
    assert "used twice" in dialog.problem_label.text()
    assert not dialog.ok_button().isEnabled()
    type_into(qtbot, dialog.form.name_edit, "orders")
    assert dialog.item_list.item(1).text() == "orders"
    assert dialog.ok_button().isEnabled()
    dialog.item_list.setCurrentRow(0)
    assert dialog.form.name_edit.text() == "ledger-v2"  # the form follows the selection
    dialog.remove_button.click()
    assert [m.name for m in dialog.mappings()] == ["orders"]
    assert dialog.form.name_edit.text() == "orders"


def test_status_values_are_comma_separated(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot, LEDGER)
    type_into(qtbot, dialog.form.status_value_edits["refunded"], "REVERSED, charged back ,")
    assert dialog.mappings()[0].refunded == ("REVERSED", "charged back")


def test_an_empty_profile_previews_nothing_until_a_mapping_is_added(qtbot: QtBot) -> None:
    dialog = dialog_with(qtbot)
    assert dialog.mappings() == ()
    assert not dialog.remove_button.isEnabled()
    assert dialog.ok_button().isEnabled()
    dialog.add_button.click()
    type_into(qtbot, dialog.form.field_edits["payment_id"], "payment.ref")
    qtbot.waitUntil(
        lambda: dialog.preview.decoded_text("payment_id") == "PAY-2024-000777", timeout=3000
    )
