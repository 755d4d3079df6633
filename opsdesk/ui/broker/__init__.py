"""The Broker tab: the broker at a glance, each figure with its age.

- `broker_panel`: the tab; refreshes off the UI thread while shown, F5 at once.
- `broker_reads`: what it reads, on its reader thread (overview, consumers, connections,
  node health, stored samples) and the sentence for a failed read.
- `queue_overview_view`, `queue_overview_model`, `queue_cells`: every queue of a vhost,
  filtered (substring or regex) and sorted in the model; `sparkline_delegate` and
  `depth_history` draw each queue's recent depth; `queue_depth_dialog(s)`: one queue's chart.
- `consumers_view`/`_model`: who consumes the chosen queue; `connections_view`/`_model`:
  the broker's connections and channels, blocked and flow-controlled ones marked.
- `node_health_view`/`_model`, `alarm_strip`: nodes against their limits, alarms in red.
- `figures_age`: "as of HH:MM:SS UTC (age)", stale figures greyed with the reason;
  `figures_table_model`, `figures_table`: the small tables that grey as a whole.
"""
