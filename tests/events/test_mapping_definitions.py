"""Mapping definitions as a profile holds them: read, written back, and bad ones rejected."""

import copy
import tomllib

import pytest

from opsdesk.events.mapping import FieldMapping, parse_mappings

PROFILE_TOML = """
[[profiles.prod.mappings]]
name = "ledger-v2"
match = { routing_key = "ledger.#", field = "/schema", equals = "ledger.payment.v2" }

[profiles.prod.mappings.fields]
payment_id = "payment.ref"
amount_minor = "/payment/money/minor"
currency = "payment.money.ccy"

[profiles.prod.mappings.status]
field = "payment.state"
succeeded = ["SETTLED"]
failed = ["DECLINED", "ERROR"]

[[profiles.prod.mappings]]
name = "orders"
fields = { payment_id = "order.payment_id", status = "order.status" }
"""
GOOD = {
    "name": "ledger",
    "fields": {"payment_id": "payment.ref"},
    "status": {"field": "payment.state", "succeeded": ["OK"]},
}


def test_mappings_read_from_a_profile_in_order():
    raw = tomllib.loads(PROFILE_TOML)["profiles"]["prod"]["mappings"]
    ledger, orders = parse_mappings(raw)
    assert ledger.name == "ledger-v2"
    assert ledger.payment_id == "payment.ref"
    assert ledger.amount_minor == "/payment/money/minor"
    assert ledger.status == "payment.state"
    assert (ledger.succeeded, ledger.failed) == (("SETTLED",), ("DECLINED", "ERROR"))
    assert ledger.match_routing_key == "ledger.#"
    assert (ledger.match_field, ledger.match_equals) == ("/schema", "ledger.payment.v2")
    assert (orders.name, orders.status, orders.match_routing_key) == (
        "orders",
        "order.status",
        None,
    )


def test_to_dict_round_trips():
    raw = tomllib.loads(PROFILE_TOML)["profiles"]["prod"]["mappings"]
    for mapping in parse_mappings(raw):
        assert FieldMapping.from_dict(mapping.to_dict()) == mapping
    assert parse_mappings(raw)[1].to_dict() == {
        "name": "orders",
        "fields": {"payment_id": "order.payment_id"},
        "status": {"field": "order.status"},
    }


def test_a_bare_status_value_is_a_list_of_one_and_numbers_become_text():
    table = {**GOOD, "status": {"field": "s", "failed": "DECLINED", "succeeded": [0, True]}}
    mapping = FieldMapping.from_dict(table)
    assert (mapping.failed, mapping.succeeded) == (("DECLINED",), ("0", "true"))


def with_changes(**changes):
    table = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is ...:
            table.pop(key, None)
        else:
            table[key] = value
    return table


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (["not", "a", "table"], "a mapping must be a table, got an array"),
        (with_changes(name=...), "a mapping needs a name"),
        (with_changes(name="  "), "a mapping needs a name"),
        (with_changes(name=7), "a mapping needs a name"),
        (with_changes(name=" padded"), "mapping ' padded': a name is 1-64 printable characters"),
        (with_changes(name="x" * 65), "a name is 1-64 printable characters"),
        (with_changes(feilds={}), "mapping 'ledger': unknown key 'feilds' (expected one of: name"),
        (with_changes(fields="payment.ref"), "mapping 'ledger': fields must be a table, got text"),
        (
            with_changes(fields={"paymentid": "a"}),
            "mapping 'ledger': fields: unknown key 'paymentid' (expected one of: event_id, type",
        ),
        (
            with_changes(fields={"payment_id": 3}),
            "mapping 'ledger': fields.payment_id must be text",
        ),
        (with_changes(fields={"payment_id": ""}), "fields.payment_id: the path is empty"),
        (with_changes(fields={"payment_id": "a..b"}), "fields.payment_id: empty name at offset 2"),
        (with_changes(fields={"payment_id": "a[x]"}), "fields.payment_id: '[' at offset 1 must"),
        (
            with_changes(fields={"payment_id": "/a/~2"}),
            "'~' at offset 3 must be followed by 0 or 1",
        ),
        (with_changes(fields={"payment_id": ".a"}), "the path starts with '.'"),
        (with_changes(fields={"payment_id": "a]"}), "expected '.' or '[' at offset 1, found ']'"),
        (with_changes(fields={}, status=...), "mapping 'ledger' maps no fields"),
        (
            with_changes(status={"succeeded": ["OK"]}),
            "mapping 'ledger': status values need status.field",
        ),
        (
            with_changes(status={"field": "s", "succeeded": ["OK"], "failed": ["ok"]}),
            "mapping 'ledger': 'ok' is listed under both status.succeeded and status.failed",
        ),
        (with_changes(status={"field": "s", "failed": [""]}), "status.failed holds an empty value"),
        (
            with_changes(status={"field": "s", "failed": [{"code": 1}]}),
            "status.failed must list text or numbers, got a table",
        ),
        (with_changes(status={"field": "s", "lost": ["X"]}), "status: unknown key 'lost'"),
        (
            with_changes(fields={"payment_id": "a", "status": "x"}, status={"field": "y"}),
            "fields.status and status.field differ",
        ),
        (with_changes(match={"routing_key": "ledger.pay*"}), "'*' and '#' must stand alone"),
        (
            with_changes(match={"routing_key": ["a"]}),
            "match.routing_key must be text, got an array",
        ),
        (with_changes(match={"equals": "v"}), "match.equals needs match.field"),
        (
            with_changes(match={"field": "/a", "equals": [1]}),
            "match.equals must be text or a number",
        ),
        (with_changes(match={"topic": "a.#"}), "match: unknown key 'topic'"),
    ],
)
def test_bad_definitions_are_rejected_with_a_clear_message(table, message):
    with pytest.raises(ValueError) as caught:
        FieldMapping.from_dict(table)
    assert message in str(caught.value)


def test_direct_construction_is_checked_too():
    with pytest.raises(ValueError, match=r"fields\.amount_minor: empty name"):
        FieldMapping(name="x", amount_minor="a..b")
    with pytest.raises(ValueError, match=r"match\.routing_key"):
        FieldMapping(name="x", payment_id="a", match_routing_key="a.b#")


def test_profile_list_errors_name_the_entry():
    with pytest.raises(ValueError, match=r"^mappings\[1\]: mapping 'b': unknown key 'x'"):
        parse_mappings([{**GOOD, "name": "a"}, {**GOOD, "name": "b", "x": 1}])
    with pytest.raises(ValueError, match=r"^mappings\[1\]: the name 'a' is used twice"):
        parse_mappings([{**GOOD, "name": "a"}, {**GOOD, "name": "a"}])
    with pytest.raises(ValueError, match="mappings must be an array of tables, got a table"):
        parse_mappings({"name": "a"})
    assert parse_mappings([]) == ()
