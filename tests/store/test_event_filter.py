"""EventFilter against a generated history with known answers, hostile input, and its forms."""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.event_filter import EventFilter, TimePreset, fts_query, preset_range
from opsdesk.store.event_query import EventQuery
from opsdesk.store.search import SearchIndexer
from tests.store import history_builder as hb

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent

N = 3000


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[tuple[int, PaymentEvent]]]:
    path = tmp_path_factory.mktemp("filters") / "history.sqlite"
    rows = hb.write(path, list(hb.generate(N, span=timedelta(days=3))))
    return path, rows


def _ids(path: Path, f: EventFilter) -> list[int]:
    with EventQuery(path) as query:
        return list(query.ids(f))


def at(hours: float) -> str:
    return (hb.START + timedelta(hours=hours)).isoformat()


CASES = {
    "empty": EventFilter(),
    "since": EventFilter(since=at(50)),
    "until": EventFilter(until=at(10)),
    "window": EventFilter(since=at(10), until=at(11.5)),
    "status": EventFilter(statuses=("failed",)),
    "two statuses": EventFilter(statuses=("refunded", "pending")),
    "type": EventFilter(types=("payment.authorized",)),
    "merchant": EventFilter(merchants=("merchant-02",)),
    "unicode merchant": EventFilter(merchants=("café-zürich", "北京商店")),
    "currency": EventFilter(currencies=("JPY",)),
    "payment": EventFilter(payment_id="pay_7_00000042"),
    "error code": EventFilter(error_codes=("gateway_timeout",)),
    "routing key": EventFilter(routing_key="payment.refunded"),
    "exchange": EventFilter(exchange="payments.events"),
    "amount range": EventFilter(amount_min=1000, amount_max=2000),
    "negative amounts": EventFilter(amount_max=-1),
    "undecoded": EventFilter(decode_errors_only=True),
    "merchant failed timeout since": EventFilter(
        since=at(24),
        merchants=("merchant-01",),
        statuses=("failed",),
        error_codes=("gateway_timeout",),
    ),
    "status window currency amount": EventFilter(
        since=at(5),
        until=at(60),
        statuses=("succeeded",),
        currencies=("EUR", "USD"),
        amount_min=400_000,
    ),
    "no such merchant": EventFilter(merchants=("merchant-99",)),
}


@pytest.mark.parametrize("name", CASES)
def test_filter_returns_exactly_the_reference_answer(history, name: str) -> None:
    path, rows = history
    f = CASES[name]
    expected = hb.expected_ids(rows, f)
    assert _ids(path, f) == expected
    with EventQuery(path) as query:
        assert query.count(f) == len(expected)


def test_the_generated_history_exercises_every_case(history) -> None:
    # A case with an empty answer proves little; only "no such merchant" may be empty.
    _, rows = history
    sizes = {name: len(hb.expected_ids(rows, f)) for name, f in CASES.items()}
    assert sizes.pop("no such merchant") == 0
    assert all(0 < size < N for name, size in sizes.items() if name not in ("empty", "exchange"))
    assert sizes["empty"] == N


@pytest.mark.parametrize("name", ["empty", "status", "undecoded", "status window currency amount"])
def test_up_to_id_freezes_any_filter_at_a_row(history, name: str) -> None:
    """The rows a live list showed at an instant: the filter, stored up to that row id."""
    path, rows = history
    bound = rows[N // 2][0]
    frozen = replace(CASES[name], up_to_id=bound)
    expected = [i for i in hb.expected_ids(rows, CASES[name]) if i <= bound]
    assert expected and _ids(path, frozen) == expected
    with EventQuery(path) as query:
        assert query.count(frozen) == len(expected)
    sql, params = frozen.to_sql()
    assert "events.id <= ?" in sql and str(bound) not in sql and bound in params
    assert EventFilter.from_dict(json.loads(json.dumps(frozen.to_dict()))) == frozen
    assert frozen.describe().endswith(f"stored up to row {bound}")
    with pytest.raises(ValueError):
        EventFilter(up_to_id="12")  # type: ignore[arg-type]


HOSTILE = (
    "a'; DROP TABLE events;--",
    "100%_off",
    "100%",
    "100_off",
    "%",
    "_",
    "' OR '1'='1",
    'say "hi"',
    "back\\slash",
    "nul\x00byte",
    "e\u0301",  # e + combining acute: not the same text as "é"
    "é",
    "\u202eright-to-left",
    "zero\u200bwidth",
    "emoji 💳",
    "*",
    "NULL",
    "",  # an empty merchant is a value too, not "no filter" when given in a tuple
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """One event per hostile merchant / payment id / error code, plus decoys."""
    path = tmp_path_factory.mktemp("hostile") / "history.sqlite"
    events = list(hb.generate(50))
    planted = [
        replace(
            events[i], event_id=f"hostile-{i}", merchant=value, payment_id=value, error_code=value
        )
        for i, value in enumerate(HOSTILE)
    ]
    rows = hb.write(path, [*events, *planted])
    by_value = {event.merchant or "": row_id for row_id, event in rows[len(events) :]}
    return path, by_value


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(v) for v in HOSTILE])
def test_hostile_value_matches_exactly_itself(hostile, value: str) -> None:
    path, by_value = hostile
    assert _ids(path, EventFilter(merchants=(value,))) == [by_value[value]]
    assert _ids(path, EventFilter(error_codes=(value, "no-such-code"))) == [by_value[value]]
    if value:
        assert _ids(path, EventFilter(payment_id=value)) == [by_value[value]]
    with EventQuery(path) as query:
        assert query.count(EventFilter()) == 50 + len(HOSTILE)  # nothing was dropped


def test_lone_surrogate_matches_nothing_instead_of_failing(hostile) -> None:
    path, _ = hostile
    assert _ids(path, EventFilter(merchants=("\ud800",), payment_id="x\udfff")) == []
    assert _ids(path, EventFilter(text="\ud800 alpha")) == []


def test_values_never_reach_the_sql_text() -> None:
    value = "a'; DROP TABLE events;--"
    sql, params = EventFilter(
        merchants=(value,), payment_id=value, text=value, since="2024-05-01T00:00:00Z"
    ).to_sql()
    assert "DROP" not in sql and "'" not in sql.replace("'delete'", "")
    assert value in params
    assert sql.count("?") == len(params)


def _index(path: Path) -> None:
    with SearchIndexer(path) as indexer:
        while indexer.index_some(10_000):
            pass


BODIES = {
    "declined": "the card was declined by the issuer",
    "and-or": "approved AND settled OR not",
    "near": "near alpha bravo",
    "apart": "alpha then much later bravo",
    "alphabet": "alphabet soup",
    "quotes": 'he said "stop" twice',
    "percent": "promo 100%_off applied",
    "accent": "Crème brûlée",
}


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("search") / "history.sqlite"
    events = list(hb.generate(len(BODIES)))
    planted = [
        replace(
            event,
            body=json.dumps({"note": body}, ensure_ascii=False),
            event_id=f"search-{key}",
            merchant=f"m-{key}",
        )
        for event, (key, body) in zip(events, BODIES.items(), strict=True)
    ]
    rows = hb.write(path, planted)
    _index(path)
    return path, {event.event_id.removeprefix("search-"): row_id for row_id, event in rows}


SEARCHES = {
    "declined": ["declined"],
    "CARD Declined": ["declined"],  # case-insensitive
    "issuer card": ["declined"],  # every word, any order
    "AND": ["and-or"],  # operators typed by the user are words
    "declined OR approved": [],
    "approved AND settled": ["and-or"],
    "NEAR(alpha bravo)": ["near"],  # would also find "apart" if NEAR were obeyed
    "alpha bravo": ["near", "apart"],
    "alph*": [],  # no prefix search by accident
    '"stop"': ["quotes"],
    '"unterminated': [],
    'said "stop': ["quotes"],
    "100%_off": ["percent"],
    "body:alpha": [],  # a column filter would find "near" and "apart"; here a phrase
    "creme brulee": ["accent"],  # accents folded by the tokenizer
    "^near": ["near"],
    "%": [],  # no word at all: matches nothing rather than everything
    "nul\x00declined": [],
}


@pytest.mark.parametrize("text", SEARCHES, ids=[repr(t) for t in SEARCHES])
def test_text_search_takes_user_text_as_words(searchable, text: str) -> None:
    path, by_key = searchable
    expected = sorted((by_key[key] for key in SEARCHES[text]), reverse=True)
    assert _ids(path, EventFilter(text=text)) == expected


def test_text_combines_with_other_fields(searchable) -> None:
    path, by_key = searchable
    assert _ids(path, EventFilter(text="alpha", merchants=("m-apart", "m-alphabet"))) == [
        by_key["apart"]
    ]
    assert _ids(path, EventFilter(text="alpha", payment_id="no-such-payment")) == []


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('a "b" OR c*') == '"a" """b""" "OR" "c*"'
    assert fts_query("  \x00 ") == '""'


def test_time_bounds_are_normalised_to_the_stored_form(make_event: MakeEvent) -> None:
    f = EventFilter(since="2024-05-01T14:00:00+02:00", until="2024-05-01T12:00:01")
    assert f.since == "2024-05-01T12:00:00.000Z"
    assert f.until == "2024-05-01T12:00:01.000Z"
    # A stored "...12:00:00.000Z" is inside [since, until): text order is time order.
    assert hb.reference(make_event(0, received_at="2024-05-01T12:00:00.000Z"), f)
    with pytest.raises(ValueError, match="since"):
        EventFilter(since="yesterday-ish")
    with pytest.raises(ValueError, match="amount_min"):
        EventFilter(amount_min=1.5)  # type: ignore[arg-type]


def test_presets_relative_to_now() -> None:
    now = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert preset_range(TimePreset.LAST_15_MIN, now) == ("2024-05-01T12:15:00.000Z", None)
    assert preset_range(TimePreset.LAST_HOUR, now)[0] == "2024-05-01T11:30:00.000Z"
    assert preset_range(TimePreset.LAST_24_H, now)[0] == "2024-04-30T12:30:00.000Z"
    assert preset_range(TimePreset.LAST_7_D, now)[0] == "2024-04-24T12:30:00.000Z"
    paris = datetime(2024, 5, 1, 1, 30, tzinfo=UTC).astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    # Today in Paris began at 22:00 UTC the day before.
    assert preset_range(TimePreset.TODAY, paris)[0] == "2024-04-30T22:00:00.000Z"
    f = EventFilter(statuses=("failed",)).with_preset(TimePreset.LAST_HOUR, now)
    assert f.since == "2024-05-01T11:30:00.000Z" and f.statuses == ("failed",)
    assert TimePreset.TODAY.label == "Today"


def test_round_trips_through_a_dict_for_saved_filters() -> None:
    f = EventFilter(
        since="2024-05-01T09:40:00Z",
        statuses=("failed",),
        merchants=("a'; DROP TABLE events;--", "100%_off"),
        payment_id="pay_1",
        amount_min=-500,
        text='say "hi"',
        decode_errors_only=True,
    )
    data = json.loads(json.dumps(f.to_dict()))
    assert EventFilter.from_dict(data) == f
    assert EventFilter.from_dict({**data, "from_a_newer_version": 1}) == f
    assert EventFilter.from_dict({}) == EventFilter()
    assert EventFilter().to_dict() == {}
    assert EventFilter.from_dict({"statuses": "failed"}).statuses == ("failed",)


def test_describe_reads_as_one_line() -> None:
    assert EventFilter().describe() == "all events"
    line = EventFilter(
        since="2024-05-01T09:40:00Z",
        merchants=("northwind",),
        statuses=(Status.FAILED, Status.PENDING),
        error_codes=("gateway_timeout",),
        amount_min=100,
        text="line\nbreak",
    ).describe()
    assert line == (
        'received 2024-05-01 09:40:00Z to now · status "failed" or "pending" · '
        'merchant "northwind" · error "gateway_timeout" · amount ≥ 100 · text "line\\nbreak"'
    )
    assert "\n" not in line


def test_empty_strings_do_not_filter() -> None:
    assert EventFilter(payment_id="", text="", routing_key="").is_empty
    assert EventFilter(merchants="m1").merchants == ("m1",)  # type: ignore[arg-type]
