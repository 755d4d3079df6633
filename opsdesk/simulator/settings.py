"""What a simulator run is asked to do: where, how fast, how long, how much goes wrong."""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.topology import SimulatedTopology


@dataclass(frozen=True)
class SimulatorSettings:
    endpoint: BrokerEndpoint
    exchange: str = "payments.events"
    rate: float = 20.0  # events per second
    count: int | None = None  # stop after this many events (poison not included)
    duration: float | None = None  # stop after this many seconds
    failure_rate: float = 0.15  # share of payments that end in payment.failed
    seed: int | None = None  # same seed, same events (ids included); clocks still differ
    with_processor: bool = True
    prefix: str | None = None  # queue/DLX name prefix; None derives it from the exchange
    poison_rate: float = 0.005  # chance of an extra unreadable message after each event
    refund_rate: float = 0.08
    pan_leak_rate: float = 0.03  # payments whose bodies carry a full card number
    in_flight: int = 12  # payments open at once, so lifecycles interleave
    drain_timeout: float = 2.0  # at a normal end, how long the processor may empty its queue
    retry_success_rate: float = 0.7  # chance that a replayed failed payment succeeds this time

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError("rate must be positive")
        if self.count is not None and self.count < 0:
            raise ValueError("count must not be negative")
        if self.duration is not None and self.duration <= 0:
            raise ValueError("duration must be positive")
        rates = (
            "failure_rate",
            "poison_rate",
            "refund_rate",
            "pan_leak_rate",
            "retry_success_rate",
        )
        for name in rates:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")

    def topology(self) -> SimulatedTopology:
        return SimulatedTopology.named(self.exchange, self.prefix)
