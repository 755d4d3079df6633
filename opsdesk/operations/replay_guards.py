"""The guards of a replay, by name: what each keeps from being sent without an override.

Every guard trips per payment (a payment replay) or per event (`--event-id`), and each lifts
only with an explicit override, which the plan and the audit log record. What no override
lifts (an altered stored copy, a missing exchange) is a refusal, not a guard.
"""

from __future__ import annotations

from datetime import timedelta

PAYMENT_SUCCEEDED = "payment_succeeded"
ALREADY_REPLAYED = "already_replayed"
MAX_ATTEMPTS = "max_attempts"
OLDER_THAN_24H = "older_than_24h"
NO_REQUEST = "no_request"
ROUTES_NOWHERE = "routes_nowhere"
NO_IDEMPOTENCY_KEY = "no_idempotency_key"

# Providers forget idempotency keys after about a day (BROKER-NOTES.md, "Payments").
MAX_AGE = timedelta(hours=24)

# Guards of an event replay (`--event-id`: one exact stored message).
EVENT_GUARDS = (PAYMENT_SUCCEEDED, ALREADY_REPLAYED, OLDER_THAN_24H, NO_IDEMPOTENCY_KEY)

# Guards of a payment replay, in the order a plan shows them.
PAYMENT_GUARDS = (
    PAYMENT_SUCCEEDED,
    ALREADY_REPLAYED,
    MAX_ATTEMPTS,
    OLDER_THAN_24H,
    NO_REQUEST,
    ROUTES_NOWHERE,
    NO_IDEMPOTENCY_KEY,
)

# What overriding each one means, in words an operator reads beside its checkbox or option.
GUARD_TEXT = {
    PAYMENT_SUCCEEDED: "the payment has succeeded since: replay it anyway",
    ALREADY_REPLAYED: (
        "the payment was already replayed, and that attempt has no outcome yet or was recent: "
        "replay it again"
    ),
    MAX_ATTEMPTS: "the payment has had the most replays the profile allows: replay it again",
    OLDER_THAN_24H: (
        "the request is older than 24 h (the provider may have forgotten its idempotency key): "
        "replay it anyway"
    ),
    NO_REQUEST: (
        "the history holds no request event of the payment: send its last event itself instead"
    ),
    ROUTES_NOWHERE: "the destination routes the message nowhere as far as opsdesk can tell",
    NO_IDEMPOTENCY_KEY: "the message has no idempotency key (a consumer cannot dedupe it)",
}
