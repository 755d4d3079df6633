"""The route tracer's answer as a tree: the queues reached with the path to each, a queue's
dead-letter chain step by step, or every way into a queue; "reaches nothing" in red, why.

The sentences are broker/route_text.py's, the same `opsdesk route` prints.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from opsdesk.broker.dead_letter_chain import DeadLetterChain, DeadLetterStep
from opsdesk.broker.queue_feeds import QueueFeeds
from opsdesk.broker.route_text import (
    chain_lines,
    feed_text,
    feeds_summary,
    message_text,
    path_text,
    unrouted_text,
    untraceable_text,
)
from opsdesk.broker.route_tracer import Route
from opsdesk.broker.topology import Topology

COL_WHAT = 0
COL_DETAIL = 1
HEADERS = ("Answer", "Path / detail")
NOTHING = QColor("#a4262c")
QUIET = QColor("#6a6a6a")
_MATCH_RECURSIVE = Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
_NO_BRUSH = Qt.BrushStyle.NoBrush


class RouteResultView(QTreeWidget):
    """Read-only; `answer_text()` is the whole answer as shown, one line per row."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("routeResult")
        self.setColumnCount(len(HEADERS))
        self.setHeaderLabels(list(HEADERS))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)
        self.setWordWrap(False)
        self.header().setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Interactive)
        self.header().setStretchLastSection(True)
        self.setColumnWidth(COL_WHAT, 300)
        self.reaches_nothing = False  # the last answer was "reaches nothing"

    # -- answers ----------------------------------------------------------------------------

    def show_route(self, route: Route, topology: Topology) -> None:
        self._start()
        if not route.routed:
            self.reaches_nothing = True
            self._add(None, "Reaches nothing", unrouted_text(route, topology), NOTHING, bold=True)
        else:
            count = len(route.queues)
            head = self._add(
                None,
                f"Reaches {count} queue{'s' if count != 1 else ''}",
                f"{message_text(route)} on {_exchange(route.exchange)}",
                bold=True,
            )
            for reached in route.queues:
                paths = [path_text(path) for path in reached.paths]
                item = self._add(head, reached.queue, paths[0])
                for more in paths[1:]:
                    self._add(item, "also by", more)
        notes = [
            f"No binding of {visit.exchange!r} matched: it went to its alternate exchange "
            f"{visit.alternate!r}."
            for visit in route.visits
            if visit.alternate is not None
        ]
        notes += [f"{visit.exchange!r}: {visit.note}." for visit in route.visits if visit.note]
        if route.routed and not route.complete:
            notes.append(f"{untraceable_text(route)}: it may reach more queues.")
        self._notes(notes, topology)

    def show_chain(self, chain: DeadLetterChain, topology: Topology) -> None:
        self._start()
        if not chain.found:
            self._problem(f"Queue {chain.queue!r} does not exist in vhost {topology.vhost!r}.")
            return
        head = self._add(None, f"Dead letters of {chain.queue}", _key_note(chain), bold=True)
        for step, line in zip(_steps_or_none(chain), chain_lines(chain), strict=True):
            dropped = step is not None and (not step.exchange_exists or not step.queues)
            what = step.queue if step is not None else chain.queue
            self._add(head, what, line, NOTHING if dropped or step is None else None)
        if chain.ends:
            self._add(head, "ends in", ", ".join(chain.ends), QUIET)
        self._notes([], topology)

    def show_feeds(self, feeds: QueueFeeds, topology: Topology) -> None:
        self._start()
        summary = feeds_summary(feeds, topology.vhost)
        if not feeds.found:
            self._problem(summary)
            return
        possible = any(p.possible for p in feeds.paths if p.path.start != "")
        head = self._add(None, f"Ways into {feeds.queue}", summary, bold=True)
        if not possible:
            head.setForeground(COL_DETAIL, QBrush(NOTHING))
        for feed in feeds.paths:
            colour = None if feed.possible else NOTHING
            self._add(head, _exchange(feed.path.start), feed_text(feed), colour)
        self._notes([], topology)

    def show_problem(self, text: str) -> None:
        """Nothing to trace with (the API unreachable, a bad header line): one sentence."""
        self._start()
        self._problem(text)

    def set_stale(self, stale: bool) -> None:
        """The reading behind the answer is not current: grey it, keep it readable."""
        self.setStyleSheet("QTreeWidget#routeResult { color: #8a8a8a; }" if stale else "")

    def answer_text(self) -> str:
        lines: list[str] = []

        def walk(item: QTreeWidgetItem | None, depth: int) -> None:
            if item is None:
                return
            detail = item.text(COL_DETAIL)
            lines.append("  " * depth + item.text(COL_WHAT) + (f": {detail}" if detail else ""))
            for index in range(item.childCount()):
                walk(item.child(index), depth + 1)

        for index in range(self.topLevelItemCount()):
            walk(self.topLevelItem(index), 0)
        return "\n".join(lines)

    def row_colour(self, text: str) -> QColor | None:
        """The colour of the first row whose first column is `text` (None: the default)."""
        found = self.findItems(text, _MATCH_RECURSIVE)
        if not found:
            return None
        brush = found[0].foreground(COL_WHAT)
        return brush.color() if brush.style() != _NO_BRUSH else None

    # -- internals --------------------------------------------------------------------------

    def _start(self) -> None:
        self.clear()
        self.reaches_nothing = False

    def _problem(self, text: str) -> None:
        self._add(None, "Cannot tell", text, NOTHING, bold=True)

    def _notes(self, notes: Sequence[str], topology: Topology) -> None:
        notes = [*notes, *topology.warnings]
        if notes:
            head = self._add(None, "Notes", "", QUIET)
            for note in notes:
                self._add(head, "", note, QUIET)
        self.expandAll()
        self.resizeColumnToContents(COL_WHAT)

    def _add(
        self,
        parent: QTreeWidgetItem | None,
        what: str,
        detail: str,
        colour: QColor | None = None,
        *,
        bold: bool = False,
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([what, detail])
        item.setToolTip(COL_DETAIL, detail)
        if colour is not None:
            for column in (COL_WHAT, COL_DETAIL):
                item.setForeground(column, QBrush(colour))
        if bold:
            font = QFont(item.font(COL_WHAT))
            font.setBold(True)
            item.setFont(COL_WHAT, font)
        if parent is None:
            self.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item


def _exchange(name: str) -> str:
    return "(default exchange)" if name == "" else name


def _key_note(chain: DeadLetterChain) -> str:
    if chain.routing_key is None:
        return "their messages' routing key not given"
    return f"their messages' routing key {chain.routing_key!r}"


def _steps_or_none(chain: DeadLetterChain) -> list[DeadLetterStep | None]:
    """One entry per chain_lines line: the step it says, None for 'no dead-letter exchange'."""
    return list(chain.steps) if chain.steps else [None]
