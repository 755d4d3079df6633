"""What a source of payment events is to the tap: the `Source` protocol and its `Batch`.

A source is where messages come from: today the desk's classic tap queue (classic_tap.py);
a RabbitMQ stream or Kafka topics are each one more module implementing this protocol. The
tap (tap.py) runs any source the same way, on its consumer thread:

    open() -> deliver(timeout)... -> [on a clean stop: cancel() -> deliver(timeout)...] -> close()

and from open() again, after a backoff, when the source raised SourceUnavailable. Every batch
a source delivers goes to a writer (writer.py), which stores it in one transaction; only
after that COMMIT does the tap hand the batch back to `acknowledge`. Ingest is therefore
at-least-once, and the store's event identity makes it exactly-once in the history.

Positions. A source whose broker has positions (a stream's offset, a Kafka partition's)
gives each batch the position where it ends, and the writer commits that position in the
batch's own transaction (store/source_positions.py), so that the history and the place to
resume from can never disagree; such a source is built with the positions the history holds
and resumes after them (stream_tap.py). Its acknowledgements then only keep the broker's flow
going: the position is what makes a restart exact. The classic tap queue has none: its
batches carry None and the broker redelivers whatever was not acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from opsdesk.events.model import RawMessage
from opsdesk.store.source_positions import Position

__all__ = ["B", "Batch", "Position", "Source", "SourceUnavailable"]


class SourceUnavailable(Exception):
    """The source cannot be reached now; the tap retries. `str()` is one sentence to show."""


class Batch(Protocol):
    """Messages stored in one transaction and acknowledged together, in delivery order."""

    @property
    def position(self) -> Position | None:
        """Where this batch ends, for a source with positions; None otherwise."""
        ...

    def __len__(self) -> int:
        """How many messages (a message may decode into several events)."""
        ...

    def raw_messages(self) -> Iterable[RawMessage]:
        """The messages as the decoders read them; called on a writer's thread, not the
        consumer's, so a source keeps its conversion work off its I/O loop."""
        ...


B = TypeVar("B", bound=Batch)


class Source(Protocol[B]):
    """A place payment events come from. All methods but `acknowledge` and `position` run on
    the tap's consumer thread; they raise SourceUnavailable for a failure worth retrying."""

    def describe(self) -> str:
        """What the operator reads about the source: where it connects to, and once open
        anything they should know (an exchange not found yet); the tap reports it again
        whenever it changes."""
        ...

    def open(self) -> None:
        """Connect and start receiving. After a failure the tap calls close(), then open()."""
        ...

    def deliver(self, timeout: float) -> Sequence[B]:
        """The batches complete so far, waiting at most `timeout` seconds for messages.

        Also where the source does its own I/O (acknowledgements, retries of its set-up), so
        the tap keeps calling it while the writer drains; after cancel() it returns nothing.
        """
        ...

    def cancel(self) -> Sequence[B]:
        """Stop receiving and return what was received and not yet delivered. A batch once
        returned is never added to: its acknowledgement covers exactly what was stored."""
        ...

    def acknowledge(self, batch: B) -> None:
        """`batch` has committed: the broker may forget it (a source with positions may
        simply note it). Called on a writer's thread, in delivery order; thread-safe. A batch
        from before a reconnection is not acknowledged: the broker redelivers it."""
        ...

    def close(self) -> None:
        """Let go of the connection; what is unacknowledged goes back to the broker."""
        ...

    def position(self) -> Position | None:
        """How far the source has delivered (for progress); None for a source without."""
        ...
