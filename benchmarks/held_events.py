"""The tap queue's events held by a consumer of the benchmark until a phase releases them.

Published beforehand, the events would reach a desk the moment its tap starts consuming;
held unacknowledged here (the consumer cancelled once it holds them all), they wait until a
nack with requeue hands them back to the queue, all ready at once, with the tap its only
consumer: it then drains them as fast as it can.
"""

from __future__ import annotations

import time

import pika

HOLD_TIMEOUT_S = 300.0


class HeldEvents:
    """`count` events of `queue`, delivered here and not acknowledged.

    No heartbeats on this connection: nothing services it while it holds.
    """

    def __init__(self, url: str, queue: str, count: int) -> None:
        self._connection = pika.BlockingConnection(pika.URLParameters(url + "?heartbeat=0"))
        channel = self._channel = self._connection.channel()
        held = [0]

        def on_message(_ch: object, method: pika.spec.Basic.Deliver, *_: object) -> None:
            held[0] = method.delivery_tag

        try:
            tag = channel.basic_consume(queue, on_message, auto_ack=False)
            deadline = time.monotonic() + HOLD_TIMEOUT_S
            while held[0] < count:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"held {held[0]:,} of {count:,} events")
                self._connection.process_data_events(time_limit=1)
            channel.basic_cancel(tag)
        except BaseException:
            self.close()
            raise

    def release(self, up_to: int | None = None) -> None:
        """Requeue the held events up to delivery tag `up_to` (all that remain: None)."""
        self._channel.basic_nack(delivery_tag=up_to or 0, multiple=True, requeue=True)
        self._connection.process_data_events(time_limit=0)

    def close(self) -> None:
        if self._connection.is_open:
            self._connection.close()  # anything still held goes back to the queue
