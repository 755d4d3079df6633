"""RabbitMQ side: connection parameters, the tap (ingest) and the simulator's plumbing."""
