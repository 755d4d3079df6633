"""The Prometheus text format parser, on lines as rabbitmq_prometheus writes them (and odd ones)."""

from __future__ import annotations

import math

import pytest

from opsdesk.broker.prometheus_text import PrometheusFormatError, parse_sample, parse_scrape

SCRAPE = """\
# TYPE rabbitmq_detailed_queue_messages_ready gauge
# HELP rabbitmq_detailed_queue_messages_ready Messages ready to be delivered to consumers
rabbitmq_detailed_queue_messages_ready{vhost="/",queue="orders"} 12
rabbitmq_detailed_queue_messages_ready{vhost="/",queue="refunds"} 0
# TYPE rabbitmq_detailed_queue_messages_acked_total counter
# TYPE rabbitmq_build_info untyped
rabbitmq_build_info{rabbitmq_version="4.1.0"} 1
"""


def test_samples_with_labels_and_values() -> None:
    sample = parse_sample('rabbitmq_detailed_queue_consumers{vhost="/",queue="orders"} 3')
    assert sample.name == "rabbitmq_detailed_queue_consumers"
    assert sample.labels == (("vhost", "/"), ("queue", "orders"))
    assert sample.label("queue") == "orders"
    assert sample.label("channel") == ""
    assert sample.value == 3.0


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("up 1", 1.0),
        ("up{} 2.5", 2.5),
        ("up 1e3", 1000.0),
        ("up -0.5", -0.5),
        ("up +Inf", math.inf),
        ("up -Inf", -math.inf),
        ("up 7 1712345678000", 7.0),  # a timestamp after the value is ignored
    ],
)
def test_values(line: str, value: float) -> None:
    assert parse_sample(line).value == value


def test_nan_is_a_value() -> None:
    assert math.isnan(parse_sample("up NaN").value)


def test_escaped_label_values() -> None:
    sample = parse_sample(r'm{queue="a \"quoted\" \\ name\nnext",x="}"} 1')
    assert sample.label("queue") == 'a "quoted" \\ name\nnext'
    assert sample.label("x") == "}"


def test_trailing_comma_and_spaces_in_labels() -> None:
    sample = parse_sample('m{ vhost = "/" , queue="q",} 4')
    assert sample.labels == (("vhost", "/"), ("queue", "q"))


@pytest.mark.parametrize(
    "line",
    ['m{queue="q"', "m{queue=q} 1", "m", "m one", '{queue="q"} 1', "m 1 2 3"],
)
def test_unreadable_lines_raise(line: str) -> None:
    with pytest.raises(PrometheusFormatError):
        parse_sample(line)


def test_scrape_keeps_samples_and_declared_families() -> None:
    scrape = parse_scrape(SCRAPE)
    assert [(s.label("queue"), s.value) for s in scrape.samples[:2]] == [
        ("orders", 12.0),
        ("refunds", 0.0),
    ]
    # A family the endpoint knows is declared even when it has no series yet.
    assert "rabbitmq_detailed_queue_messages_acked_total" in scrape.declared
    assert scrape.skipped == 0


def test_scrape_keeps_only_named_samples() -> None:
    scrape = parse_scrape(SCRAPE, {"rabbitmq_build_info"})
    assert [s.name for s in scrape.samples] == ["rabbitmq_build_info"]


def test_an_unreadable_line_is_skipped_not_fatal() -> None:
    scrape = parse_scrape('good 1\nbad{ 2\n\n   \nalso_good{a="b"} 3\n')
    assert [s.name for s in scrape.samples] == ["good", "also_good"]
    assert scrape.skipped == 1
