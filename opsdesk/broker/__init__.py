"""RabbitMQ side: connections and their failures, queue monitoring, the management API, and
pika's internals in one module (pika_compat)."""
