"""Ingest: payment events from a source into the history, acknowledged only after COMMIT.

source.py          the Source protocol (with Batch and Position): what a new source implements
classic_tap.py     the desk's own classic tap queue, the first Source
tap.py             the Tap: runs a source (reconnecting, draining on stop), hands its batches
                   to a writer and acknowledges each after its COMMIT
writer.py          the Writer protocol; thread_writer.py and process_writer.py implement it,
                   writer_choice.py picks one for a profile (the builder injects it)
decoding.py        messages to events, commit_report.py what a commit stored: both writers'
tap_state.py       what a tap tells its listener (the window's status bar, `collect`)
collect.py         headless ingest: a tap until a limit or a signal
"""
