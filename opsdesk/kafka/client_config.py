"""A cluster's settings as librdkafka configuration, for the desk's consumers and admin client.

Every consumer the desk makes reads with assign() only, so it never joins a group; it still
needs a group.id (librdkafka refuses a consumer without one), and gets one that names the
desk and is never committed: enable.auto.commit and enable.auto.offset.store are off, and no
code here calls commit(). An offset out of range is an error the reader handles itself
(auto.offset.reset = error), never a silent jump to the start or the end of a partition.
"""

from __future__ import annotations

import getpass
import logging
import re
import socket
from typing import Any

from opsdesk.config.kafka_settings import KafkaSettings

# librdkafka's own log lines, at their syslog level mapped to Python's, through logging (named
# like a library's: log_files keeps them off the terminal, in the log file).
LIBRDKAFKA_LOG = logging.getLogger("librdkafka")
# The local queue of fetched records, per consumer: what a slow history can have waiting.
QUEUED_KBYTES = 16 * 1024


def desk_group_id() -> str:
    """The group id librdkafka requires, unique to this desk; no offset is ever committed
    under it, so the cluster never shows it as a group."""
    desk = re.sub(r"[^A-Za-z0-9_.@-]", "_", f"{getpass.getuser()}@{socket.gethostname()}")
    return f"opsdesk.desk.{desk}"


def security_config(settings: KafkaSettings) -> dict[str, Any]:
    """TLS and SASL as librdkafka names them; TLS certificates are always verified."""
    sasl = settings.sasl_mechanism is not None
    protocol = ("SASL_" if sasl else "") + ("SSL" if settings.tls else "PLAINTEXT")
    config: dict[str, Any] = {"security.protocol": protocol}
    if settings.ca_file:
        config["ssl.ca.location"] = settings.ca_file
    if settings.cert_file and settings.key_file:
        config["ssl.certificate.location"] = settings.cert_file
        config["ssl.key.location"] = settings.key_file
    if sasl:
        config["sasl.mechanism"] = settings.sasl_mechanism
        config["sasl.username"] = settings.sasl_username
        config["sasl.password"] = settings.password or ""
    return config


def common_config(settings: KafkaSettings, client: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.where(),
        "client.id": f"opsdesk-{client}",
        "logger": LIBRDKAFKA_LOG,
        **security_config(settings),
    }


def reader_config(settings: KafkaSettings, client: str) -> dict[str, Any]:
    """A consumer that reads partitions it assigns itself, and commits nothing."""
    return {
        **common_config(settings, client),
        "group.id": desk_group_id(),
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
        "enable.partition.eof": False,
        "queued.max.messages.kbytes": QUEUED_KBYTES,
    }


def admin_config(settings: KafkaSettings) -> dict[str, Any]:
    return common_config(settings, "admin")
