"""Kafka clusters through confluent-kafka (librdkafka): what the desk reads, never writes.

Beside `broker` (RabbitMQ) and independent of it; above `config`. Nothing here joins a consumer
group or commits an offset: the desk reads partitions with its own assignment, and reads the
services' groups only to tell their lag.

- `client_config`: a cluster's settings as librdkafka configuration (TLS, SASL, the desk's
  never-committed group id, logs into Python logging);
- `failure_text`: a client's failure as one plain sentence;
- `partitions`: the partitions a cluster's settings name, and their watermarks;
- `lag`: the named consumer groups' committed offsets against the partitions' ends;
- `record_browse`: records at an offset or a time, read without consuming anything.
"""
