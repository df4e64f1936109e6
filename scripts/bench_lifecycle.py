"""Benchmark of the complaint lifecycle in the running Seva (rasa run + action server + staff API, PostgreSQL and
Redis), with a local stand-in for the Graph API:

1. the staff API's answer times (p50/p95), one request at a time: listing a city's complaints, and assigning one;
2. notifications delivered per second through Rasa's trigger_intent to WhatsApp, by one worker and by two
   workers sharing the outbox.

    python -m scripts.bench_lifecycle [--complaints 200] [--requests 100]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifier.delivery import RasaDelivery  # noqa: E402
from notifier.worker import Worker  # noqa: E402
from scripts.deployment import deployed, percentile  # noqa: E402
from seva.bootstrap import build  # noqa: E402
from seva.complaints import Draft  # noqa: E402
from seva.settings import Settings  # noqa: E402
from tests.servers import StaffApiServer  # noqa: E402

DRAFT = Draft(
    service_code="StreetLightNotWorking",
    tenant_id="pb.jalandhar",
    description="streetlight is off",
    locality_code="JLC373",
    locality_name="Model Town",
)


def timed(method, url, **kwargs):
    started = time.perf_counter()
    answer = requests.request(method, url, timeout=30, **kwargs)
    assert answer.status_code == 200, answer.text
    return time.perf_counter() - started


def seed(services, count, prefix):
    """`count` complaints of WhatsApp citizens who wrote just now (so Rasa, not a template, tells them)."""
    numbers = []
    for i in range(count):
        services.citizens.wrote_on_whatsapp(f"91{prefix}{i:06d}")
        view, _ = services.complaints.file(f"91{prefix}{i:06d}", "whatsapp", "en", DRAFT, f"{prefix}:{i}")
        numbers.append(view.number)
    return numbers


async def drain(workers):
    async def until_empty(worker):
        while await worker.run_once():
            pass

    started = time.perf_counter()
    await asyncio.gather(*(until_empty(w) for w in workers))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=200, help="complaints assigned (and told of) per run")
    parser.add_argument("--requests", type=int, default=100, help="list requests timed")
    args = parser.parse_args()

    with deployed() as deployment:
        servers, graph = deployment.servers, deployment.graph
        staff_api = StaffApiServer({"DATABASE_URL": deployment.database_url}, deployment.logs / "staff_api.log")
        services = build(Settings(database_url=deployment.database_url))
        try:
            staff_api.start()
            measure(args, servers, graph, staff_api, services)
        finally:
            staff_api.stop()
            services.close()
    return 0


def measure(args, servers, graph, staff_api, services) -> None:
    staff = services.staff
    staff.add("gro.bench", "Bench Officer", "GRO", "pb.jalandhar")
    staff.add("lme.bench", "Bench Employee", "LME", "pb.jalandhar")
    gro = {"Authorization": f"Bearer {staff.issue_token('gro.bench')}"}

    one, two = seed(services, args.complaints, "1"), seed(services, args.complaints, "2")
    listing = [
        timed("GET", f"{staff_api.url}/complaints", params={"page_size": 20}, headers=gro) for _ in range(args.requests)
    ]
    print(
        f"staff API, list 20 of {2 * args.complaints} complaints: p50 {percentile(listing, 50) * 1000:.1f} ms, "
        f"p95 {percentile(listing, 95) * 1000:.1f} ms ({args.requests} requests)"
    )
    assigning = [
        timed(
            "POST",
            f"{staff_api.url}/complaints/{n}/actions",
            headers=gro,
            json={"action": "ASSIGN", "assignee": "lme.bench", "comment": "today"},
        )
        for n in one
    ]
    print(
        f"staff API, assign: p50 {percentile(assigning, 50) * 1000:.1f} ms, "
        f"p95 {percentile(assigning, 95) * 1000:.1f} ms ({len(assigning)} requests)"
    )

    def worker():
        return Worker(
            services.outbox,
            RasaDelivery(servers.url, servers.token),
            None,
            services.citizens.last_whatsapp_at,
            batch=10,
        )

    alone = asyncio.run(drain([worker()]))
    print(
        f"notifications through Rasa to WhatsApp, 1 worker: {args.complaints / alone:.1f}/s "
        f"({args.complaints} in {alone:.1f} s)"
    )
    for number in two:
        requests.post(
            f"{staff_api.url}/complaints/{number}/actions",
            headers=gro,
            timeout=30,
            json={"action": "ASSIGN", "assignee": "lme.bench"},
        ).raise_for_status()
    together = asyncio.run(drain([worker(), worker()]))
    print(
        f"notifications through Rasa to WhatsApp, 2 workers: {args.complaints / together:.1f}/s "
        f"({args.complaints} in {together:.1f} s; {alone / together:.2f}x one worker)"
    )
    sent = sum(1 for m in graph.sent if m.get("to", "").startswith(("911", "912")))
    print(
        f"messages at the Graph API: {sent} for {2 * args.complaints} notifications; outbox: {services.outbox.counts()}"
    )


if __name__ == "__main__":
    sys.exit(main())
