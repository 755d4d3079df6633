"""The history filter bar: every field the store can filter on, combined, debounced as you type."""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QDateTime, QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.events.model import Status
from opsdesk.store.event_filter import EventFilter, TimePreset
from opsdesk.ui.history.filter_fields import (
    FieldError,
    amount_of,
    date_edit,
    exchange_of,
    iso_text,
    line_edit,
    major_text,
    qdatetime_of,
    replay_scope_combo,
    scope_of,
    show_scope,
    words,
)
from opsdesk.ui.history.saved_filters import SavedFilter

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
_ANY_TIME = "any"
_CUSTOM = "custom"
_INVALID_STYLE = "QLineEdit, QDateTimeEdit { border: 1px solid #c0392b; }"


class FilterBar(QWidget):
    """Emits `filter_changed` for every valid combination; an invalid field is marked instead."""

    filter_changed = Signal(object)  # EventFilter
    problem_changed = Signal(str)  # why the fields do not make a filter; "" when they do

    def __init__(self, parent: QWidget | None = None, *, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("historyFilterBar")
        self._problem = ""
        self._applied: EventFilter | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._on_debounce_timeout)

        self.time_combo = QComboBox()
        self.time_combo.setAccessibleName("Time range")
        self.time_combo.addItem("Any time", _ANY_TIME)
        for preset in TimePreset:
            self.time_combo.addItem(preset.label, preset.value)
        self.time_combo.addItem("Custom range…", _CUSTOM)
        self.time_combo.currentIndexChanged.connect(self._on_time_changed)
        now = QDateTime.currentDateTimeUtc()
        self.since_edit = date_edit("From (UTC)", now.addSecs(-3600))
        self.until_edit = date_edit("To (UTC)", now.addSecs(3600))
        for edit in (self.since_edit, self.until_edit):
            edit.dateTimeChanged.connect(self._on_field_edited)
            edit.hide()
        self._range_dash = QLabel("to")
        self._range_dash.hide()

        self.status_button = QToolButton()
        self.status_button.setAccessibleName("Status")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        status_menu = QMenu(self.status_button)
        self._status_actions: dict[Status, QAction] = {}
        for status in Status:
            action = status_menu.addAction(status.value)
            action.setCheckable(True)
            action.toggled.connect(self._on_choice_changed)
            self._status_actions[status] = action
        self.status_button.setMenu(status_menu)

        self.type_edit = line_edit("Type", "Event type, e.g. payment.failed; commas for several")
        self.merchant_edit = line_edit("Merchant", "Merchant; commas for several")
        self.currency_edit = line_edit(
            "Currency", "ISO 4217 code, e.g. EUR; commas for several", 80
        )
        self.amount_min_edit = line_edit("Min amount", "At least this amount, e.g. 12.50", 90)
        self.amount_max_edit = line_edit("Max amount", "At most this amount, e.g. 250", 90)
        self.payment_edit = line_edit("Payment id", "Exactly this payment id")
        self.error_edit = line_edit(
            "Error code", "Error code, e.g. gateway_timeout; commas for several"
        )
        self.routing_edit = line_edit("Routing key", "Exactly this routing key")
        self.exchange_edit = line_edit(
            "Exchange or topic:NAME", "Exactly this exchange, or Kafka topic (topic:NAME)"
        )
        self.text_edit = line_edit(
            "Search message bodies…", "Words that must all occur in the body"
        )
        self.text_edit.setClearButtonEnabled(True)
        self.undecoded_check = QCheckBox("Undecoded only")
        self.undecoded_check.setToolTip("Only messages whose body could not be decoded")
        self.undecoded_check.toggled.connect(self._on_choice_changed)
        self.replays_combo = replay_scope_combo()
        self.replays_combo.currentIndexChanged.connect(self._on_choice_changed)
        for field in self._line_edits():
            field.textEdited.connect(self._on_field_edited)
            field.returnPressed.connect(self._on_return_pressed)

        self.saved_button = QToolButton()
        self.saved_button.setText("Saved filters")
        self.saved_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Remove every condition")
        self.clear_button.clicked.connect(self.clear)

        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        # Free-text fields share the spare width (stretch 1); fixed-size ones keep theirs.
        for widget, stretch in (
            (self.time_combo, 0),
            (self.since_edit, 0),
            (self._range_dash, 0),
            (self.until_edit, 0),
            (self.status_button, 0),
            (self.type_edit, 1),
            (self.merchant_edit, 1),
            (self.currency_edit, 0),
            (self.amount_min_edit, 0),
            (QLabel("to"), 0),
            (self.amount_max_edit, 0),
        ):
            first.addWidget(widget, stretch)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        for second_field, stretch in (
            (self.payment_edit, 1),
            (self.error_edit, 1),
            (self.routing_edit, 1),
            (self.exchange_edit, 1),
            (self.text_edit, 2),
            (self.undecoded_check, 0),
            (self.replays_combo, 0),
            (self.saved_button, 0),
            (self.clear_button, 0),
        ):
            second.addWidget(second_field, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(first)
        layout.addLayout(second)
        self.setFocusProxy(self.text_edit)
        self._update_status_text()

    @property
    def problem(self) -> str:
        return self._problem

    def current_preset(self) -> TimePreset | None:
        value = self.time_combo.currentData()
        return None if value in (_ANY_TIME, _CUSTOM) else TimePreset(value)

    def current_filter(self) -> EventFilter:
        """The fields as a filter; raises ValueError naming the field that is wrong."""
        since = until = None
        if self.time_combo.currentData() == _CUSTOM:
            since = iso_text(self.since_edit.dateTime())
            until = iso_text(self.until_edit.dateTime())
            if self.since_edit.dateTime() >= self.until_edit.dateTime():
                raise FieldError(self.until_edit, "the time range ends before it starts")
        currencies = words(self.currency_edit.text().upper())
        amount_min = amount_of(self.amount_min_edit, currencies)
        amount_max = amount_of(self.amount_max_edit, currencies)
        if amount_min is not None and amount_max is not None and amount_min > amount_max:
            raise FieldError(self.amount_max_edit, "the maximum amount is below the minimum")
        event_filter = EventFilter(
            since=since,
            until=until,
            statuses=tuple(s.value for s, a in self._status_actions.items() if a.isChecked()),
            types=words(self.type_edit.text()),
            merchants=words(self.merchant_edit.text()),
            currencies=currencies,
            payment_id=self.payment_edit.text().strip() or None,
            error_codes=words(self.error_edit.text()),
            routing_key=self.routing_edit.text().strip() or None,
            exchange=exchange_of(self.exchange_edit.text()),
            amount_min=amount_min,
            amount_max=amount_max,
            text=self.text_edit.text().strip() or None,
            decode_errors_only=self.undecoded_check.isChecked(),
            replays=scope_of(self.replays_combo),
        )
        preset = self.current_preset()
        return event_filter if preset is None else event_filter.with_preset(preset)

    def saved_filter(self) -> SavedFilter:
        """What "save" keeps: the fields, and a preset rather than its computed range."""
        preset = self.current_preset()
        current = self.current_filter()
        if preset is not None:
            current = replace(current, since=None, until=None)
        return SavedFilter(current, preset)

    def set_filter(self, event_filter: EventFilter, preset: TimePreset | None = None) -> None:
        """Fill the fields from a filter (e.g. a saved one) and apply it."""
        widgets: list[QObject] = [self.time_combo, self.since_edit, self.until_edit]
        widgets += [self.undecoded_check, self.replays_combo, *self._status_actions.values()]
        widgets += self._line_edits()
        for widget in widgets:
            widget.blockSignals(True)
        try:
            if preset is not None:
                self.time_combo.setCurrentIndex(self.time_combo.findData(preset.value))
            elif event_filter.since or event_filter.until:
                self.time_combo.setCurrentIndex(self.time_combo.findData(_CUSTOM))
                if event_filter.since:
                    self.since_edit.setDateTime(qdatetime_of(event_filter.since))
                if event_filter.until:
                    self.until_edit.setDateTime(qdatetime_of(event_filter.until))
            else:
                self.time_combo.setCurrentIndex(0)
            for status, action in self._status_actions.items():
                action.setChecked(status.value in event_filter.statuses)
            self.type_edit.setText(", ".join(event_filter.types))
            self.merchant_edit.setText(", ".join(event_filter.merchants))
            self.currency_edit.setText(", ".join(event_filter.currencies))
            self.amount_min_edit.setText(major_text(event_filter.amount_min, event_filter))
            self.amount_max_edit.setText(major_text(event_filter.amount_max, event_filter))
            self.payment_edit.setText(event_filter.payment_id or "")
            self.error_edit.setText(", ".join(event_filter.error_codes))
            self.routing_edit.setText(event_filter.routing_key or "")
            self.exchange_edit.setText(event_filter.exchange or "")
            self.text_edit.setText(event_filter.text or "")
            self.undecoded_check.setChecked(event_filter.decode_errors_only)
            show_scope(self.replays_combo, event_filter.replays)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._show_time_fields()
        self._update_status_text()
        self.apply_now()

    def clear(self) -> None:
        """Remove every condition."""
        self.set_filter(EventFilter())

    def apply_now(self) -> None:
        """Check the fields and emit the filter without waiting for the typing pause."""
        self._debounce.stop()
        for edit in (*self._line_edits(), self.since_edit, self.until_edit):
            edit.setStyleSheet("")
        try:
            event_filter = self.current_filter()
        except FieldError as exc:
            exc.widget.setStyleSheet(_INVALID_STYLE)
            self._set_problem(str(exc))
            return
        except ValueError as exc:
            self._set_problem(str(exc))
            return
        self._set_problem("")
        self._applied = event_filter
        self.filter_changed.emit(event_filter)

    def _line_edits(self) -> tuple[QLineEdit, ...]:
        return (
            self.type_edit,
            self.merchant_edit,
            self.currency_edit,
            self.amount_min_edit,
            self.amount_max_edit,
            self.payment_edit,
            self.error_edit,
            self.routing_edit,
            self.exchange_edit,
            self.text_edit,
        )

    def _set_problem(self, problem: str) -> None:
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)

    def _show_time_fields(self) -> None:
        custom = self.time_combo.currentData() == _CUSTOM
        for widget in (self.since_edit, self._range_dash, self.until_edit):
            widget.setVisible(custom)

    def _update_status_text(self) -> None:
        chosen = [s.value for s, a in self._status_actions.items() if a.isChecked()]
        self.status_button.setText(f"Status: {', '.join(chosen) if chosen else 'any'}")

    # -- slots ------------------------------------------------------------------------------

    def _on_time_changed(self, index: int) -> None:
        self._show_time_fields()
        self.apply_now()

    def _on_choice_changed(self, *_: object) -> None:
        self._update_status_text()
        self.apply_now()

    def _on_field_edited(self, *_: object) -> None:
        self._debounce.start()  # restarts: one query after the typing pauses

    def _on_return_pressed(self) -> None:
        self.apply_now()

    def _on_debounce_timeout(self) -> None:
        self.apply_now()
