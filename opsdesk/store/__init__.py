"""The local history: SQLite schema, migrations and the event store."""
