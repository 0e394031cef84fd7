"""A Lambda Runtime API for one function binary: the process is started as Lambda starts it
(AWS_LAMBDA_RUNTIME_API and the function's environment, nothing inherited), asks for work with
`GET /2018-06-01/runtime/invocation/next` and answers on `.../{id}/response` or `.../{id}/error`.
One invocation at a time, as in one Lambda instance."""

import json
import os
import queue
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class InvocationError(Exception):
    pass


class _Pending:
    def __init__(self, event):
        self.id = str(uuid.uuid4())
        self.event = event
        self.done = threading.Event()
        self.result = None
        self.error = None


class LambdaEmulator:
    def __init__(self, name, binary, env, timeout, log_path):
        self.name = name
        self.timeout = timeout
        self.log_path = log_path
        self.waiting = queue.Queue()
        self.inflight = {}
        self.init_error = None
        self.lock = threading.Lock()  # one invocation at a time
        self.invocations = 0
        self.durations = []
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    self.send_error(404)
                    return
                p = emulator.waiting.get()
                emulator.inflight[p.id] = p
                body = json.dumps(p.event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", p.id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int((time.time() + emulator.timeout) * 1000)))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 f"arn:aws:lambda:us-east-1:123456789012:function:{emulator.name}")
                self.send_header("Lambda-Runtime-Trace-Id", f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts == ["init", "error"]:
                    emulator.init_error = body.decode(errors="replace")
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    p = emulator.inflight.pop(parts[1], None)
                    if p is None:
                        self.send_error(400)
                        return
                    if parts[2] == "response":
                        p.result = json.loads(body) if body else None
                    else:
                        p.error = body.decode(errors="replace")
                    p.done.set()
                else:
                    self.send_error(404)
                    return
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        full_env = dict(env)
        full_env.update({
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "e2e",
        })
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([binary], env=full_env, stdout=self.log, stderr=subprocess.STDOUT)

    def invoke(self, event):
        """The function's answer to `event`; InvocationError if it reports an error, crashes or
        runs past its timeout."""
        with self.lock:
            p = _Pending(event)
            started = time.monotonic()
            self.waiting.put(p)
            deadline = started + self.timeout
            while not p.done.wait(0.05):
                if self.proc.poll() is not None:
                    raise InvocationError(f"{self.name} exited with {self.proc.returncode}; log: {self.tail()}")
                if self.init_error:
                    raise InvocationError(f"{self.name} failed to start: {self.init_error}")
                if time.monotonic() > deadline:
                    raise InvocationError(f"{self.name} ran past its {self.timeout} s timeout")
            self.invocations += 1
            self.durations.append(time.monotonic() - started)
            if p.error is not None:
                raise InvocationError(f"{self.name} reported: {p.error}")
            return p.result

    def tail(self, n=4000):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read()[-n:].decode(errors="replace")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.server.shutdown()
        self.log.close()
