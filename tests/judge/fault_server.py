"""A real OpenAI-compatible HTTP server on 127.0.0.1 for judge tests. It answers chat completions
with a rating derived from the prompt, and injects faults, one per request: scripted in `faults`
(consumed in order), or drawn at random with a seeded `fault_rate`. It counts requests, the most
that were in flight at once, and records the Authorization headers it was sent.

Fault names (FAULTS):
  "429", "500", "503"   that status with a JSON error body and `retry-after-ms: 10` (the client retries)
  "400", "401"          that status with a JSON error body (not retried; the 401 echoes the bearer
                        token back, as a careless server might, so tests can check it is never written)
  "404_model"           404 "model ... does not exist" (code model_not_found), as for a wrong model name
  "html200"             200 with an HTML error page (text/html), as from a proxy in front of the judge
  "broken_json"         200 with Content-Type application/json and a truncated JSON body
  "no_choices"          200 JSON object without `choices`
  "empty_choices"       200 JSON with `choices: []`
  "no_message"          200 JSON whose choice has no `message`
  "null_content"        200 JSON whose message content is null
  "garbage"             200, a well-formed completion whose text ignores the format (unscored)
  "reset"               headers and a third of the body (Content-Length says more), then the socket closes
  "hang"                waits `hang` seconds (more than the client's time-out) before answering
  "down"                the server stops listening (go_down): this request's connection is dropped
                        unanswered and every later one is refused
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUS_FAULTS = {"429": 429, "500": 500, "503": 503, "400": 400, "401": 401, "404_model": 404}
BODY_FAULTS = ("html200", "broken_json", "no_choices", "empty_choices", "no_message", "null_content", "garbage")
FAULTS = (*STATUS_FAULTS, *BODY_FAULTS, "reset", "hang", "down")
RANDOM_FAULTS = tuple(f for f in FAULTS if f != "down")  # what fault_rate draws from, uniformly

HTML_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class FaultServer:
    def __init__(
        self,
        delay: float = 0.0,
        *,
        fault_rate: float = 0.0,
        seed: int = 0,
        random_faults: tuple[str, ...] = RANDOM_FAULTS,
        hang: float = 2.0,
        port: int = 0,
        logprobs: bool = True,
        answer: str | None = None,
    ):
        """`delay`: seconds every answer waits. `fault_rate`: the chance that a request without a
        scripted fault gets one drawn uniformly from `random_faults` (seeded: the same sequence of
        faults for the same sequence of requests). `hang`: how long a "hang" waits; keep it above the
        client's time-out. `logprobs`: answer a request that asks for logprobs with them (False: as a
        server that ignores the field). Use as a context manager: the server runs inside the `with` block."""
        unknown = set(random_faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {FAULTS}")
        self.delay = delay
        self.fault_rate = fault_rate
        self.random_faults = tuple(random_faults)
        self.hang = hang
        self.logprobs = logprobs
        self.answer = answer  # what a free-text request (a contestant's, not a judge's) gets; None: a rating text
        self.faults: list[str | None] = []  # scripted, one per request before any random draw (None: no fault)
        self.injected: list[str] = []  # every fault served, in the order of the requests
        self.hits = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.auth_headers: list[str] = []
        self.bodies: list[dict] = []  # every request body, in arrival order
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._closing = threading.Event()  # set on exit: a hang or delay stops waiting
        self._down = False
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
                    fault = server._next_fault()
                    if fault:
                        server.injected.append(fault)
                    server.auth_headers.append(self.headers.get("Authorization", ""))
                    server.bodies.append(body)
                try:
                    self._answer(body, fault)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its time-out) before the answer was written
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, status: int, data: bytes, content_type: str = "application/json", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, **extra) -> None:
                data = json.dumps({"error": {"message": message, "type": "invalid_request_error", **extra}})
                self._send(status, data.encode(), headers={"retry-after-ms": "10"} if status in (429, 500, 503) else {})

            def _answer(self, body, fault):
                if fault == "down":
                    server.go_down()
                    self.close_connection = True
                    self._reset_on_close()
                    return
                if fault == "hang":
                    if server._closing.wait(server.hang):
                        return
                if fault == "401":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    return self._error(401, f"Incorrect API key provided: {token}.", code="invalid_api_key")
                if fault == "404_model":
                    message = f"The model `{body.get('model')}` does not exist or you do not have access to it."
                    return self._error(404, message, code="model_not_found")
                if fault in STATUS_FAULTS:
                    return self._error(STATUS_FAULTS[fault], f"injected {fault}")
                if server.delay and server._closing.wait(server.delay):
                    return
                if fault == "html200":
                    return self._send(200, HTML_PAGE.encode(), "text/html")
                payload = server.completion(body, fault)
                data = json.dumps(payload).encode()
                if fault == "broken_json":
                    return self._send(200, data[: len(data) // 2])
                if fault == "reset":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 3])
                    self.close_connection = True  # then the socket is closed, a third of the body sent
                    return
                self._send(200, data)

            def _reset_on_close(self) -> None:
                # SO_LINGER 0: closing sends a TCP reset instead of an orderly FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True  # a handler still hanging never blocks shutdown
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _next_fault(self) -> str | None:
        if self.faults:
            return self.faults.pop(0)
        if self.fault_rate and self._rng.random() < self.fault_rate:
            return self._rng.choice(self.random_faults)
        return None

    @staticmethod
    def p_yes(messages: list[dict]) -> float:
        """The P(yes) the server gives a rubric question (0.05 to 0.95, from the prompt)."""
        return 0.05 + 0.9 * (int(hashlib.sha256(json.dumps(messages).encode()).hexdigest(), 16) % 1000) / 999

    @staticmethod
    def rating(messages: list[dict]) -> int:
        """The rating the server gives these messages (the same prompt, the same rating)."""
        return 1 + int(hashlib.sha256(json.dumps(messages).encode()).hexdigest(), 16) % 10

    def completion(self, body: dict, fault: str | None = None) -> dict:
        prompt = json.dumps(body["messages"])
        rating = self.rating(body["messages"])
        yes_no = body.get("max_tokens") == 1  # a rubric item: one token, yes or no
        top = None
        if fault == "garbage":
            content = "I refuse to follow the format. Rating: maybe seven?"
        elif yes_no:
            p_yes = self.p_yes(body["messages"])
            content = "yes" if p_yes >= 0.5 else "no"
            if body.get("logprobs") and self.logprobs:
                import math

                top = [
                    {"token": "yes", "logprob": math.log(p_yes * 0.9)},
                    {"token": " No", "logprob": math.log((1 - p_yes) * 0.9)},
                    {"token": "Maybe", "logprob": math.log(0.1)},
                ][: body.get("top_logprobs") or 1]
        elif "response_format" in body:
            content = json.dumps({"explanation": "deterministic", "rating": rating, "verdict": "ABC"[rating % 3]})
        elif self.answer is not None:  # a contestant's answer, as given
            content = self.answer
        else:
            content = f"Explanation. Rating: [[{rating}]] Verdict: [[{'ABC'[rating % 3]}]]"
        message = {"role": "assistant", "content": None if fault == "null_content" else content}
        choice = {"index": 0, "finish_reason": "stop", "message": message}
        if top is not None:
            choice["logprobs"] = {"content": [{"token": content, "logprob": top[0]["logprob"], "top_logprobs": top}]}
        if fault == "no_message":
            del choice["message"]
        payload = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model"),
            "choices": [] if fault == "empty_choices" else [choice],
            "usage": {
                "prompt_tokens": len(prompt) // 4,
                "completion_tokens": 12,
                "total_tokens": len(prompt) // 4 + 12,
            },
        }
        if fault == "no_choices":
            del payload["choices"]
        return payload

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def go_down(self) -> None:
        """Stop listening: every later request gets connection refused. Call it from the test or
        from a handler thread (never from the serve loop's own thread); a second call does nothing."""
        with self._lock:
            if self._down:
                return
            self._down = True
        if self.thread.is_alive():
            self.httpd.shutdown()  # the serve loop stops accepting (within its 0.05 s poll)
        self.httpd.server_close()  # the listening socket is closed: connect() is refused

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()  # a hang or delay in progress stops waiting
        self.go_down()
        self.thread.join(timeout=5)


def main() -> None:
    """Serve on a fixed loopback port until interrupted, for trying `bench run --judge` by hand:
    python -m tests.judge.fault_server --port 8123 --fault-rate 0.3"""
    import argparse
    import signal
    import time

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--port", type=int, default=8123)
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hang", type=float, default=2.0, help="seconds a 'hang' fault waits")
    opts = ap.parse_args()
    # Stop on Ctrl-C or kill: a shell starts background jobs with SIGINT ignored, so restore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with FaultServer(fault_rate=opts.fault_rate, seed=opts.seed, hang=opts.hang, port=opts.port) as server:
        print(f"serving {server.base_url} (fault rate {opts.fault_rate})", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        print(f"{server.hits} requests, faults served: {len(server.injected)}", flush=True)


if __name__ == "__main__":
    main()
