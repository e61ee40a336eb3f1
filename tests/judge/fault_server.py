"""A real OpenAI-compatible HTTP server on 127.0.0.1 for judge tests. It answers chat completions
with a rating derived from the prompt, and injects scripted faults: 429, 500, a hang past the
client's time-out, or garbage. It counts requests and the most that were in flight at once."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultServer:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.faults: list[str] = []  # consumed one per request: "429", "500", "hang", "garbage"
        self.hits = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.auth_headers: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.hits += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    fault = server.faults.pop(0) if server.faults else None
                    server.auth_headers.append(self.headers.get("Authorization", ""))
                try:
                    self._answer(body, fault)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, body, fault):
                if fault in ("429", "500"):
                    self.send_response(int(fault))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("retry-after-ms", "10")
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": f"injected {fault}"}}).encode())
                    return
                if fault == "hang":
                    time.sleep(2.0)
                time.sleep(server.delay)
                prompt = json.dumps(body["messages"])
                rating = 1 + int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 10
                structured = "response_format" in body
                if fault == "garbage":
                    content = "I refuse to follow the format. Rating: maybe seven?"
                elif structured:
                    content = json.dumps(
                        {"explanation": "deterministic", "rating": rating, "verdict": "ABC"[rating % 3]}
                    )
                else:
                    content = f"Explanation. Rating: [[{rating}]] Verdict: [[{'ABC'[rating % 3]}]]"
                payload = {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                    ],
                    "usage": {
                        "prompt_tokens": len(prompt) // 4,
                        "completion_tokens": 12,
                        "total_tokens": len(prompt) // 4 + 12,
                    },
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
