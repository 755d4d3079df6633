"""The monitoring dashboard: queue depth, throughput, success rate, tiles, stuck payments."""
