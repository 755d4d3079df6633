"""The status bar on a cluster: which node the desk is on, and where it was before a failover."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QLabel

from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.ingest.tap_state import TapPhase, TapState
from opsdesk.ui.connection_status import ConnectionStatusWidget

CLUSTER = BrokerEndpoint(
    "amqp://guest:guest@127.0.0.1:5781/%2F", nodes=("127.0.0.1:5782", "127.0.0.1:5783")
)
NODE_1 = CLUSTER.node_label("127.0.0.1", 5781)
NODE_2 = CLUSTER.node_label("127.0.0.1", 5782)


def test_the_node_the_desk_is_on_and_where_it_moved_from(qtbot) -> None:
    status = ConnectionStatusWidget(CLUSTER.redacted_url())
    qtbot.addWidget(status)
    assert status.phase_text() == (
        "connecting to amqp://guest:***@127.0.0.1:5781,127.0.0.1:5782,127.0.0.1:5783/%2F"
    )
    status.show_state(TapState(TapPhase.CONNECTED, NODE_1))
    assert status.phase_text() == "connected to amqp://guest:***@127.0.0.1:5781/%2F (node 1 of 3)"
    # What the tap adds about itself is no move.
    status.show_state(TapState(TapPhase.CONNECTED, NODE_1 + " (exchange not found, retrying: x)"))
    assert status.moved_text() == ""

    status.show_state(TapState(TapPhase.RECONNECTING, "The connection was lost.", retry_in=1))
    status.show_state(TapState(TapPhase.CONNECTED, NODE_2))
    assert status.phase_text() == "connected to amqp://guest:***@127.0.0.1:5782/%2F (node 2 of 3)"
    assert re.fullmatch(
        r"Moved here from amqp://guest:\*\*\*@127\.0\.0\.1:5781/%2F at \d\d:\d\d:\d\d\.",
        status.moved_text(),
    )
    assert any(status.moved_text() in label.toolTip() for label in status.findChildren(QLabel))


def test_back_on_the_same_node_is_no_move(qtbot) -> None:
    status = ConnectionStatusWidget(CLUSTER.redacted_url())
    qtbot.addWidget(status)
    status.show_state(TapState(TapPhase.CONNECTED, NODE_1))
    status.show_state(TapState(TapPhase.RECONNECTING, "The connection was lost.", retry_in=1))
    status.show_state(TapState(TapPhase.CONNECTED, NODE_1))
    assert status.moved_text() == ""
