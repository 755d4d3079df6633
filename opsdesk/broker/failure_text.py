"""One plain sentence an operator can act on, for each way talking to the broker fails.

pika's exceptions read like "AMQPConnectionError: (AMQPConnectorSocketConnectError:
ConnectionRefusedError(111, ...),)"; the status bar, banners and audit notes show these
sentences instead, and the log keeps the exception itself. A request refused for want of a
permission names the permission (access_refused.py).
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass

import pika.exceptions

from opsdesk.broker.access_refused import missing_permission

# The broker's reply inside the text pika wraps it in: "(403) 'ACCESS_REFUSED - Login ...'".
_REPLY = re.compile(r"\((\d{3})\)\s*['\"]?([A-Z_]+)\s*-\s*(.*?)['\"]?\)*$")


@dataclass(frozen=True, slots=True)
class Peer:
    """What a connection failed to reach, in the words of the sentences about it."""

    noun: str  # "broker", "management API"
    refused_hint: str  # what to check when nothing answers
    host_hint: str  # ... when its host name does not resolve
    timeout_hint: str  # ... when it does not answer in time


BROKER = Peer(
    "broker",
    "is RabbitMQ running, and is the port right?",
    "check the profile's URL",
    "network, firewall or a busy broker",
)


def describe_connect_failure(cause: BaseException, peer: Peer, at: str) -> str | None:
    """A sentence for a refused, unresolvable, silent or TLS-failed connection, else None."""
    if isinstance(cause, ConnectionRefusedError):
        return f"Nothing answers{at}: the connection was refused ({peer.refused_hint})."
    if isinstance(cause, socket.gaierror):
        return f"The {peer.noun}'s host name cannot be resolved{at} ({peer.host_hint})."
    if isinstance(cause, TimeoutError | socket.timeout):
        return f"The {peer.noun}{at} did not answer in time ({peer.timeout_hint})."
    if isinstance(cause, ssl.SSLCertVerificationError):
        return _unverified(cause, peer, at)
    if isinstance(cause, ssl.SSLError):
        return f"The TLS handshake with the {peer.noun}{at} failed: {cause.reason or cause}."
    return None


# OpenSSL's verify codes (x509_vfy.h) for what an operator can act on.
_UNTRUSTED = {18, 19, 20, 21}  # self-signed, self-signed in chain, issuer unknown, no chain
_WRONG_NAME = {62, 64}  # host name, IP address mismatch
_EXPIRED = 10


def _unverified(cause: ssl.SSLCertVerificationError, peer: Peer, at: str) -> str:
    start = f"The {peer.noun}'s TLS certificate{at}"
    if cause.verify_code in _UNTRUSTED:
        return (
            f"{start} is not signed by a certificate authority the profile trusts (set its "
            "ca_file to the CA that signed it)."
        )
    if cause.verify_code in _WRONG_NAME:
        detail = str(cause.verify_message).rstrip(".")
        return (
            f"{start} was not issued for that host name ({detail}): use the name on the "
            "certificate in the profile's URL."
        )
    if cause.verify_code == _EXPIRED:
        return f"{start} has expired."
    return f"{start} could not be verified: {cause.verify_message}."


def describe_broker_failure(exc: BaseException, where: str = "") -> str:
    """A sentence for `exc`, naming `where` (host:port, or a URL without its password)."""
    at = f" at {where}" if where else ""
    cause = _root_cause(exc)
    if isinstance(exc, pika.exceptions.ProbableAuthenticationError):
        return f"The broker{at} refused the user name or password (check the profile's user)."
    if isinstance(exc, pika.exceptions.ProbableAccessDeniedError):
        reply = _reply_text(exc)
        return f"The broker{at} refused access to the virtual host: {reply or 'not allowed'}."
    if isinstance(exc, pika.exceptions.ChannelClosedByBroker):
        if missing := missing_permission(exc.reply_text, exc):
            return f"The broker refused the request: {missing}."
        return f"The broker refused a request: {_strip_code(exc.reply_text)} ({exc.reply_code})."
    if isinstance(exc, pika.exceptions.ConnectionClosedByBroker):
        if exc.reply_code == 320:
            return f"The broker{at} closed the connection (shut down or forced by an operator)."
        return (
            f"The broker{at} closed the connection: {_strip_code(exc.reply_text)} "
            f"({exc.reply_code})."
        )
    if isinstance(exc, pika.exceptions.StreamLostError):
        return f"The connection to the broker{at} was lost (network, or the broker restarted)."
    connecting = describe_connect_failure(cause, BROKER, at)
    if connecting is not None:
        return connecting
    if isinstance(exc, pika.exceptions.IncompatibleProtocolError):
        return f"The server{at} does not speak AMQP 0-9-1, or closed the connection at once."
    if isinstance(cause, OSError):
        return f"The broker{at} cannot be reached: {cause.strerror or cause}."
    text = str(exc) or type(exc).__name__
    return f"The broker{at} cannot be used: {text}."


def _root_cause(exc: BaseException) -> BaseException:
    """The OS or TLS error under pika's wrappers, when there is one."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "exception", None)  # pika's connector errors
        if isinstance(inner, BaseException):
            current = inner
            continue
        if current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
            continue
        if current.__cause__ is not None:
            current = current.__cause__
            continue
        break
    return current


def _reply_text(exc: BaseException) -> str:
    for arg in exc.args:
        match = _REPLY.search(str(arg))
        if match:
            return match.group(3).strip()
    return ""


def _strip_code(reply_text: str) -> str:
    """ "NOT_FOUND - no queue 'x' in vhost '/'" -> "no queue 'x' in vhost '/'"."""
    head, sep, rest = reply_text.partition(" - ")
    return rest if sep and head.isupper() else reply_text
