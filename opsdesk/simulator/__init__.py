"""The payment simulator: a small payment system on the broker, for demos and tests.

`engine.run_simulation(settings.SimulatorSettings(...))` runs it; `opsdesk simulate`
(opsdesk/commands/simulate.py) and the window's demo traffic (opsdesk/ui/demo_traffic.py)
both start it from there. traffic.py makes the payments and their outcomes; processor.py
consumes the requests and answers the ones opsdesk replays with a new attempt, remembering
outcomes by idempotency key (attempts.py) so that a payment that succeeded is never charged
twice.
"""
