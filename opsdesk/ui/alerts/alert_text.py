"""How an alert reads on screen: the rule's name, what it watched, and the value seen."""

from __future__ import annotations

from opsdesk.alerting.evaluator import ActiveAlert, AlertTransition


def headline(alert: ActiveAlert | AlertTransition) -> str:
    """`queue depth orders: orders: 1,204 messages ready, above 1,000 for 60 s`."""
    return f"{alert.rule.name}: {alert.message}"


def value_text(value: float | None, kind: str = "") -> str:
    """A count as a whole number (`1,204`); a success rate as a percentage (`81.5 %`);
    seconds of silence as seconds."""
    if value is None:
        return ""
    if kind == "success_rate":
        return f"{value:.2f}".rstrip("0").rstrip(".") + " %"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"
