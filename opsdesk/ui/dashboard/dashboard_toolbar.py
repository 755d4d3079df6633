"""The row above the dashboard: window, live follow, breakdown, count basis, save, freshness."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from opsdesk.store.statistics.values import Breakdown, CountBasis
from opsdesk.ui.dashboard.basis_text import TOGGLE_TIP

CUSTOM = "custom"
WINDOW_CHOICES = (
    ("Last 15 min", "15m"),
    ("Last hour", "1h"),
    ("Last 24 h", "24h"),
    ("Last 7 days", "7d"),
    ("Custom…", CUSTOM),
)
SAVE_CHOICES = (
    ("Queue depth…", "queue_depth"),
    ("Throughput…", "throughput"),
    ("Success rate…", "success_rate"),
    ("Whole dashboard…", "dashboard"),
)
BREAKDOWN_CHOICES = (
    ("Overall", Breakdown.OVERALL),
    ("By merchant", Breakdown.MERCHANT),
    ("By currency", Breakdown.CURRENCY),
    ("Failures by error code", Breakdown.ERROR_CODE),
)

BASIS_CHOICES = (
    ("By payment", CountBasis.PAYMENT),
    ("By attempt", CountBasis.ATTEMPT),
)


class DashboardToolbar(QWidget):
    window_selected = Signal(str)  # a preset key (`15m`, ...) or CUSTOM
    breakdown_selected = Signal(object)  # Breakdown
    basis_selected = Signal(object)  # CountBasis
    follow_toggled = Signal(bool)
    save_requested = Signal(str)  # a chart key of SAVE_CHOICES

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_combo = QComboBox(self)
        for text, key in WINDOW_CHOICES:
            self.window_combo.addItem(text, key)
        self.window_combo.setToolTip("Time window of every chart (bucket size follows it)")
        self.follow_check = QCheckBox("Follow live", self)
        self.follow_check.setToolTip(
            "Keep the charts moving with the clock; panning a chart stops following"
        )
        self.breakdown_combo = QComboBox(self)
        for text, breakdown in BREAKDOWN_CHOICES:
            self.breakdown_combo.addItem(text, breakdown)
        self.breakdown_combo.setToolTip("What the success-rate chart breaks down by")
        self.basis_group = QButtonGroup(self)
        self.basis_buttons: dict[CountBasis, QToolButton] = {}
        for index, (text, basis) in enumerate(BASIS_CHOICES):
            button = QToolButton(self)
            button.setObjectName(f"basis_{basis.value}")
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(TOGGLE_TIP)
            self.basis_group.addButton(button, index)
            self.basis_buttons[basis] = button
        self.save_menu = QMenu(self)
        for text, key in SAVE_CHOICES:
            action = self.save_menu.addAction(text)
            action.triggered.connect(partial(self.save_requested.emit, key))
        self.save_button = QToolButton(self)
        self.save_button.setText("Save chart as PNG")
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.save_button.setMenu(self.save_menu)
        self.status_label = QLabel(" ", self)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._status_problem: bool | None = None
        self.show_status(" ")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Window", self))
        layout.addWidget(self.window_combo)
        layout.addWidget(self.follow_check)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Success rate", self))
        layout.addWidget(self.breakdown_combo)
        for button in self.basis_buttons.values():
            layout.addWidget(button)
        layout.addSpacing(12)
        layout.addWidget(self.save_button)
        layout.addSpacing(12)
        layout.addWidget(self.status_label, 1)

        self.window_combo.activated.connect(self._on_window_activated)
        self.breakdown_combo.activated.connect(self._on_breakdown_activated)
        self.follow_check.toggled.connect(self.follow_toggled)
        # Emitted on a click only, not when show_basis checks a button.
        self.basis_group.idClicked.connect(self._on_basis_clicked)

    def show_status(self, text: str, *, problem: bool = False) -> None:
        """How fresh the figures are, or why they are not."""
        if problem is not self._status_problem:
            self._status_problem = problem
            self.status_label.setStyleSheet(f"color: {'#8f1d1d' if problem else '#5a5a5a'};")
        self.status_label.setText(text)

    def show_window(self, key: str) -> None:
        """Select `key` without emitting window_selected."""
        index = self.window_combo.findData(key)
        if index >= 0:
            self.window_combo.setCurrentIndex(index)

    def show_breakdown(self, breakdown: Breakdown) -> None:
        index = self.breakdown_combo.findData(breakdown)
        if index >= 0:
            self.breakdown_combo.setCurrentIndex(index)

    def show_basis(self, basis: CountBasis) -> None:
        """Check `basis`'s button without emitting basis_selected."""
        self.basis_buttons[CountBasis(basis)].setChecked(True)

    def show_following(self, following: bool) -> None:
        self.follow_check.blockSignals(True)
        self.follow_check.setChecked(following)
        self.follow_check.blockSignals(False)

    def _on_window_activated(self, index: int) -> None:
        self.window_selected.emit(self.window_combo.itemData(index))

    def _on_breakdown_activated(self, index: int) -> None:
        # Item data comes back from Qt as a plain str: make it a Breakdown again.
        self.breakdown_selected.emit(Breakdown(self.breakdown_combo.itemData(index)))

    def _on_basis_clicked(self, index: int) -> None:
        self.basis_selected.emit(BASIS_CHOICES[index][1])
