"""Benchmark of the WhatsApp channel in the running Seva (rasa run + action server, PostgreSQL and Redis), with a
local stand-in for the Graph API:

1. the webhook's time to answer 200 to a signed notification (p50/p95), one request at a time;
2. the time from the webhook to the reply reaching the Graph API, with 20 citizens writing at once.

    python -m scripts.bench_whatsapp [--senders 20] [--rounds 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.deployment import deployed, percentile  # noqa: E402
from tests import whatsapp_payloads as wa  # noqa: E402
from tests.helpers import WHATSAPP  # noqa: E402


def post(url, body):
    signed = wa.signed(body, WHATSAPP["WHATSAPP_APP_SECRET"])
    started = time.perf_counter()
    answer = requests.post(url, data=signed["data"], headers=signed["headers"], timeout=30)
    return answer.status_code, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with deployed() as deployment:
        servers, graph = deployment.servers, deployment.graph
        url = f"{servers.url}/webhooks/whatsapp/webhook"
        # Warm up: the first messages load what is loaded lazily.
        for i in range(3):
            post(url, wa.envelope([wa.text(f"9190000000{i:02d}", "hi")]))
        time.sleep(5)

        acks = []
        for i in range(args.requests):
            status, seconds = post(url, wa.envelope([wa.text(f"9191{i % 50:08d}", "thank you")]))
            assert status == 200, status
            acks.append(seconds)
        print(
            f"webhook answers 200 in: p50 {percentile(acks, 50) * 1000:.1f} ms, "
            f"p95 {percentile(acks, 95) * 1000:.1f} ms ({args.requests} signed notifications, one at a time)"
        )
        time.sleep(10)

        latencies, lock = [], threading.Lock()

        def citizen(n):
            sender = f"9192{n:08d}"
            for _ in range(args.rounds):
                before = len(graph.sent_to(sender))
                started = time.perf_counter()
                status, _ = post(url, wa.envelope([wa.text(sender, "my complaints")]))
                assert status == 200
                while len(graph.sent_to(sender)) <= before:
                    if time.perf_counter() - started > 120:
                        raise TimeoutError(f"no reply to {sender}")
                    time.sleep(0.005)
                with lock:
                    latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        threads = [threading.Thread(target=citizen, args=(n,)) for n in range(args.senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        print(
            f"webhook to reply with {args.senders} concurrent senders: p50 {percentile(latencies, 50):.2f} s, "
            f"p95 {percentile(latencies, 95):.2f} s, {len(latencies) / elapsed:.1f} messages/s "
            f"({len(latencies)} messages)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
