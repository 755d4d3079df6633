"""RabbitMQ side: connections and their failures, queue monitoring, node health and its
alarms (node_health, node_alarms), the management API, routing worked out over one reading of
a vhost (topology, route_tracer, dead_letter_chain, queue_feeds, route_text, and the matchers
topic_match, headers_match, policy_match), and pika's internals in one module (pika_compat)."""
