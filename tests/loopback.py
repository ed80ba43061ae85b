"""Loopback HTTP servers for the gathering tests: real sockets on 127.0.0.1, random ports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class CountingServer(ThreadingHTTPServer):
    """An HTTP server that counts accepted connections and records request paths and headers."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: Handler) -> None:
        self.accepts = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with outer.lock:
                    outer.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, headers, body = handler(self)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), _H)

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        with self.lock:
            self.accepts += 1
        return conn, addr

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serve(handler: Handler) -> Iterator[CountingServer]:
    """Run a :class:`CountingServer` in a thread for the duration of the block."""
    srv = CountingServer(handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)
