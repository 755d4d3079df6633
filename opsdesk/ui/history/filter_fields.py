"""The filter bar's fields: how each is built, read, and written back from a filter."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QWidget

from opsdesk.store.event_filter import EventFilter, ReplayScope
from opsdesk.ui.event_cells import KAFKA_PREFIX
from opsdesk.ui.history.amount_input import parse_major_amount
from opsdesk.ui.money_text import minor_unit_exponent

DATE_FORMAT = "yyyy-MM-dd HH:mm"
_ANY_ORIGIN = "all"


class FieldError(ValueError):
    """A field's value is wrong; `widget` is the one to mark."""

    def __init__(self, widget: QWidget, message: str) -> None:
        super().__init__(message)
        self.widget = widget


def line_edit(placeholder: str, tooltip: str, fixed_width: int | None = None) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(placeholder.rstrip("…"))
    edit.setToolTip(tooltip)
    if fixed_width is not None:
        edit.setFixedWidth(fixed_width)
    else:
        edit.setMinimumWidth(120)
    return edit


def date_edit(name: str, value: QDateTime) -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setTimeZone(QTimeZone.utc())
    edit.setDateTime(value)
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    edit.setToolTip(f"{name}; the time range includes its start, not its end")
    return edit


def replay_scope_combo() -> QComboBox:
    """Originals and replays / originals only / replays only."""
    combo = QComboBox()
    combo.setAccessibleName("Originals or replays")
    combo.setToolTip(
        "Originals: what the payment system sent. Replays: the copies opsdesk re-sent."
    )
    combo.addItem("Originals and replays", _ANY_ORIGIN)
    combo.addItem("Originals only", ReplayScope.ORIGINALS.value)
    combo.addItem("Replays only", ReplayScope.REPLAYS.value)
    return combo


def scope_of(combo: QComboBox) -> ReplayScope | None:
    value = combo.currentData()
    return None if value == _ANY_ORIGIN else ReplayScope(value)


def show_scope(combo: QComboBox, scope: ReplayScope | None) -> None:
    combo.setCurrentIndex(combo.findData(_ANY_ORIGIN if scope is None else scope.value))


TOPIC_PREFIX = "topic:"  # what an operator types for a Kafka topic in the exchange filter


def exchange_of(text: str) -> str | None:
    """The exchange filter's value: `topic:NAME` is Kafka topic NAME, stored as `kafka:NAME`."""
    text = text.strip()
    if text.startswith(TOPIC_PREFIX):
        return KAFKA_PREFIX + text.removeprefix(TOPIC_PREFIX).strip()
    return text or None


def words(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def amount_of(edit: QLineEdit, currencies: tuple[str, ...]) -> int | None:
    if not edit.text().strip():
        return None
    exponents = {minor_unit_exponent(c) for c in currencies}
    if len(exponents) != 1:
        raise FieldError(
            edit,
            "choose a currency to filter by amount"
            if not currencies
            else "an amount cannot span currencies with different decimals",
        )
    try:
        return parse_major_amount(edit.text(), currencies[0])
    except ValueError as exc:
        raise FieldError(edit, str(exc)) from exc


def major_text(amount: int | None, event_filter: EventFilter) -> str:
    """Minor units back to what the operator typed, in the filter's currency."""
    if amount is None:
        return ""
    exponent = minor_unit_exponent(event_filter.currencies[0]) if event_filter.currencies else 0
    if exponent == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def iso_text(moment: QDateTime) -> str:
    return moment.toUTC().toString(Qt.DateFormat.ISODateWithMs)


def qdatetime_of(iso: str) -> QDateTime:
    moment = QDateTime.fromString(iso, Qt.DateFormat.ISODateWithMs)
    return moment.toUTC() if moment.isValid() else QDateTime.currentDateTimeUtc()
