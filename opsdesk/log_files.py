"""Logging: a rotating file that keeps tracebacks, stderr for the headless commands."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_CREDENTIALS = re.compile(r"(amqps?://[^:/@\s]*:)[^@\s]*@")


class RedactCredentials(logging.Filter):
    """Safety net: a broker URL with a password never reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "://" in message:
            record.msg = _CREDENTIALS.sub(r"\1***@", message)
            record.args = None
        return True


class LibraryNoise(logging.Filter):
    """Keeps pika's and librdkafka's own connection reports (a traceback or a line per refused
    attempt) off stderr: the commands say what failed in one sentence, and the log file keeps
    the libraries' records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("pika", "librdkafka"))


def setup_logging(log_file: Path | None, *, stderr_level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    redact = RedactCredentials()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    stderr = logging.StreamHandler()
    stderr.setLevel(stderr_level)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(redact)
    if stderr_level > logging.DEBUG:
        stderr.addFilter(LibraryNoise())
    root.addHandler(stderr)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(fmt)
        handler.addFilter(redact)
        root.addHandler(handler)
    # pika logs returned and nacked messages with the start of their body (card numbers
    # included) at WARNING; opsdesk reports connection trouble itself.
    logging.getLogger("pika").setLevel(logging.ERROR)
