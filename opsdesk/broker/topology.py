"""A vhost's exchanges, queues and bindings, read once from the management API.

What the route tracer needs and nothing else: each exchange's type, whether it is internal
and its alternate exchange; each queue's dead-letter exchange and routing key; every binding.
Settings a policy makes are resolved here (an argument wins over a policy, as in the broker),
so the tracer never has to know where one came from.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from opsdesk.broker.management_api import ManagementClient, ManagementRefused
from opsdesk.broker.policy_match import Policy, policies_from_api, queue_policy

log = logging.getLogger(__name__)

SettingSource = Literal["argument", "policy"]
DestinationType = Literal["queue", "exchange"]
DEFAULT_EXCHANGE = ""

_EXCHANGE_COLUMNS = "name,type,durable,auto_delete,internal,arguments,policy"
_QUEUE_COLUMNS = "name,type,durable,arguments,policy,effective_policy_definition"
_API_VOID = "undefined"


@dataclass(frozen=True, slots=True)
class Exchange:
    name: str  # "" is the default exchange
    type: str  # direct | topic | fanout | headers | a plugin's x-... type
    durable: bool = True
    auto_delete: bool = False
    internal: bool = False  # clients cannot publish to it; only other exchanges feed it
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)
    policy: str | None = None
    alternate_exchange: str | None = None  # takes what no binding of this exchange matched
    alternate_exchange_from: SettingSource | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    source: str  # an exchange
    destination: str
    destination_type: DestinationType
    routing_key: str  # the binding key
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)  # headers bindings


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    type: str = "classic"  # classic | quorum | stream
    durable: bool = True
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)
    policy: str | None = None
    dead_letter_exchange: str | None = None  # "" is the default exchange
    dead_letter_routing_key: str | None = None  # None: dead letters keep their own key
    dead_letter_from: SettingSource | None = None


@dataclass(frozen=True, slots=True)
class Topology:
    """One reading of a vhost. Build it with `Topology.of`, which indexes the bindings."""

    vhost: str
    read_at: datetime  # UTC: when the API was asked
    exchanges: Mapping[str, Exchange]
    queues: Mapping[str, Queue]
    bindings: tuple[Binding, ...]  # the default exchange's implicit bindings left out
    warnings: tuple[str, ...] = ()  # what the reading could not see, in plain sentences
    _by_source: Mapping[str, tuple[Binding, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _by_destination: Mapping[tuple[str, str], tuple[Binding, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(
        cls,
        exchanges: Iterable[Exchange],
        queues: Iterable[Queue],
        bindings: Iterable[Binding],
        *,
        vhost: str = "/",
        read_at: datetime | None = None,
        warnings: tuple[str, ...] = (),
    ) -> Topology:
        explicit = tuple(b for b in bindings if b.source != DEFAULT_EXCHANGE)
        by_source: dict[str, list[Binding]] = {}
        by_destination: dict[tuple[str, str], list[Binding]] = {}
        for binding in explicit:
            by_source.setdefault(binding.source, []).append(binding)
            key = (binding.destination_type, binding.destination)
            by_destination.setdefault(key, []).append(binding)
        return cls(
            vhost=vhost,
            read_at=read_at or datetime.now(UTC),
            exchanges={e.name: e for e in exchanges},
            queues={q.name: q for q in queues},
            bindings=explicit,
            warnings=warnings,
            _by_source={k: tuple(v) for k, v in by_source.items()},
            _by_destination={k: tuple(v) for k, v in by_destination.items()},
        )

    def bindings_from(self, exchange: str) -> tuple[Binding, ...]:
        return self._by_source.get(exchange, ())

    def bindings_to(self, name: str, destination_type: DestinationType) -> tuple[Binding, ...]:
        return self._by_destination.get((destination_type, name), ())

    def alternate_for(self, exchange: str) -> tuple[Exchange, ...]:
        """The exchanges whose alternate exchange is `exchange`."""
        return tuple(e for e in self.exchanges.values() if e.alternate_exchange == exchange)


def read_topology(client: ManagementClient, vhost: str | None = None) -> Topology:
    """`vhost` (default: the client's) as it stands; ManagementError when the API does not
    answer, ManagementNotFound when there is no such vhost."""
    vhost = client.vhost if vhost is None else vhost
    vh = quote(vhost, safe="")
    read_at = datetime.now(UTC)
    exchange_entries = _entries(client.get(f"/api/exchanges/{vh}?columns={_EXCHANGE_COLUMNS}"))
    queue_entries = _entries(client.get(f"/api/queues/{vh}?columns={_QUEUE_COLUMNS}"))
    binding_entries = _entries(client.get(f"/api/bindings/{vh}"))
    warnings: list[str] = []
    policies: tuple[Policy, ...] | None
    try:
        policies = policies_from_api(client.get(f"/api/policies/{vh}"))
    except ManagementRefused:
        policies = None
        warnings.append(
            "The management API does not show this user the vhost's policies (that needs the "
            "'policymaker' tag): alternate exchanges set by a policy are not known, nor the "
            "dead-letter exchange a policy gives a queue too new to have statistics."
        )
    exchanges = [_exchange(entry, policies, warnings) for entry in exchange_entries]
    queues = [_queue(entry, policies or ()) for entry in queue_entries]
    bindings = [b for b in map(_binding, binding_entries) if b is not None]
    return Topology.of(
        exchanges, queues, bindings, vhost=vhost, read_at=read_at, warnings=tuple(warnings)
    )


def _entries(answer: Any) -> list[dict[str, Any]]:
    return [e for e in answer if isinstance(e, dict)] if isinstance(answer, list) else []


def _mapping(entry: Mapping[str, Any], key: str) -> dict[str, Any]:
    # Older brokers encode an empty Erlang proplist as `[]` rather than `{}`.
    value = entry.get(key)
    return value if isinstance(value, dict) else {}


def _exchange(
    entry: dict[str, Any], policies: tuple[Policy, ...] | None, warnings: list[str]
) -> Exchange:
    name = str(entry.get("name", ""))
    arguments = _mapping(entry, "arguments")
    policy_name = entry.get("policy") or None
    alternate: str | None = None
    source: SettingSource | None = None
    if "alternate-exchange" in arguments:
        alternate, source = str(arguments["alternate-exchange"]), "argument"
    elif policy_name is not None:
        if policies is None:
            warnings.append(
                f"Exchange {name!r} follows policy {policy_name!r}, which cannot be read: "
                "its alternate exchange, if any, is not known."
            )
        else:
            definition = next((p.definition for p in policies if p.name == policy_name), {})
            if "alternate-exchange" in definition:
                alternate, source = str(definition["alternate-exchange"]), "policy"
    return Exchange(
        name=name,
        type=str(entry.get("type") or "direct"),
        durable=bool(entry.get("durable", True)),
        auto_delete=bool(entry.get("auto_delete", False)),
        internal=bool(entry.get("internal", False)),
        arguments=arguments,
        policy=str(policy_name) if policy_name is not None else None,
        alternate_exchange=alternate,
        alternate_exchange_from=source,
    )


def _queue(entry: dict[str, Any], policies: tuple[Policy, ...]) -> Queue:
    name = str(entry.get("name", ""))
    queue_type = str(entry.get("type") or "classic")
    arguments = _mapping(entry, "arguments")
    policy_name: str | None
    if "effective_policy_definition" in entry:  # the broker's own word, once it has stats
        definition = _mapping(entry, "effective_policy_definition")
        policy_name = entry.get("policy") or None
    else:
        policy = queue_policy(name, queue_type, policies)
        definition = policy.definition if policy else {}
        policy_name = policy.name if policy else None
    exchange, source = _setting(arguments, definition, "dead-letter-exchange")
    key, _ = _setting(arguments, definition, "dead-letter-routing-key")
    return Queue(
        name=name,
        type=queue_type,
        durable=bool(entry.get("durable", True)),
        arguments=arguments,
        policy=policy_name,
        dead_letter_exchange=exchange,
        dead_letter_routing_key=key if exchange is not None else None,
        dead_letter_from=source,
    )


def _setting(
    arguments: Mapping[str, Any], definition: Mapping[str, Any], key: str
) -> tuple[str | None, SettingSource | None]:
    if f"x-{key}" in arguments:
        return str(arguments[f"x-{key}"]), "argument"
    if key in definition:
        return str(definition[key]), "policy"
    return None, None


def _binding(entry: dict[str, Any]) -> Binding | None:
    destination_type = entry.get("destination_type")
    if destination_type not in ("queue", "exchange"):
        return None
    return Binding(
        source=str(entry.get("source", "")),
        destination=str(entry.get("destination", "")),
        destination_type=destination_type,
        routing_key=str(entry.get("routing_key", "")),
        arguments={k: _void(v) for k, v in _mapping(entry, "arguments").items()},
    )


def _void(value: Any) -> Any:
    # The API writes an argument without a value (AMQP void: "the header is present") as the
    # string "undefined"; a headers binding reads it as presence, so it must become None.
    # A real "undefined" string argument reads the same; the broker's JSON cannot tell them.
    return None if value == _API_VOID else value
