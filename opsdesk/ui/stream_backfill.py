"""The window's backfill of a stream tap: asked in a dialog, recorded off the UI thread, followed.

The request is first recorded in the history (a BackgroundTask: SQLite never on the UI thread),
so a desk closed in the middle resumes it; then the running source starts reading behind its
live reader. Its progress is a snapshot the source keeps under a lock, read on a timer, with
the rate over the last few seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from opsdesk.ingest.backfill_log import describe
from opsdesk.ingest.backfill_progress import BackfillProgress
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.source import Source
from opsdesk.ingest.stream_history import record_backfill
from opsdesk.ingest.stream_tap import StreamTapSource
from opsdesk.ui.backfill_dialog import BackfillDialog
from opsdesk.ui.history.background_task import BackgroundTask, Progress
from opsdesk.ui.main_window import MainWindow
from opsdesk.ui.message_banner import BannerLevel

TICK_MS = 500
RATE_WINDOW_S = 5.0
SHORTCUT = "Ctrl+Shift+B"

ShowMessage = Callable[[str, BannerLevel], None]


class StreamBackfill(QObject):
    """One per window with a stream tap; `open_dialog` shows (or raises) its dialog."""

    def __init__(
        self, source: StreamTapSource, db_path: Path, parent: QWidget, show: ShowMessage
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._db_path = db_path
        self._parent = parent
        self._show = show
        self.dialog: BackfillDialog | None = None
        self._task: BackgroundTask | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self._announced: BackfillProgress | None = None  # the finished one said in a banner
        # Always ticking (a lock and a snapshot): a backfill the history resumes when the
        # source opens is followed as one asked now.
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()

    def show_dialog(self) -> None:
        self.open_dialog()

    def open_dialog(self) -> BackfillDialog:
        if self.dialog is None:
            self.dialog = BackfillDialog(self._source.stream, self._parent)
            self.dialog.start_requested.connect(self._on_start_requested)
        self.dialog.show()
        self.dialog.raise_()
        self._on_tick()
        return self.dialog

    def shutdown(self) -> None:
        self._timer.stop()
        if self._task is not None:
            self._task.wait(5.0)

    def _on_start_requested(self, start: BackfillStart) -> None:
        if self._task is not None and self._task.running:
            return
        if self.dialog is not None:
            self.dialog.show_recording()
        task = BackgroundTask("backfill-request", partial(self._record, start), self)
        task.succeeded.connect(self._on_recorded)
        task.failed.connect(self._on_record_failed)
        self._task = task
        task.start()

    def _record(self, start: BackfillStart, _progress: Progress, _cancel: threading.Event) -> Any:
        record_backfill(self._db_path, self._source.log, start)
        return start

    def _on_recorded(self, start: object) -> None:
        assert isinstance(start, BackfillStart)
        self._source.start_backfill(start)
        self._samples.clear()
        self._on_tick()

    def _on_record_failed(self, exc: object) -> None:
        text = f"The backfill could not be recorded in the history: {exc}"
        if self.dialog is not None:
            self.dialog.show_problem(text)
        self._show(text, BannerLevel.WARNING)

    def _on_tick(self) -> None:
        progress = self._source.backfill_progress()
        if progress is None:
            return
        now = time.monotonic()
        self._samples.append((now, progress.stored))
        while self._samples and now - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.popleft()
        rate = None
        if len(self._samples) >= 2 and now > self._samples[0][0]:
            first_at, first_stored = self._samples[0]
            rate = (progress.stored - first_stored) / (now - first_at)
        if self.dialog is not None:
            self.dialog.show_progress(progress, rate)
        if progress.done and progress is not self._announced:
            self._announced = progress
            self._show(f"Backfill from {progress.start}: {describe(progress)}.", BannerLevel.INFO)


def install_backfill(window: MainWindow, source: Source[Any], db_path: Path) -> Callable[[], None]:
    """For a stream tap, the Settings menu's backfill action (Ctrl+Shift+B); the shutdown to
    call when the window closes. A classic tap has nothing to read again: no action."""
    if not isinstance(source, StreamTapSource):
        return lambda: None
    backfill = StreamBackfill(source, db_path, window, window.show_problem)
    action = window.add_settings_action("&Backfill from the Stream…", backfill.show_dialog)
    action.setShortcut(SHORTCUT)
    return backfill.shutdown
