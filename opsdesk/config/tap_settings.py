"""A profile's `[profiles.X.tap]` table: where the desk's copy of the traffic comes from.

Two kinds. `classic` (the default, and what a broker without streams needs): the desk's own
bounded queue, one per desk. `stream`: one durable RabbitMQ stream per team, named by `queue`,
declared by whichever desk comes first and read by every desk from its own offset; its
retention is `max_age` (x-max-age, e.g. "7D") and `max_length_bytes`, and its replicas on a
cluster `initial_cluster_size`. Each kind refuses the other's retention settings, so a
profile never carries bounds that silently do nothing. A classic tap on a cluster can be a
quorum queue (`queue_type = "quorum"`): replicated, so what it holds survives the node it
lives on.
"""

from __future__ import annotations

import functools
import getpass
import logging
import re
import socket
from dataclasses import dataclass, replace
from typing import Any, Literal

log = logging.getLogger(__name__)

TapKind = Literal["classic", "stream"]
TAP_KINDS: tuple[TapKind, ...] = ("classic", "stream")
_COMMON = {"kind", "queue", "prefetch", "batch_size", "batch_interval", "store_process"}
_CLASSIC_ONLY = {"max_length", "overflow", "message_ttl_ms", "queue_type"}
_STREAM_ONLY = {"max_age", "max_length_bytes", "initial_cluster_size"}
# RabbitMQ's x-max-age: a whole number and one unit (years, months, days, hours, minutes, s).
_MAX_AGE = re.compile(r"[1-9][0-9]*[YMDhms]")


@dataclass(frozen=True, slots=True)
class TapSettings:
    """The desk's source of events: its own classic queue, or the team's stream."""

    queue: str  # the classic tap queue's name, or the stream's
    max_length: int | None = 1_000_000
    overflow: str = "drop-head"
    message_ttl_ms: int | None = None
    prefetch: int = 2000
    batch_size: int = 500
    batch_interval: float = 0.2  # seconds: flush a partial batch after this long
    # Commit in a child process (ingest/process_writer.py): +13% events/s for +60 MB on two
    # cores (benchmarks/ingest.py). None: `collect` does, the window does not (it shows the
    # events, which would then cross back from the child).
    store_process: bool | None = None
    kind: TapKind = "classic"
    max_age: str | None = None  # stream: x-max-age, e.g. "7D"
    max_length_bytes: int | None = None  # stream: x-max-length-bytes
    initial_cluster_size: int | None = None  # stream: x-initial-cluster-size
    queue_type: Literal["classic", "quorum"] = "classic"  # classic tap: x-queue-type

    def queue_arguments(self) -> dict[str, Any]:
        """The arguments the tap declares its queue (or stream) with."""
        if self.kind == "stream":
            return self.stream_arguments()
        args: dict[str, Any] = {"x-overflow": self.overflow}
        if self.queue_type == "quorum":
            args["x-queue-type"] = "quorum"
        if self.max_length:
            args["x-max-length"] = self.max_length
        if self.message_ttl_ms:
            args["x-message-ttl"] = self.message_ttl_ms
        return args

    def stream_arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {"x-queue-type": "stream"}
        if self.max_age:
            args["x-max-age"] = self.max_age
        if self.max_length_bytes:
            args["x-max-length-bytes"] = self.max_length_bytes
        if self.initial_cluster_size:
            args["x-initial-cluster-size"] = self.initial_cluster_size
        return args


def default_tap_queue(profile_name: str) -> str:
    # Per profile *and* per desk: two operators sharing one queue would each see half the events.
    desk = f"{getpass.getuser()}@{socket.gethostname()}"
    return "opsdesk.tap." + re.sub(r"[^A-Za-z0-9_.@-]", "_", f"{profile_name}.{desk}")


@functools.cache
def _warn_ignored_tap_setting(profile_name: str, key: str) -> None:
    # Once per run: profiles are read again whenever one is saved.
    log.warning("profile %r: tap setting %r is no longer used; it is ignored", profile_name, key)


def parse_tap_settings(profile_name: str, raw: dict[str, Any]) -> TapSettings:
    """The settings in a profile's tap table; ValueError saying what is wrong."""
    if "decode_process" in raw:
        _warn_ignored_tap_setting(profile_name, "decode_process")
        raw = {k: v for k, v in raw.items() if k != "decode_process"}
    if unknown := set(raw) - _COMMON - _CLASSIC_ONLY - _STREAM_ONLY:
        raise ValueError(f"unknown tap settings {sorted(unknown)}")
    kind = raw.get("kind", "classic")
    if kind not in TAP_KINDS:
        raise ValueError(f"tap kind must be one of {', '.join(TAP_KINDS)}, not {kind!r}")
    values = {k: v for k, v in raw.items() if k not in ("queue", "kind")}
    if kind == "stream":
        _check_stream(raw)
        return replace(TapSettings(queue=raw["queue"], kind="stream"), **values)
    if misplaced := _STREAM_ONLY & set(raw):
        raise ValueError(f'{sorted(misplaced)} apply to a stream tap (kind = "stream") only')
    if values.get("overflow", "drop-head") not in ("drop-head", "reject-publish-dlx"):
        # reject-publish would push back on the payment system's publishers.
        raise ValueError("tap overflow must be drop-head")
    if values.get("queue_type", "classic") not in ("classic", "quorum"):
        raise ValueError('tap queue_type must be "classic" or "quorum"')
    if values.get("queue_type") == "quorum" and values.get("overflow") == "reject-publish-dlx":
        raise ValueError("a quorum tap queue overflows by drop-head only")
    settings = TapSettings(queue=raw.get("queue") or default_tap_queue(profile_name))
    return replace(settings, **values)


def _check_stream(raw: dict[str, Any]) -> None:
    if not isinstance(raw.get("queue"), str) or not raw["queue"]:
        raise ValueError("a stream tap needs `queue`: the name of the team's stream")
    if misplaced := _CLASSIC_ONLY & set(raw):
        raise ValueError(f"{sorted(misplaced)} apply to a classic tap only; a stream has max_age")
    max_age = raw.get("max_age")
    if max_age is not None and (not isinstance(max_age, str) or not _MAX_AGE.fullmatch(max_age)):
        raise ValueError(f'tap max_age must be like "7D" or "12h" (Y M D h m s), not {max_age!r}')
    for key in ("max_length_bytes", "initial_cluster_size"):
        value = raw.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(f"tap {key} must be a whole number, 1 or more")
