"""Ingest: payment events from a source into the history, acknowledged only after COMMIT."""
