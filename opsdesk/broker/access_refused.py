"""ACCESS_REFUSED in words: which permission (configure, write, read) a user lacked, on what.

RabbitMQ refuses a request the user has no permission for with "ACCESS_REFUSED - write
access to exchange 'x' in vhost '/' refused for user 'u'". Older brokers (3.10 here) leave
the permission out ("access to exchange 'x' ..."); it is then read off the pika call that was
refused (a queue.declare needs configure, a basic.get read...), or taken from the caller, who
knows what its request needs (a publishing channel closed under it: write).
"""

from __future__ import annotations

import re
from types import TracebackType

_REFUSED = re.compile(
    r"(?:ACCESS_REFUSED - )?(?:(configure|write|read) )?access to (queue|exchange|topic) "
    r"'(.*)' in vhost '(.*)' refused for user '(.*)'"
)
# pika's BlockingChannel methods, and the permission each needs on the kind of resource.
_NEEDS = {
    "queue_declare": {"queue": "configure"},
    "queue_delete": {"queue": "configure"},
    "exchange_declare": {"exchange": "configure"},
    "exchange_delete": {"exchange": "configure"},
    "queue_bind": {"queue": "write", "exchange": "read"},
    "queue_unbind": {"queue": "write", "exchange": "read"},
    "basic_publish": {"exchange": "write"},
    "basic_get": {"queue": "read"},
    "basic_consume": {"queue": "read"},
    "queue_purge": {"queue": "read"},
}
_WHY = {
    ("configure", "queue"): "needed to declare or delete it",
    ("configure", "exchange"): "needed to declare or delete it",
    ("write", "exchange"): "needed to publish to it",
    ("write", "queue"): "needed to bind it to an exchange",
    ("read", "queue"): "needed to read, move or purge its messages",
    ("read", "exchange"): "needed to bind a queue to it",
}


def missing_permission(
    reply_text: str, exc: BaseException | None = None, needed: str | None = None
) -> str | None:
    """ "user 'u' has no write permission on exchange 'x' in vhost '/' (needed to publish to
    it)": the clause for a refused request, to end a sentence with; None when `reply_text`
    is not a permission refusal. `exc`: the exception, whose traceback says which pika call
    was refused when the broker does not name the permission; `needed`: the permission the
    caller's request needs, for when neither says."""
    match = _REFUSED.search(reply_text)
    if match is None:
        return None
    permission, kind, name, vhost, user = match.groups()
    permission = permission or _needed(kind, exc) or needed
    what = (
        "the default exchange"
        if (kind, name) == ("exchange", "amq.default")
        else (f"{kind} '{name}'")
    )
    if permission is None:
        return (
            f"user '{user}' lacks a permission on {what} in vhost '{vhost}' (configure to "
            "declare it, write to bind it, read to read or purge it; this broker does not say "
            "which)"
        )
    why = _WHY.get((permission, kind))
    because = f" ({why})" if why else ""
    return f"user '{user}' has no {permission} permission on {what} in vhost '{vhost}'{because}"


def _needed(kind: str, exc: BaseException | None) -> str | None:
    method = _refused_call(exc.__traceback__) if exc is not None else None
    return _NEEDS[method].get(kind) if method is not None else None


def _refused_call(tb: TracebackType | None) -> str | None:
    """The last pika BlockingChannel method on the way to the exception, if any."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in _NEEDS and "pika" in code.co_filename:
            found = code.co_name
        tb = tb.tb_next
    return found
