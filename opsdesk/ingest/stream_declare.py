"""Declaring the team's stream: durable, by whichever desk comes first, with the same arguments.

Every desk of a team declares the stream with its profile's arguments; the first creates it,
the others find it. A desk whose profile says otherwise (another x-max-age, no cluster size)
is answered PRECONDITION_FAILED: it reads the stream as it is, and says so in one sentence.
A queue of that name that is no stream cannot be read from an offset: that is refused.
"""

from __future__ import annotations

import logging
import re

import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.config import TapSettings
from opsdesk.ingest.source import SourceUnavailable

log = logging.getLogger(__name__)

PRECONDITION_FAILED = 406
# "inequivalent arg 'x-max-age' for queue 'q' in vhost '/': received '2h' but current is '1h'"
_INEQUIVALENT = re.compile(
    r"inequivalent arg '(?P<arg>[^']+)'.*?: received (?P<ours>.+?) but current is (?P<theirs>.+)$"
)


def declare_stream(connection: BlockingConnection, tap: TapSettings) -> str:
    """Declare the stream; "" when it is as the profile says, else the sentence to show."""
    probe = connection.channel()  # a refused declare closes its channel
    try:
        probe.queue_declare(tap.queue, durable=True, arguments=tap.stream_arguments())
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != PRECONDITION_FAILED:
            raise
        return _differs(connection, tap.queue, exc.reply_text)
    probe.close()
    return ""


def _differs(connection: BlockingConnection, stream: str, reply: str) -> str:
    match = _INEQUIVALENT.search(reply)
    if match is None:
        note = f"stream {stream} exists with other settings ({reply}); reading it as it is"
    elif match["arg"] == "x-queue-type":
        kind = _value(match["theirs"]).strip("'")
        raise SourceUnavailable(
            f"{stream} exists on the broker as a {'classic' if kind == 'unset' else kind} "
            "queue, not a stream: name another stream in the profile's tap queue."
        )
    else:
        arg, ours, theirs = match["arg"], _value(match["ours"]), _value(match["theirs"])
        note = (
            f"stream {stream} was declared with {arg} {theirs}, this profile says {ours}; "
            "reading it as it is"
        )
    probe = connection.channel()
    probe.queue_declare(stream, passive=True)  # it exists: read it as it is
    probe.close()
    log.warning("tap: %s (%s)", note, reply)
    return note


def _value(text: str) -> str:
    """The value as the broker names it: '1h', or "none", without the type words."""
    text = text.strip()
    if text == "none":
        return "unset"
    typed = re.fullmatch(r"the value '(.*)' of type '.*'", text)
    if typed:
        return repr(typed[1])
    return text
