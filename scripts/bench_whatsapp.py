"""Benchmark of the WhatsApp channel in the running Seva (rasa run + action server, PostgreSQL and Redis), with a
local stand-in for the Graph API:

1. the webhook's time to answer 200 to a signed notification (p50/p95), one request at a time;
2. the time from the webhook to the reply reaching the Graph API, with 20 citizens writing at once.

    python -m scripts.bench_whatsapp [--senders 20] [--rounds 5] [--requests 200]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import whatsapp_payloads as wa  # noqa: E402
from tests.conftest import MODEL, POSTGRES_URL, WHATSAPP, postgres_schema_url  # noqa: E402
from tests.graph_api import StandInGraphApi  # noqa: E402
from tests.servers import Servers  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


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

    schema = f"seva_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    graph = StandInGraphApi().start()
    logs = Path(tempfile.mkdtemp(prefix="seva-bench-"))
    env = {
        "DATABASE_URL": postgres_schema_url(schema), "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": POSTGRES_URL.rsplit("/", 1)[-1], "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "0", "WHATSAPP_API_BASE_URL": graph.url,
        "MEDIA_DIR": str(logs / "media"), **WHATSAPP,
    }
    servers = Servers(MODEL, env, ROOT / "endpoints.production.yml", logs)
    try:
        print("starting rasa run and the action server ...", flush=True)
        servers.start()
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
        print(f"webhook answers 200 in: p50 {percentile(acks, 50) * 1000:.1f} ms, "
              f"p95 {percentile(acks, 95) * 1000:.1f} ms ({args.requests} signed notifications, one at a time)")
        time.sleep(10)

        latencies, lock = [], threading.Lock()

        def citizen(n):
            sender = f"9192{n:08d}"
            for round_number in range(args.rounds):
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
        print(f"webhook to reply with {args.senders} concurrent senders: p50 {percentile(latencies, 50):.2f} s, "
              f"p95 {percentile(latencies, 95):.2f} s, {len(latencies) / elapsed:.1f} messages/s "
              f"({len(latencies)} messages)")
    finally:
        servers.stop()
        graph.stop()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
