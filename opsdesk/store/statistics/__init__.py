"""Dashboard statistics over the history: windows, bucketed series, breakdowns, stuck payments.

`reader.Statistics` is the entry point (a read-only connection of its own); `windows` cuts
time into buckets, `queries` holds the SQL that counts per bucket, `series` and `breakdown`
turn counts into the values in `values`, `stuck_payments` finds payments without an outcome
and `headline` sums it all up for the dashboard's tiles.
"""
