"""The queue browser's position field, and the line that says how deep a browse reaches."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSpinBox

from opsdesk.operations.browse import BrowseResult
from opsdesk.ui.operations import browse_text

# Any position a person can type: a range cut at the depth cap would drop the keystroke that
# passes it, silently (typing 2700 became 270). What a browse cannot show it brings back to
# the last page it can (operations/browse_depth.py), and the field then shows where.
MAX_POSITION = 2**31 - 1


class BrowsePosition:
    """The "from #" field, and a line shown while the queue is deeper than a browse reaches."""

    def __init__(self) -> None:
        self.field = QSpinBox()
        self.field.setAccessibleName("Offset")
        self.field.setRange(0, MAX_POSITION)
        self.field.setPrefix("from #")
        self.field.setToolTip(browse_text.position_tip(None))
        self.depth_line = QLabel()
        self.depth_line.setObjectName("browseDepthLine")
        self.depth_line.setWordWrap(True)
        self.depth_line.setTextFormat(Qt.TextFormat.PlainText)
        self.depth_line.setStyleSheet("QLabel#browseDepthLine { color: #7a5200; }")
        self.depth_line.hide()

    def show_reach(self, result: BrowseResult) -> None:
        """Where the page shown starts (a position brought back shows here; the notes say
        why), what can be shown of this queue, and the line when it is deeper than that."""
        if result.asked_offset is not None:
            self.field.setValue(result.offset)
        self.field.setToolTip(browse_text.position_tip(result))
        line = browse_text.deep_queue_line(result)
        self.depth_line.setText(line or "")
        self.depth_line.setVisible(line is not None)
