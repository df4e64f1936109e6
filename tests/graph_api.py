"""A real HTTP server standing in for Meta's Graph API: it records every message Seva sends, serves media,
and can be told to fail the way the Graph API fails."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional


class StandInGraphApi:
    def __init__(self):
        self.sent: List[Dict[str, Any]] = []
        self.requests: List[str] = []
        self.media: Dict[str, tuple] = {}  # media id -> (mime type, bytes)
        # media id -> how its metadata or file misbehaves: metadata_status, metadata_delay, no_url, file_size
        # (what the metadata claims), chunked (the file sent in chunks, without a length)
        self.media_faults: Dict[str, Dict[str, Any]] = {}
        self.failures: List[tuple] = []  # queued (http status, body or None, delay seconds)
        self.down_until = 0.0  # monotonic time until which every send gets `down_status`
        self.down_status = 503
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StandInGraphApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, error_code: Optional[int] = None, delay: float = 0.0) -> None:
        body = (
            {
                "error": {
                    "message": f"(#{error_code}) stand-in failure",
                    "type": "OAuthException",
                    "code": error_code,
                    "fbtrace_id": "Atest",
                }
            }
            if error_code
            else None
        )
        self.failures.append((status, body, delay))

    def fail_for(self, seconds: float, status: int = 503) -> None:
        """An outage: every message sent in the next `seconds` is answered `status` and not delivered."""
        self.down_status = status
        self.down_until = time.monotonic() + seconds

    def add_media(self, media_id: str, mime_type: str, data: bytes, **faults: Any) -> None:
        self.media[media_id] = (mime_type, data)
        self.media_faults[media_id] = faults

    def sent_to(self, recipient: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m.get("to") == recipient]

    def wait_for(self, recipient: str, count: int, timeout: float = 60.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.sent_to(recipient)
            if len(messages) >= count:
                return messages
            time.sleep(0.1)
        return self.sent_to(recipient)

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with stand_in.lock:
                    stand_in.requests.append(self.path)
                    failure = stand_in.failures.pop(0) if stand_in.failures else None
                if time.monotonic() < stand_in.down_until:
                    self._reply(stand_in.down_status, {})
                    return
                if failure:
                    status, error, delay = failure
                    time.sleep(delay)
                    self._reply(status, error or {})
                    return
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    self._reply(401, {"error": {"code": 190, "message": "no token"}})
                    return
                with stand_in.lock:
                    stand_in.sent.append(body)
                    number = len(stand_in.sent)
                self._reply(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                        "messages": [{"id": f"wamid.standin{number}"}],
                    },
                )

            def _chunked(self, data: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(data), 16 * 1024):
                    piece = data[start : start + 16 * 1024]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def do_GET(self):
                with stand_in.lock:
                    stand_in.requests.append(self.path)
                parts = self.path.strip("/").split("/")
                if parts[0] == "files" and parts[-1] in stand_in.media:
                    mime, data = stand_in.media[parts[-1]]
                    if stand_in.media_faults[parts[-1]].get("chunked"):
                        self._chunked(data, mime)
                    else:
                        self._reply(200, data, mime)
                    return
                media_id = parts[-1]
                if media_id in stand_in.media:
                    mime, data = stand_in.media[media_id]
                    faults = stand_in.media_faults[media_id]
                    time.sleep(faults.get("metadata_delay", 0))
                    if faults.get("metadata_status"):
                        self._reply(faults["metadata_status"], {"error": {"code": 1, "message": "stand-in fault"}})
                        return
                    info = {"mime_type": mime, "sha256": "x", "file_size": faults.get("file_size", len(data))}
                    if not faults.get("no_url"):
                        info["url"] = f"{stand_in.url}/files/{media_id}"
                    self._reply(200, {**info, "id": media_id})
                    return
                self._reply(404, {"error": {"code": 100, "message": "unknown media"}})

        return Handler
