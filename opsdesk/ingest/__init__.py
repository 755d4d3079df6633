"""Ingest: payment events from a source into the history, acknowledged only after COMMIT.

source.py          the Source protocol (with Batch and Position): what a new source implements
source_choice.py   which source a profile's tap reads: classic_tap or stream_tap
classic_tap.py     the desk's own classic tap queue
stream_tap.py      the team's RabbitMQ stream, resumed from the offsets the history holds;
                   stream_reader.py (one consumer: batches that end at an offset),
                   stream_declare.py (declared by the first desk), stream_history.py (the
                   history's offsets), tap_bindings.py (both taps' bindings)
backfill_*.py      a stream tap's backfill: where it starts, its state across threads, its
                   progress and its log lines
kafka_source.py    a Kafka cluster's topics, each partition resumed from where the history
                   ends; kafka_reader.py (one consumer, by assignment), kafka_batch.py (a
                   partition's batches), kafka_message.py (a record for the decoders),
                   kafka_backfill.py, kafka_history.py, kafka_notes.py (what is said of its
                   partitions), kafka_collect.py (`collect` from Kafka), kafka_lag_samples.py
                   (the services' groups' lag, sampled as queue samples)
tap.py             the Tap: runs a source (reconnecting, draining on stop), hands its batches
                   to a writer and acknowledges each after its COMMIT
writer.py          the Writer protocol; thread_writer.py and process_writer.py implement it,
                   writer_choice.py picks one for a profile (the builder injects it)
decoding.py        messages to events, commit_report.py what a commit stored: both writers'
tap_state.py       what a tap tells its listener (the window's status bar, `collect`)
collect.py         headless ingest: a tap until a limit or a signal
"""
