"""A local TCP port that forwards to the real broker (its management API, say) until closed:
for tests of what the desk shows when a broker that answered stops answering."""

from __future__ import annotations

import selectors
import socket
import socketserver
import threading
from types import TracebackType


class _Pump(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        with socket.create_connection(self.server.target, timeout=5) as upstream:
            client: socket.socket = self.request
            with selectors.DefaultSelector() as selector:
                selector.register(client, selectors.EVENT_READ, (client, upstream))
                selector.register(upstream, selectors.EVENT_READ, (upstream, client))
                while not self.server.closing.is_set():
                    for key, _ in selector.select(timeout=0.1):
                        source, sink = key.data
                        data = source.recv(65536)
                        if not data:
                            return
                        sink.sendall(data)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = True  # server_close() joins the pumps: no thread left running

    def __init__(self, target: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Pump)
        self.target = target
        self.closing = threading.Event()


class TcpForwarder:
    """`with TcpForwarder(("127.0.0.1", 15672)) as forwarder:` ... `forwarder.close()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self._server = _Server(target)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="tcp-forwarder")
        self._thread.start()

    def close(self) -> None:
        """From now on nothing answers on `port`: connecting is refused."""
        if self._server.closing.is_set():
            return
        self._server.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> TcpForwarder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
