"""The vhost switcher: another vhost's queues are listed, and the row actions that act through
the profile (browse, move, dead-letter) say they work in the profile's vhost only."""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

import pika
import pytest

from opsdesk.ui.broker.queue_overview_model import COL_READY
from tests.conftest import BROKER_URL

pytestmark = pytest.mark.broker

API = "http://127.0.0.1:15672/api"
WAIT_MS = 20_000


def _api(method: str, path: str, body: bytes | None = None) -> None:
    request = urllib.request.Request(f"{API}{path}", data=body, method=method)
    request.add_header("Authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def other_vhost(unique_name: str) -> Iterator[str]:
    """A vhost of its own, guest allowed in, with one queue of two messages; deleted after."""
    vhost = f"{unique_name}.vh"
    _api("PUT", f"/vhosts/{quote(vhost, safe='')}", b"{}")
    try:
        _api(
            "PUT",
            f"/permissions/{quote(vhost, safe='')}/guest",
            b'{"configure": ".*", "write": ".*", "read": ".*"}',
        )
        url = BROKER_URL.rsplit("/", 1)[0] + "/" + quote(vhost, safe="")
        with pika.BlockingConnection(pika.URLParameters(url)) as connection:
            channel = connection.channel()
            channel.confirm_delivery()
            channel.queue_declare("elsewhere", durable=True)
            for body in (b"a", b"b"):
                channel.basic_publish("", "elsewhere", body)
        yield vhost
    finally:
        _api("DELETE", f"/vhosts/{quote(vhost, safe='')}")


def test_another_vhost_is_listed_but_not_acted_on(open_panel, other_vhost, qtbot, broker):
    # The profile's vhost holds a queue of this test's own (a clean broker may hold none).
    home = broker.queue(f"{other_vhost}.home")
    panel = open_panel()
    qtbot.waitUntil(lambda: panel.vhost_box.findText(other_vhost) >= 0, timeout=WAIT_MS)
    panel.vhost_box.setCurrentText(other_vhost)
    overview = panel.overview
    model = overview.model
    qtbot.waitUntil(
        lambda: model.rowCount() == 1 and model.data(model.index(0, COL_READY)) == "2",
        timeout=WAIT_MS,
    )
    assert model.row_at(0).vhost == other_vhost
    assert overview.choose("elsewhere")
    for button in (overview.browse_button, overview.move_button, overview.dead_letter_button):
        assert not button.isEnabled()
        assert button.toolTip() == (
            f"The browser, move and dead-letter work in the profile's vhost '/', "
            f"not in {other_vhost!r}."
        )
    assert overview.chart_button.isEnabled()

    panel.vhost_box.setCurrentText("/")
    qtbot.waitUntil(
        lambda: home in [model.row_at(r).name for r in range(model.rowCount())], timeout=WAIT_MS
    )
    assert {model.row_at(r).vhost for r in range(model.rowCount())} == {"/"}
    assert overview.chosen == ""
