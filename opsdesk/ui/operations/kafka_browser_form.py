"""What the topic browser reads: cluster, topic, partition, and where to start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.kafka.record_browse import EARLIEST, BrowseStart

START_EARLIEST = "Earliest retained"
START_OFFSET = "At offset"
START_TIME = "From time"
ALL_PARTITIONS = -1


@dataclass(frozen=True, slots=True)
class TopicQuery:
    cluster: KafkaSettings
    topic: str
    partition: int | None
    start: BrowseStart


class KafkaBrowserForm(QWidget):
    """`query()` is what the fields say, or a sentence saying what is missing."""

    def __init__(self, clusters: tuple[KafkaSettings, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clusters = clusters
        self.cluster_combo = QComboBox()
        self.cluster_combo.addItems([f"{c.name} ({c.where()})" for c in clusters])
        self.topic_combo = QComboBox()
        self.topic_combo.setEditable(True)
        self.topic_combo.setToolTip("A topic of the cluster: the profile's, or type another")
        self.partition_spin = QSpinBox()
        self.partition_spin.setRange(ALL_PARTITIONS, 99_999)
        self.partition_spin.setSpecialValueText("all")
        self.partition_spin.setValue(ALL_PARTITIONS)
        self.start_combo = QComboBox()
        self.start_combo.addItems([START_EARLIEST, START_OFFSET, START_TIME])
        self.offset_edit = QLineEdit("0")
        self.offset_edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,19}")))
        self.offset_edit.setToolTip("The offset to start at, in each partition read")
        self.time_edit = QDateTimeEdit(QDateTime.currentDateTime().addSecs(-3600))
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.time_edit.setCalendarPopup(True)
        self.time_edit.setToolTip("Local time: each partition from its first record since then")
        start_row = QHBoxLayout()
        start_row.addWidget(self.start_combo)
        start_row.addWidget(self.offset_edit)
        start_row.addWidget(self.time_edit, 1)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("&Cluster:", self.cluster_combo)
        layout.addRow("&Topic:", self.topic_combo)
        layout.addRow("&Partition:", self.partition_spin)
        layout.addRow("&Start:", start_row)
        self.cluster_combo.currentIndexChanged.connect(self._on_cluster_changed)
        self.start_combo.currentTextChanged.connect(self._on_start_changed)
        self._on_cluster_changed(0)
        self._on_start_changed(self.start_combo.currentText())

    def query(self) -> TopicQuery | str:
        topic = self.topic_combo.currentText().strip()
        if not topic:
            return "Name the topic to browse."
        partition = self.partition_spin.value()
        kind = self.start_combo.currentText()
        start: BrowseStart = EARLIEST
        if kind == START_OFFSET:
            if not self.offset_edit.text():
                return "Give the offset to start at."
            start = int(self.offset_edit.text())
        elif kind == START_TIME:
            seconds = self.time_edit.dateTime().toSecsSinceEpoch()
            start = datetime.fromtimestamp(seconds, UTC)
        cluster = self._clusters[self.cluster_combo.currentIndex()]
        return TopicQuery(cluster, topic, None if partition == ALL_PARTITIONS else partition, start)

    def _on_cluster_changed(self, index: int) -> None:
        self.topic_combo.clear()
        if 0 <= index < len(self._clusters):
            self.topic_combo.addItems(list(self._clusters[index].topics))

    def _on_start_changed(self, kind: str) -> None:
        self.offset_edit.setVisible(kind == START_OFFSET)
        self.time_edit.setVisible(kind == START_TIME)
