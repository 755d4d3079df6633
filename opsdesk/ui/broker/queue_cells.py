"""What each cell of the queue overview says: its text, its tooltip, and how it sorts.

A figure the broker has not reported is "—", never 0: a quorum queue's counts take a few
seconds to appear after it is declared, and a missing rate is not a queue at rest.
"""

from __future__ import annotations

from opsdesk.broker.queue_overview_values import QueueRates, QueueRow

UNKNOWN = "—"
RATE_SOURCE_NOTE = {
    "management": "Rates from the management API.",
    "prometheus": "Rates from the rabbitmq_prometheus endpoint (the management API gives none).",
    "pending": "No rate yet: Prometheus counters need a second reading a few seconds later.",
    "none": "No rates.",
}


def count_text(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


def rate_text(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def utilisation_text(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value * 100:.0f} %"


def rates_tooltip(rates: QueueRates, what: str) -> str:
    """`what` per second and where the figure came from."""
    lines = [f"{what}: messages per second.", RATE_SOURCE_NOTE[rates.source]]
    if rates.source == "prometheus" and rates.interval:
        lines.append(f"Averaged over the last {rates.interval:.0f} s of counter readings.")
    if rates.detail:
        lines.append(rates.detail)
    return "\n".join(lines)


def dead_letter_text(row: QueueRow) -> str:
    exchange = row.dead_letter_exchange
    if exchange is None:
        return ""
    return "(default exchange)" if exchange == "" else exchange


def dead_letter_tooltip(row: QueueRow) -> str:
    if row.dead_letter_exchange is None:
        return "No dead-letter exchange: rejected or expired messages are dropped."
    key = row.dead_letter_routing_key
    routed = f"with routing key {key!r}" if key is not None else "with their own routing key"
    return f"Rejected and expired messages go to {dead_letter_text(row)!r} {routed}."


def policy_text(row: QueueRow) -> str:
    names = [name for name in (row.policy, row.operator_policy) if name]
    return " + ".join(names)


def policy_tooltip(row: QueueRow) -> str:
    lines = []
    if row.policy:
        lines.append(f"Policy: {row.policy}")
    if row.operator_policy:
        lines.append(f"Operator policy: {row.operator_policy}")
    if row.arguments:
        lines.append("Arguments: " + ", ".join(f"{k}={v}" for k, v in row.arguments.items()))
    return "\n".join(lines)


def figures_tooltip(row: QueueRow) -> str:
    if row.figures_source == "prometheus":
        return "Counts from Prometheus: the management API has not reported this queue yet."
    if row.figures_source == "none":
        return "The broker has not reported this queue's counts yet."
    return ""


def state_text(row: QueueRow) -> str:
    return row.state or UNKNOWN


def name_tooltip(row: QueueRow) -> str:
    flags = [
        "durable" if row.durable else "transient",
        *(["auto-delete"] if row.auto_delete else []),
        *(["exclusive"] if row.exclusive else []),
    ]
    return f"{row.name}\n{row.type} queue in vhost {row.vhost!r}, {', '.join(flags)}"
