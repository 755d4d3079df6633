"""BackgroundReader: jobs run on its thread against a context opened there; results come back."""

import threading

import pytest
from PySide6.QtCore import QCoreApplication

from opsdesk.ui.background_reader import BackgroundReader


class Context:
    def __init__(self, log):
        self.log = log
        self.thread = threading.current_thread()
        log.append(("open", self.thread.name))

    def close(self):
        self.log.append(("close", threading.current_thread().name))


@pytest.fixture
def log():
    return []


@pytest.fixture
def reader(log):
    reader = BackgroundReader(lambda: Context(log), Context.close, name="test-reader")
    yield reader
    reader.stop()


def test_a_job_runs_off_the_ui_thread_and_its_result_arrives_on_it(qtbot, reader, log):
    results = []

    def job(context):
        return (context.thread.name, threading.current_thread().name)

    def on_success(value):
        results.append((value, threading.current_thread() is threading.main_thread()))

    reader.submit("a", job, on_success)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results == [(("test-reader", "test-reader"), True)]
    reader.submit("b", job, on_success)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    assert log == [("open", "test-reader")]  # opened once, kept for the next job
    reader.stop()
    assert log == [("open", "test-reader"), ("close", "test-reader")]


def test_a_failure_goes_to_the_failure_callback(qtbot, reader):
    errors = []

    def job(context):
        raise ValueError("no such table")

    reader.submit("a", job, lambda value: errors.append("success?"), errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and str(errors[0]) == "no such table"


def test_a_context_that_cannot_open_fails_the_job_and_is_retried_next_time(qtbot):
    attempts = []

    def open_context():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("no history file yet")
        return "ctx"

    reader = BackgroundReader(open_context, lambda ctx: None, name="retry-reader")
    try:
        outcomes = []
        reader.submit("a", lambda ctx: ctx, outcomes.append, outcomes.append)
        qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
        reader.submit("a", lambda ctx: ctx, outcomes.append, outcomes.append)
        qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=5000)
    finally:
        reader.stop()
    assert isinstance(outcomes[0], OSError) and outcomes[1] == "ctx"


def test_jobs_queued_under_one_key_collapse_to_the_latest(qtbot, reader):
    release = threading.Event()
    started = threading.Event()
    ran = []

    def blocker(context):
        started.set()
        release.wait(5)
        return "blocker"

    reader.submit("slow", blocker, ran.append)
    assert started.wait(5)
    for n in range(5):
        reader.submit("refresh", lambda context, n=n: n, ran.append)
    assert reader.busy
    release.set()
    qtbot.waitUntil(lambda: len(ran) == 2 and not reader.busy, timeout=5000)
    assert ran == ["blocker", 4]


def test_nothing_is_delivered_after_stop(qtbot, log):
    reader = BackgroundReader(lambda: Context(log), Context.close, name="stop-reader")
    release = threading.Event()
    started = threading.Event()
    delivered = []

    def job(context):
        started.set()
        release.wait(5)
        return "late"

    reader.submit("a", job, delivered.append)
    assert started.wait(5)
    threading.Timer(0.05, release.set).start()
    reader.stop()  # joins the worker: a late result has been posted by now, or never will be
    QCoreApplication.processEvents()  # deliver anything posted; stop() must have dropped it
    assert delivered == [] and log[-1][0] == "close"
