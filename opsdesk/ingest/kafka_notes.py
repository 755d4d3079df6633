"""What the operator reads about a Kafka source's partitions: held back, expired, gone.

Each sentence is logged when it is first said; describe() shows a few, the log all of them.
"""

from __future__ import annotations

import logging

from opsdesk.kafka.partitions import PartitionId

log = logging.getLogger(__name__)

NOTES_SHOWN = 3  # partitions' notes in the source's description


class PartitionNotes:
    """Per-partition sentences; used on the source's consumer thread."""

    def __init__(self) -> None:
        self.held_back: dict[PartitionId, str] = {}  # not read: the cluster went back
        self._notes: dict[PartitionId, str] = {}

    def hold_back(self, partition: PartitionId, end: int, wanted: int) -> None:
        self.held_back[partition] = (
            f"{partition} now ends at offset {end}, before offset {wanted} where this desk's "
            "history is: the cluster lost records the history holds, or the topic was "
            "deleted and created again. It is not read, so nothing is skipped or stored "
            "twice unseen; see the README's Kafka section to go on"
        )
        log.warning("kafka source: %s", self.held_back[partition])

    def expired(self, partition: PartitionId, reader: str, wanted: int, low: int) -> None:
        self._say(
            partition,
            f"{partition} no longer held offsets {wanted} to {low - 1}: {low - wanted} records "
            f"expired before this desk's {reader} reader read them",
        )

    def gone(self, partition: PartitionId) -> None:
        self._say(partition, f"{partition} no longer exists")

    def text(self) -> str:
        """' (note) (note)', a few at most."""
        notes = [*self.held_back.values(), *self._notes.values()]
        if len(notes) > NOTES_SHOWN:
            more = len(notes) - NOTES_SHOWN
            notes = [*notes[:NOTES_SHOWN], f"and {more} more partitions: see the log"]
        return "".join(f" ({note})" for note in notes)

    def _say(self, partition: PartitionId, note: str) -> None:
        if self._notes.get(partition) != note:
            log.warning("kafka source: %s", note)
        self._notes[partition] = note
