"""The payment simulator: a small payment system on the broker, for demos and tests.

`engine.run_simulation(settings.SimulatorSettings(...))` runs it; `opsdesk simulate`
(opsdesk/commands/simulate.py) and the window's demo traffic (opsdesk/ui/demo_traffic.py)
both start it from there.
"""
