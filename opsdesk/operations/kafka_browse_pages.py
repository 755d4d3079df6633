"""A topic browsed page by page: where the next page of each partition starts.

The window's topic browser asks for a first page (from an offset, a time or the earliest) and
then for the next ones, each partition read on from the offset after its last record shown.
A partition that gave fewer records than a page holds has nothing more to show (as far as its
end when it was read): the next page leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.events.model import PaymentEvent
from opsdesk.kafka.record_browse import BrowseStart
from opsdesk.operations.browse import BrowsedMessage
from opsdesk.operations.kafka_browse import browse_topic


@dataclass(frozen=True, slots=True)
class TopicPage:
    messages: tuple[BrowsedMessage, ...]
    recorded: dict[str, PaymentEvent]  # by message id: those the history already holds
    next_starts: dict[int, int]  # partition -> the offset its next page starts at
    complete: bool
    notes: tuple[str, ...]

    @property
    def has_more(self) -> bool:
        return bool(self.next_starts)


def first_page(
    settings: KafkaSettings,
    db_path: Path | None,
    topic: str,
    start: BrowseStart,
    partition: int | None,
    page_size: int,
) -> TopicPage:
    """`page_size` records of each partition (or of `partition`) from `start`."""
    browse = browse_topic(settings, db_path, topic, start, partition, page_size)
    messages = browse.messages
    return TopicPage(
        messages,
        browse.recorded,
        _next_starts(messages, page_size),
        browse.complete,
        browse.notes,
    )


def next_page(
    settings: KafkaSettings,
    db_path: Path | None,
    topic: str,
    starts: dict[int, int],
    page_size: int,
) -> TopicPage:
    """The page after one whose `next_starts` were `starts`, a read per partition."""
    messages: list[BrowsedMessage] = []
    recorded: dict[str, PaymentEvent] = {}
    notes: list[str] = []
    complete = True
    for partition, offset in sorted(starts.items()):
        browse = browse_topic(settings, db_path, topic, offset, partition, page_size)
        messages.extend(browse.messages)
        recorded.update(browse.recorded)
        notes.extend(n for n in browse.notes if n not in notes)
        complete = complete and browse.complete
    found = tuple(messages)
    return TopicPage(found, recorded, _next_starts(found, page_size), complete, tuple(notes))


def _next_starts(messages: tuple[BrowsedMessage, ...], page_size: int) -> dict[int, int]:
    """After each partition that filled its page: the offset following its last record."""
    counts: dict[int, int] = {}
    last: dict[int, int] = {}
    for message in messages:
        partition = message.properties.get("kafka_partition")
        if isinstance(partition, int):
            counts[partition] = counts.get(partition, 0) + 1
            last[partition] = max(last.get(partition, -1), message.position)
    return {p: last[p] + 1 for p, count in counts.items() if count >= page_size}
