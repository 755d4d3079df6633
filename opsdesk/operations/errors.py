"""Why an operation did not run; each message is meant to be shown to the operator as it is."""

from __future__ import annotations

from opsdesk.broker.access_refused import missing_permission


class OperationError(Exception):
    """An operation could not run or was refused; the text says why and what to do."""


class ReadOnlyProfile(OperationError):
    """The profile is read-only: no write action reaches the broker."""

    def __init__(self, profile: str, action: str) -> None:
        super().__init__(
            f"profile {profile!r} is read-only: {action} is a write action and was refused "
            "(set read_only = false in the profile to allow it)"
        )
        self.profile = profile
        self.action = action


class SourceBusy(OperationError):
    """The source queue has another consumer, so exclusive access was refused (403)."""


class NotFound(OperationError):
    """A queue or exchange the operation needs does not exist."""


class Refused(OperationError):
    """The operation is unsafe as planned (a guard tripped, a missing dead-letter route, ...)."""


class BrowseWarning(OperationError):
    """Browsing this queue has a side effect the operator must accept first."""


class NotConfirmed(OperationError):
    """The plan needs a (typed) confirmation that was not given."""


def consume_refused(queue: str, reply_code: int, reply_text: str) -> OperationError | None:
    """Why the broker refused to let an operation consume `queue`, for the codes that say."""
    if missing := missing_permission(reply_text, needed="read"):
        return OperationError(f"{missing}; nothing was touched")
    if reply_code == 403:
        return SourceBusy(
            f"queue {queue!r} is in use by another consumer (another desk running an operation "
            f"on it, or an application consuming it), so exclusive access was refused "
            f"({reply_text}); nothing was touched"
        )
    if reply_code == 404:
        return NotFound(f"queue {queue!r} does not exist ({reply_text})")
    return None


class AuditUnavailable(OperationError):
    """The audit log cannot be written, so the write action was not run (audit first)."""
