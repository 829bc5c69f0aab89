"""The page's HTTP server: the standard library's WSGI server, one thread per request, on a thread of its own.

socketserver's ``serve_forever`` wakes every 0.5 s to look for a shutdown
request; this loop sleeps in ``select`` on the listening socket and a wake-up
pipe instead, so an idle device with the page enabled stays asleep. Requests
run on their own (daemon) threads, at most :data:`MAX_THREADS` at once; more
connections are closed at once. Request lines are logged at DEBUG without
their query string, and never a header (cookies stay out of the log).
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

log = logging.getLogger(__name__)

MAX_THREADS = 16
REQUEST_TIMEOUT = 30.0  # s a client may take to send its request line and headers


class _Handler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("web: %s %s", self.client_address[0], self.requestline.split("?", 1)[0][:200])

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("web: %s %s -> %s", self.client_address[0], self.requestline.split("?", 1)[0][:200], code)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        self._slots = threading.BoundedSemaphore(MAX_THREADS)
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # "::" serves IPv4 too
        super().server_bind()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # busy: closing is cheaper than queueing on a Pi
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("web: a request from %s failed", client_address[0], exc_info=True)


class WebServer:
    """Serve ``app`` on ``bind``:``port`` from a thread of its own until :meth:`close`."""

    def __init__(self, app: Any, bind: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        self._server = _Server((bind, port), family)
        self._server.set_app(app)
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, name="hushlight-web", daemon=True)
        self._closed = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, host: str) -> str:
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._server.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj == self._wake_r:
                        return
                    self._server.handle_request()  # the socket is ready: it does not wait

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join(2)
        self._server.server_close()
        os.close(self._wake_r)
        os.close(self._wake_w)
