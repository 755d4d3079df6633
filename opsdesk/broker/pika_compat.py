"""Every reach into pika's private attributes, in one place, each with the reason it is needed.

pika promises nothing about names with a leading underscore. The ones used here were read in
pika 1.3.2 and 1.4.4, and pyproject.toml keeps pika below 1.5 for that reason.
tests/broker/test_pika_compat.py checks each of them on real objects of the installed pika,
against the real broker, so an upgrade that renames one fails there first rather than
slowing down or breaking an operator's move.

What each reach buys:

- `BlockingChannel._impl`, the asynchronous `pika.channel.Channel` underneath: a
  BlockingChannel in confirm mode waits for each confirm (one round trip per message), and its
  `basic_ack` / `basic_reject` flush the socket on every call. The channel underneath lets a
  window of publishes be in flight and lets acks wait for the connection's next write.
- `BlockingConnection._request_channel_dispatch`: pika's own way for a callback to end
  `process_data_events` at once. Without it a wait runs to its time limit (slower, never wrong).
- `BlockingConnection._impl._transport._tx_buffers`: the frames waiting to be written. pika
  sends each frame with its own `send()` (three per publish); joined, a batch leaves in one.
- `BlockingConnection._impl.server_properties`: what the broker said about itself in
  `connection.start`, its version included; BlockingConnection has no public accessor for it.
- `BlockingConnection._impl.params`: the parameters the connection was made with. Given a
  cluster's nodes as a list, pika connects to the first that answers and keeps no public
  record of which: the status bar says which node the desk is on from these.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import pika.channel
import pika.connection
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection


def async_channel(channel: BlockingChannel) -> pika.channel.Channel:
    """The asynchronous Channel under `channel`: publishes and callbacks without waits."""
    impl: pika.channel.Channel = channel._impl
    return impl


def ack_unflushed(channel: BlockingChannel, delivery_tag: int) -> None:
    """Acknowledge one delivery; the ack leaves with the connection's next write."""
    # BlockingChannel.basic_ack flushes after each ack: a system call per message.
    channel._impl.basic_ack(delivery_tag)


def reject_unflushed(channel: BlockingChannel, delivery_tag: int) -> None:
    """Reject one delivery without requeueing it (dead-lettered where the queue has a DLX)."""
    # Like ack_unflushed: BlockingChannel.basic_reject would flush after each reject.
    channel._impl.basic_reject(delivery_tag, requeue=False)


def end_wait(connection: BlockingConnection, channel: BlockingChannel) -> None:
    """End the connection's current `process_data_events` without dispatching anything.

    For callbacks of the asynchronous channel under `channel`: a negative channel number is
    how pika's own BlockingChannel says "an event arrived". With a pika that lacks it, do
    nothing: waits then run to their time limit.
    """
    request = getattr(connection, "_request_channel_dispatch", None)
    if request is not None:
        request(-channel.channel_number)


def coalesce_output(connection: BlockingConnection) -> None:
    """Join the frames waiting to be sent into one buffer, so they leave in one write."""
    # Joining keeps the transport's byte count (`_tx_buffered_byte_count`) true: same bytes,
    # same order. With a pika that lacks the buffers, do nothing.
    buffers = getattr(getattr(connection._impl, "_transport", None), "_tx_buffers", None)
    if isinstance(buffers, deque) and len(buffers) > 1:
        joined = b"".join(buffers)
        buffers.clear()
        buffers.append(joined)


def server_properties(connection: BlockingConnection) -> Mapping[str, Any]:
    """The broker's `connection.start` server properties (product, version, ...); {} if none."""
    props = getattr(connection._impl, "server_properties", None)
    return props if isinstance(props, Mapping) else {}


def connected_parameters(connection: BlockingConnection) -> pika.connection.Parameters | None:
    """The parameters of the node `connection` reached (of the list it was given); None if
    this pika does not say."""
    params = getattr(connection._impl, "params", None)
    return params if isinstance(params, pika.connection.Parameters) else None
