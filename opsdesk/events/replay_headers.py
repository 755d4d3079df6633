"""The headers opsdesk puts on a message it replays, and how a decoder reads them back.

A replay copy names the ORIGINAL request it re-sends (`REPLAY_OF`: that request's event id in
the history, never the id of an earlier copy) and its attempt number (`REPLAY_ATTEMPT`: 1 for
the first replay of a payment, 2 for the next, ...), so the history can tell copies from
originals and count a payment's attempts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsdesk.events.identity import id_hash
from opsdesk.events.masking import mask_pans
from opsdesk.events.native import plain_text

REPLAY_OF = "x-opsdesk-replay-of"
REPLAY_ATTEMPT = "x-opsdesk-replay-attempt"
REPLAYED_BY = "x-opsdesk-replayed-by"
REPLAY_REASON = "x-opsdesk-replay-reason"
REPLAYED_AT = "x-opsdesk-replayed-at"

# As identity.py stores ids: longer ones (and ones holding a card number) as a hash, so a
# header that names an original finds it by the id the history stored it under.
_MAX_ID_CHARS = 512
_MAX_ATTEMPT = 1_000_000


def read_replay_fields(headers: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """(replay of, attempt) from a message's headers; (None, None) for an original message.

    Values another producer mangled are read as far as they make sense: an id as text, an
    attempt as a positive integer (also from its digits as text), else None.
    """
    raw_of = headers.get(REPLAY_OF)
    if isinstance(raw_of, bytes):
        raw_of = raw_of.decode("utf-8", errors="backslashreplace")
    replay_of = plain_text(raw_of)
    if replay_of is not None and (
        len(replay_of) > _MAX_ID_CHARS or mask_pans(replay_of) != replay_of
    ):
        replay_of = id_hash(replay_of)
    return replay_of, _attempt(headers.get(REPLAY_ATTEMPT)) if replay_of is not None else None


def _attempt(value: Any) -> int | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) < 8 else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_ATTEMPT:
        return value
    return None
