"""A WSGI app served on a free loopback port in a daemon thread, for tests that need a server misbehaving in ways the
simulator does not (redirect loops, odd bodies)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def loopback_server(app: Callable[..., Any]) -> Iterator[str]:
    """Serve ``app``; yields its base URL (``http://127.0.0.1:PORT``); stopped on exit."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()
