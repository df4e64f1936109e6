"""A real HTTP server standing in for Meta's Graph API: it records every message Seva sends, serves media, takes
media uploads, and can be told to fail the way the Graph API fails."""

from __future__ import annotations

import itertools
import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
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
        # What Seva uploaded (POST /<phone>/media), by the media id the stand-in gave it: (mime type, bytes).
        self.uploads: Dict[str, tuple] = {}
        self._upload_ids = itertools.count(880_000_000_001)
        # Queued (http status, body or None, delay seconds), each answering the next POST: a message or an upload.
        self.failures: List[tuple] = []
        self.upload_failures: List[tuple] = []  # the same, for uploads only
        self.down_until = 0.0  # monotonic time until which every POST (message or upload) gets `down_status`
        self.down_status = 503
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # Polled often, so that stopping it (after each unit test) takes no time.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def start(self) -> StandInGraphApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, error_code: Optional[int] = None, delay: float = 0.0) -> None:
        """The next POST, a message or an upload, is answered `status` (with the Graph API's error `error_code`)."""
        self.failures.append((status, _error(error_code), delay))

    def fail_next_upload(self, status: int, error_code: Optional[int] = None, delay: float = 0.0) -> None:
        """The next media upload is answered `status`; messages meanwhile go through."""
        self.upload_failures.append((status, _error(error_code), delay))

    def fail_for(self, seconds: float, status: int = 503) -> None:
        """An outage: every message sent (or photo uploaded) in the next `seconds` is answered `status`."""
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
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a client that gave up waiting (a timeout being tested) hears nothing

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return bytes(data)
                        data.extend(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self):
                raw = self._body()
                upload = self.path.rstrip("/").endswith("/media")
                body = {} if upload else json.loads(raw or b"{}")
                with stand_in.lock:
                    stand_in.requests.append(self.path)
                    queue = stand_in.upload_failures if upload and stand_in.upload_failures else stand_in.failures
                    failure = queue.pop(0) if queue else None
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
                if upload:
                    self._upload(raw)
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

            def _upload(self, raw: bytes) -> None:
                """A media upload as the Graph API takes it: a multipart form of messaging_product, type and file."""
                content_type = self.headers.get("Content-Type", "")
                if not content_type.startswith("multipart/form-data"):
                    self._reply(400, {"error": {"code": 100, "message": "not a multipart form"}})
                    return
                form = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
                )
                fields: Dict[str, Any] = {}
                for part in form.iter_parts() if form.is_multipart() else ():
                    fields[str(part.get_param("name", header="content-disposition"))] = part.get_payload(decode=True)
                data = fields.get("file")
                mime = (fields.get("type") or b"").decode()
                if fields.get("messaging_product") != b"whatsapp" or not data or not mime.startswith("image/"):
                    self._reply(400, {"error": {"code": 100, "message": "Param messaging_product, type or file"}})
                    return
                with stand_in.lock:
                    media_id = str(next(stand_in._upload_ids))
                    stand_in.uploads[media_id] = (mime, data)
                self._reply(200, {"id": media_id})

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


def _error(code: Optional[int]) -> Optional[Dict[str, Any]]:
    if not code:
        return None
    return {
        "error": {
            "message": f"(#{code}) stand-in failure",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "Atest",
        }
    }
