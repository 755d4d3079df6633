"""Issue 12: figures say their age, and when the broker's API stops answering the figures
already shown stay, greyed, "as of" their time, with why in one plain sentence.

The tab reads the real management API through a local forwarder, which is then closed:
from the next read on, nothing answers on its port."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from opsdesk.ui.broker.figures_table_model import STALE_COLOUR
from opsdesk.ui.broker.queue_overview_model import COL_READY
from opsdesk.ui.broker.queue_overview_model import STALE_COLOUR as QUEUE_STALE_COLOUR
from tests.broker.tcp_forwarder import TcpForwarder
from tests.ui.broker.conftest import broker_profile

pytestmark = pytest.mark.broker

WAIT_MS = 20_000
AS_OF = re.compile(r"^as of \d\d:\d\d:\d\d UTC \(\d+ s old\)$")
STALE = re.compile(r"^⚠ Not current: as of \d\d:\d\d:\d\d UTC \(\d+ s old\)\. (.+)$")


def test_figures_turn_grey_with_the_reason_when_the_api_stops_answering(
    open_panel, broker, unique_name, qtbot
):
    queue = broker.queue(f"{unique_name}.q")
    with TcpForwarder(("127.0.0.1", 15672)) as forwarder:
        url = f"http://127.0.0.1:{forwarder.port}"
        panel = open_panel(broker_profile(url), refresh_ms=60_000)  # F5 refreshes
        overview, nodes = panel.overview, panel.nodes
        qtbot.keyClicks(overview.filter_edit, unique_name)
        qtbot.waitUntil(lambda: overview.model.rowCount() == 1, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: nodes.model.rowCount() >= 1, timeout=WAIT_MS)
        assert AS_OF.match(overview.age.text()), overview.age.text()
        assert AS_OF.match(nodes.age.text()), nodes.age.text()
        index = overview.model.index(0, COL_READY)
        assert overview.model.data(index, Qt.ItemDataRole.ForegroundRole) is None
        as_of = overview.age.text()[len("as of ") : len("as of 00:00:00")]

        forwarder.close()
        overview.table.setFocus()
        qtbot.keyClick(overview.table, Qt.Key.Key_F5)

        qtbot.waitUntil(lambda: overview.age.stale and nodes.age.stale, timeout=WAIT_MS)
    sentence = f"Nothing answers at {url}: the connection was refused"
    for age in (overview.age, nodes.age):
        match = STALE.match(age.text())
        assert match, age.text()
        assert match.group(1).startswith(sentence), match.group(1)
        assert as_of in age.text()  # the time of the figures shown, not of the failed read
        assert "Errno" not in age.text() and "urlopen" not in age.text()
        assert age.toolTip() == match.group(1)
    # The figures stay, greyed.
    assert overview.model.row_of(queue) == 0
    assert overview.model.data(index, Qt.ItemDataRole.DisplayRole) == "0"
    assert overview.model.data(index, Qt.ItemDataRole.ForegroundRole) == QUEUE_STALE_COLOUR
    assert nodes.model.rowCount() >= 1
    assert nodes.model.data(nodes.model.index(0, 0), Qt.ItemDataRole.ForegroundRole) == (
        STALE_COLOUR
    )


def test_an_api_that_never_answered_says_why_with_no_figures(open_panel, qtbot):
    with TcpForwarder(("127.0.0.1", 15672)) as forwarder:
        url = f"http://127.0.0.1:{forwarder.port}"
    panel = open_panel(broker_profile(url))  # closed before the first read
    age = panel.overview.age
    qtbot.waitUntil(lambda: age.stale, timeout=WAIT_MS)
    assert age.text() == f"⚠ No figures: Nothing answers at {url}: the connection was refused " + (
        "(is the rabbitmq_management plugin enabled, and is the management URL right?)."
    )
    assert panel.overview.model.rowCount() == 0
