"""Operator actions in the UI: browse queues, move, dead-letter, send home, purge, replay, audit."""
