"""A fake SMS provider on loopback, as the HTTP SMS backend's provider would answer: it
checks the bearer key and the JSON body, keeps what it got, and answers 202 (or the status
it is told to answer with).

Ports: this room's range, 18100-18199 (each server takes the first free one)."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTS = range(18100, 18200)
API_KEY = "test-sms-key"


@dataclass
class FakeSmsProvider:
    received: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    answer_status: int = 202
    url: str = ""

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                problem = ""
                if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                    problem = "bad key"
                try:
                    message = json.loads(body)
                except ValueError:
                    message, problem = {}, "not JSON"
                if not problem and not all(message.get(k) for k in ("to", "from", "text")):
                    problem = "missing to, from or text"
                if problem:
                    fake.refused.append(problem)
                    self._answer(400, {"error": problem})
                    return
                if fake.answer_status < 300:
                    fake.received.append(message)
                self._answer(fake.answer_status, {"id": str(len(fake.received))})

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        for port in PORTS:
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free port in 18100-18199")
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
