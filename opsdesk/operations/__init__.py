"""Operator actions on the broker: browse, move, dead-letter, send home, replay, purge (no Qt)."""
