"""One plain sentence for each way talking to a Kafka cluster fails.

librdkafka reports failures as KafkaError codes with texts like "127.0.0.1:9092/bootstrap:
Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)"; the
operator reads these sentences instead, and the log keeps librdkafka's text.
"""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException


def kafka_error_of(failure: KafkaError | BaseException) -> KafkaError | None:
    if isinstance(failure, KafkaError):
        return failure
    if isinstance(failure, KafkaException) and failure.args:
        first = failure.args[0]
        return first if isinstance(first, KafkaError) else None
    return None


def describe_kafka_failure(failure: KafkaError | BaseException, where: str) -> str:
    """A sentence for `failure`, naming `where` (the bootstrap servers, a topic)."""
    error = kafka_error_of(failure)
    if isinstance(failure, TimeoutError):
        return f"Kafka at {where} did not answer in time (network, firewall or busy brokers)."
    if error is None:
        return f"Kafka at {where} failed: {failure}."
    code = error.code()
    if code in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN):
        return (
            f"No Kafka broker answers at {where} (are the brokers running, and are the "
            "bootstrap servers and ports right?)."
        )
    if code == KafkaError._RESOLVE:
        return f"A Kafka broker's host name cannot be resolved ({where}): check the servers."
    if code in (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED):
        return (
            f"Kafka at {where} refused the desk's credentials (SASL user and password: "
            "the password comes from OPSDESK_KAFKA_PASSWORD or the keyring)."
        )
    if code == KafkaError._SSL:
        return f"The TLS handshake with Kafka at {where} failed: {error.str()}."
    if code in (KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT):
        return f"Kafka at {where} did not answer in time (network, firewall or busy brokers)."
    if code in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED):
        return f"Kafka at {where} does not allow the desk's user this read: {error.str()}."
    if code in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC):
        return f"Kafka at {where} has no such topic or partition."
    return f"Kafka at {where} failed: {error.str()}."
