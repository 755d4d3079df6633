"""Alert rules from the profile, their evaluation (a pure state machine) and its worker thread."""
