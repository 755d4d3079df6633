"""opsdesk: a desktop operations console for payment systems on RabbitMQ."""

__version__ = "0.1.0"
