"""An OpenAI-compatible HTTP server on 127.0.0.1 for tests: chat completions and embeddings with
scripted behaviours, so the real `openai` client is exercised end to end without a network."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

MAX_DELAY = 2.0  # seconds; a scripted delay is never longer


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant's message (chat) — None: answer from the prompt
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


def answer_from_prompt(payload: dict) -> str:
    """A well-behaved model: names the folder from its keywords (a pair it was not told to avoid)."""
    user = payload["messages"][-1]["content"]
    match = re.search(r"^Keywords: (.*)$", user, flags=re.MULTILINE)
    keywords = [k.strip().title() for k in (match.group(1).split(",") if match else []) if k.strip()]
    avoid = {a.lower() for a in re.findall(r'Do not answer "([^"]*)"', user)}
    pairs = [f"{a} {b}" for i, a in enumerate(keywords) for b in keywords[i + 1 :]] + keywords
    name = next((p for p in pairs if p.lower() not in avoid), "Unnamed Topic")
    return json.dumps({"name": name, "description": f"Files about {', '.join(keywords[:3]).lower()}."})


class FakeOpenAI:
    """`chat` and `embeddings` are the behaviours: functions (payload, request number) -> Reply.
    Every request's path and JSON body is kept in `requests`."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.chat = lambda payload, n: Reply()
        self.embeddings = lambda payload, n: Reply()
        self.ignore_dimensions = False  # answer at the model's own length whatever was asked
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                with fake._lock:
                    fake.requests.append((self.path, body))
                    n = sum(1 for p, _ in fake.requests if p == self.path)
                if self.path.endswith("/chat/completions"):
                    reply = fake.chat(body, n)
                    payload = fake._chat_body(body, reply)
                elif self.path.endswith("/embeddings"):
                    reply = fake.embeddings(body, n)
                    payload = fake._embedding_body(body)
                else:
                    reply, payload = Reply(404), {"error": {"message": "not found"}}
                time.sleep(min(reply.delay, MAX_DELAY))
                headers = dict(reply.headers)
                if reply.status != 200:
                    payload = {"error": {"message": f"scripted {reply.status}", "type": "test"}}
                    # As a busy server would: retry soon (keeps the client's own backoff out of test time).
                    headers.setdefault("retry-after-ms", "10")
                data = json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _chat_body(self, body: dict, reply: Reply) -> dict:
        content = reply.content if reply.content is not None else answer_from_prompt(body)
        prompt = sum(len(m["content"]) for m in body.get("messages", [])) // 4
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "m"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 20, "total_tokens": prompt + 20},
        }

    def _embedding_body(self, body: dict) -> dict:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dims = (None if self.ignore_dimensions else body.get("dimensions")) or 1536
        data = []
        for i, text in enumerate(inputs):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            data.append(
                {
                    "object": "embedding",
                    "index": i,
                    "embedding": np.random.default_rng(seed).standard_normal(dims).round(6).tolist(),
                }
            )
        return {
            "object": "list",
            "data": data,
            "model": body.get("model", "m"),
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        }

    def chat_requests(self) -> list[dict]:
        return [body for path, body in self.requests if path.endswith("/chat/completions")]

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
