"""Which policy applies to a queue, for when the management API has not said so yet.

The API reports a queue's policy with its statistics, up to one stats interval (5 s) after the
queue or the policy changed; exchanges report theirs at once. The broker picks, among the
policies whose `apply-to` covers the object and whose pattern matches its name anywhere
(an unanchored regular expression), the one with the highest priority.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

_QUEUE_KINDS = {"classic": "classic_queues", "quorum": "quorum_queues", "stream": "streams"}


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    pattern: str
    apply_to: str  # all | exchanges | queues | classic_queues | quorum_queues | streams
    priority: int
    definition: dict[str, Any] = field(default_factory=dict, hash=False)

    def covers_queue(self, queue_type: str) -> bool:
        return self.apply_to in ("all", "queues", _QUEUE_KINDS.get(queue_type, ""))

    def matches(self, name: str) -> bool:
        try:
            return re.search(self.pattern, name) is not None
        except re.error:
            # An Erlang (PCRE) pattern Python cannot read: say so rather than guess.
            log.warning("policy %r: pattern %r is not understood", self.name, self.pattern)
            return False


def policies_from_api(entries: Any) -> tuple[Policy, ...]:
    """The vhost's policies from GET /api/policies/{vhost}."""
    if not isinstance(entries, list):
        return ()
    policies = []
    for entry in entries:
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        definition = entry.get("definition")
        policies.append(
            Policy(
                name=str(entry["name"]),
                pattern=str(entry.get("pattern") or ""),
                apply_to=str(entry.get("apply-to") or "all"),
                priority=int(entry.get("priority") or 0),
                definition=definition if isinstance(definition, dict) else {},
            )
        )
    return tuple(policies)


def queue_policy(name: str, queue_type: str, policies: Iterable[Policy]) -> Policy | None:
    """The policy the broker applies to queue `name`; ties go to the first name in order."""
    candidates = [p for p in policies if p.covers_queue(queue_type) and p.matches(name)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (-p.priority, p.name))
