"""RabbitMQ side: connections and their failures, queue monitoring, node health and its
alarms (node_health, node_alarms), the management API, and pika's internals in one module
(pika_compat)."""
