"""WSGI middleware that applies the :class:`~services.simulator.faults.FaultBoard` to feed requests.

It sits outside the Flask app so every fault (even "drop the connection") happens before or around the real
handler, and the handlers stay unaware of faults.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Iterator

from werkzeug.wrappers import Response

from services.simulator.faults import FEEDS, Fault, FaultBoard

_HTML_PAGE = (
    "<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>{status} Bad Gateway</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_WRONG_KIND_CSV = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,"
    "frp,daynight\n19.51234,98.90123,331.20,0.45,0.39,2026-03-10,630,N,VIIRS,n,2.0NRT,290.11,6.3,D\n"
)
_WRONG_KIND_JSON = json.dumps({"stations": []})


def feed_of(path: str) -> str | None:
    """The feed a request path belongs to (its first segment), or None for control and unknown paths."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in FEEDS else None


class FaultMiddleware:
    """Wraps the simulator's WSGI app; ``stopping()`` returns the event set when the server stops listening."""

    def __init__(self, app: Callable, board: FaultBoard, stopping: Callable[[], threading.Event]) -> None:
        self.app = app
        self.board = board
        self.stopping = stopping

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        feed = feed_of(environ.get("PATH_INFO", ""))
        fault = self.board.take(feed, environ.get("REQUEST_METHOD")) if feed else None
        if fault is None:
            return self.app(environ, start_response)
        stop = self.stopping()
        if fault.kind in ("down", "reset_before"):
            return self._drop(environ, start_response)
        if fault.kind == "reset_after":
            # The app runs to the end (a write is committed) and its answer is thrown away with the connection.
            Response.from_app(self.app, environ, buffered=True).close()
            return self._drop(environ, start_response)
        if fault.kind == "hang":
            stop.wait(fault.seconds)
            return self._drop(environ, start_response)
        if fault.kind == "strip_header":
            environ = dict(environ)
            environ.pop("HTTP_" + (fault.header or "").upper().replace("-", "_"), None)
            return self.app(environ, start_response)
        if fault.kind == "slow":
            if stop.wait(fault.seconds):
                return Response("stopping", status=503)(environ, start_response)
            return self.app(environ, start_response)
        if fault.kind == "error":
            return self._error(fault, feed or "")(environ, start_response)
        if fault.kind == "trickle":
            return self._trickle(fault, environ, start_response, stop)
        return self._malformed(fault, feed or "", environ)(environ, start_response)

    @staticmethod
    def _drop(environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock: socket.socket | None = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                # Linger 0 turns the eventual close into a reset; shutdown ends the stream before any byte is sent,
                # so the client sees the connection die without a response.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # werkzeug's write now fails with a broken pipe, which it treats as a dropped connection.
        start_response("500 INTERNAL SERVER ERROR", [("Content-Length", "0")])
        return [b"x"]

    @staticmethod
    def _error(fault: Fault, feed: str) -> Response:
        status = fault.status or 503
        if feed == "open311":
            resp = Response(json.dumps([{"code": status, "description": "Service temporarily unavailable"}]),
                            status=status, mimetype="application/json")
        else:
            resp = Response("Service Temporarily Unavailable", status=status, mimetype="text/plain")
        if fault.retry_after is not None:
            resp.headers["Retry-After"] = str(fault.retry_after)
        return resp

    def _trickle(
        self, fault: Fault, environ: dict, start_response: Callable, stop: threading.Event
    ) -> Iterable[bytes]:
        inner = Response.from_app(self.app, environ, buffered=True)
        body = inner.get_data()
        headers = [(k, v) for k, v in inner.headers.items() if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(inner.status, headers)

        def drip() -> Iterator[bytes]:
            for start in range(0, len(body), fault.chunk):
                yield body[start : start + fault.chunk]
                # A stopping server ends the drip at once (the client sees a short body).
                if start + fault.chunk < len(body) and stop.wait(fault.interval):
                    return

        return drip()

    def _malformed(self, fault: Fault, feed: str, environ: dict) -> Response:
        if fault.variant == "html":
            status = fault.status or 200
            return Response(_HTML_PAGE.format(status=status if status != 200 else 502), status=status,
                            mimetype="text/html")
        if fault.variant == "map_key":
            return Response("Invalid MAP_KEY.", status=200, mimetype="text/plain")
        if fault.variant == "wrong_kind":
            if feed == "firms":
                return Response(_WRONG_KIND_JSON, mimetype="application/json")
            return Response(_WRONG_KIND_CSV, mimetype="text/csv")
        inner = Response.from_app(self.app, environ, buffered=True)
        body = inner.get_data()
        cut = Response(body[: max(1, len(body) // 2)], status=inner.status_code)
        cut.headers["Content-Type"] = inner.headers.get("Content-Type", "application/octet-stream")
        return cut
