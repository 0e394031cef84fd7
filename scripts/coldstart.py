#!/usr/bin/env python3
"""Init time of each Lambda function: process start -> its first request for work.

A minimal Lambda Runtime API (only `GET /2018-06-01/runtime/invocation/next`) listens on a free
loopback port; each function binary starts with AWS_LAMBDA_RUNTIME_API pointing at it, and the
time from spawning the process to its first `next` request is its init time. Nothing else is
reachable during init: a function that tried network I/O would fail or stall, which shows.

Usage: scripts/coldstart.py BIN_DIR [RUNS] [--budget-ms MS]   (binaries at BIN_DIR/cartback-*)
Prints one line per function: median, min, max in milliseconds. With --budget-ms, exits 1 when
any function's median is above it (docs/benchmarks.md: 20 ms; checked in CI by scripts/bench
--check).
"""
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

FUNCTIONS = ["cartback-ingest", "cartback-replies", "cartback-dispatcher", "cartback-scheduler"]


class Api(http.server.BaseHTTPRequestHandler):
    first = None  # threading.Event set on the first `next`

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next") and Api.first is not None:
            Api.arrived = time.perf_counter()
            Api.first.set()
        # Never answer: the measurement ends at the request.
        time.sleep(5)

    def log_message(self, *args):
        pass


def main():
    args = sys.argv[1:]
    budget = None
    if "--budget-ms" in args:
        i = args.index("--budget-ms")
        budget = float(args[i + 1])
        del args[i:i + 2]
    bin_dir = args[0]
    runs = int(args[1]) if len(args) > 1 else 10
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "coldstart", "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
        "CARTBACK_TABLE": "cartback", "CARTBACK_STAGE": "bench", "CARTBACK_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/due",
        "CARTBACK_CONFIG": os.path.join(root, "docs", "cartback.example.toml"), "RUST_LOG": "warn",
    })
    over = []
    print(f"init time, {runs} runs after one warm-up:\n| function | median | min | max |\n| --- | --- | --- | --- |")
    for name in FUNCTIONS:
        path = os.path.join(bin_dir, name)
        times = []
        for _ in range(runs + 1):  # the first run warms the page cache and is not counted
            Api.first = threading.Event()
            start = time.perf_counter()
            proc = subprocess.Popen([path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            ok = Api.first.wait(10)
            proc.kill()
            _, err = proc.communicate()
            if not ok:
                print(f"{name}: no request for work within 10 s; stderr: {err.decode()[-500:]}")
                sys.exit(1)
            times.append((Api.arrived - start) * 1000)
        times = times[1:]
        median = statistics.median(times)
        verdict = "" if budget is None else ("  ok" if median <= budget else f"  OVER the {budget:g} ms budget")
        print(f"| {name} | {median:.1f} ms | {min(times):.1f} ms | {max(times):.1f} ms |{verdict}")
        if budget is not None and median > budget:
            over.append(name)
    server.shutdown()
    if over:
        print(f"FAIL init over {budget:g} ms: {', '.join(over)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
