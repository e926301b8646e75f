"""Fixtures for the data-directory tests: the verified real data and a loopback HTTP server."""

from __future__ import annotations

import hashlib
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@pytest.fixture
def real_data_dir(monkeypatch) -> Path:
    """The directory of verified data copies named by NNBENCH_DATA_DIR, used offline."""
    value = os.environ.get("NNBENCH_DATA_DIR", "").strip()
    if not value:
        pytest.skip("NNBENCH_DATA_DIR is not set: point it at the verified data copies "
                    "(`nox -s tests` uses ../shared/data) to run the real-data tests")
    monkeypatch.setenv("NNBENCH_OFFLINE", "1")  # a missing file fails; nothing is downloaded
    return Path(value)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class FileServer:
    """An HTTP server on 127.0.0.1 serving `routes` (URL path -> bytes), in a thread.

    A route whose value is `Truncated(data, declared)` announces `declared` bytes but sends
    only `data` and closes the connection. Every requested path is recorded in `requests`.
    """

    def __init__(self) -> None:
        self.routes: dict[str, bytes | Truncated] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                declared = body.declared if isinstance(body, Truncated) else len(body)
                data = body.data if isinstance(body, Truncated) else body
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                self.wfile.write(data)
                if isinstance(body, Truncated):
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class Truncated:
    def __init__(self, data: bytes, declared: int) -> None:
        self.data, self.declared = data, declared


@pytest.fixture
def file_server():
    server = FileServer()
    yield server
    server.close()
