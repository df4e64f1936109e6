"""Seva scaled out for real: N replicas, each a `rasa run` with its own action server (optionally pinned to a core
of its own, as a replica on a machine of its own would be), behind HAProxy (deploy/haproxy.cfg.j2), all on one
PostgreSQL tracker store and one Redis lock store, and Seva's data in one PostgreSQL schema.

`make bench-scale` files complaints through the load balancer with 1 and with 2 replicas and prints the
throughput of each, and checks under load that every conversation is complete, each citizen's messages were
handled in the order they were sent, and no complaint was filed twice or lost.

    python -m scripts.scale [--citizens 20] [--replicas 1 2] [--no-pin]
    python -m scripts.scale --config-for 10.0.0.1:5001 10.0.0.2:5001 [--bind :5005]   (HAProxy's configuration)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence

import requests
from jinja2 import Template
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_rasa import FILING  # noqa: E402
from seva.models import Complaint  # noqa: E402
from tests.helpers import MODEL, POSTGRES_URL, production_env  # noqa: E402
from tests.servers import Servers, free_port  # noqa: E402

HAPROXY_TEMPLATE = ROOT / "deploy" / "haproxy.cfg.j2"


class Cluster(NamedTuple):
    url: str
    replicas: List[Servers]
    rest_token: str
    database_url: str
    logs: Path

    def admin(self, command: str) -> str:
        """A command of HAProxy's runtime API, and its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(str(self.logs / "haproxy.sock"))
            connection.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        return answer.decode()

    def stat(self, server: str) -> Dict[str, str]:
        """HAProxy's figures for a replica: `status` (UP, DRAIN, DOWN...), `scur` (requests in hand)..."""
        header, *rows = self.admin("show stat").lstrip("# ").splitlines()
        columns = header.split(",")
        for row in rows:
            values = dict(zip(columns, row.split(",")))
            if values.get("pxname") == "rasa" and values.get("svname") == server:
                return values
        raise KeyError(server)

    def restart(self, index: int, timeout: float = 300) -> None:
        """Restarts replica `index` (from 1) as an operator would: HAProxy sends it nothing new, the requests it
        holds are answered, Rasa stops and starts again, and it takes messages again once its model is loaded."""
        server = f"rasa{index}"
        self.admin(f"set server rasa/{server} state drain")
        deadline = time.monotonic() + timeout
        while int(self.stat(server)["scur"] or 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.replicas[index - 1].restart_rasa(timeout=timeout)
        self.admin(f"set server rasa/{server} state ready")
        while not self.stat(server)["status"].startswith("UP") and time.monotonic() < deadline:
            time.sleep(0.2)

    def say(self, sender: str, message: str) -> List[dict]:
        answer = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            headers={"Authorization": f"Bearer {self.rest_token}"},
            timeout=120,
        )
        answer.raise_for_status()
        return answer.json()


def haproxy_config(
    bind: str,
    replicas: Sequence[str],
    admin_socket: Optional[Path] = None,
    receivers: Sequence[str] = (),
    resolver: Optional[str] = None,
) -> str:
    """HAProxy over these replicas; with `receivers`, Meta's webhooks go to those WhatsApp receivers; with
    `resolver` (a DNS server), the servers' names are looked up there, again and again, as containers need."""
    template = Template(HAPROXY_TEMPLATE.read_text(encoding="utf-8"), trim_blocks=True, lstrip_blocks=True)
    return template.render(
        bind=bind, replicas=replicas, admin_socket=admin_socket, receivers=receivers, resolver=resolver
    )


@contextmanager
def cluster(count: int, pin: bool = True, model: Path = MODEL) -> Iterator[Cluster]:
    """`count` replicas behind HAProxy, on a PostgreSQL schema of their own; replica i on core i when pinned."""
    schema = f"seva_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    logs = Path(tempfile.mkdtemp(prefix="seva-scale-"))
    env = production_env(schema, "http://127.0.0.1:9", logs / "media")
    token = secrets.token_urlsafe(16)
    cores = os.cpu_count() or 1
    replicas = [
        Servers(
            model,
            env,
            ROOT / "endpoints.production.yml",
            _folder(logs / f"replica{i + 1}"),
            cpu=i % cores if pin else None,
            rest_token=token,
        )
        for i in range(count)
    ]
    port = free_port()
    balancer: Optional[subprocess.Popen] = None
    try:
        print(f"starting {count} replica(s){' pinned to a core each' if pin else ''} ...", flush=True)
        for replica in replicas:
            replica.start()
        config = logs / "haproxy.cfg"
        config.write_text(
            haproxy_config(f"127.0.0.1:{port}", [r.url.split("//")[1] for r in replicas], logs / "haproxy.sock")
        )
        subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
        with (logs / "haproxy.log").open("w") as log:
            balancer = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
        _wait_for(f"http://127.0.0.1:{port}/")
        yield Cluster(f"http://127.0.0.1:{port}", replicas, token, env["DATABASE_URL"], logs)
    finally:
        if balancer is not None:
            balancer.terminate()
            balancer.wait(timeout=20)
        for replica in replicas:
            replica.stop()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} is not answering after {timeout} s")


class Load(NamedTuple):
    rate: float
    replies: Dict[str, List[List[dict]]]
    # Citizens whose message got no answer but an error (from the load balancer, or no connection).
    errors: List[str] = []


def file_at_once(seva: Cluster, citizens: int, tag: str) -> Load:
    """Every citizen files at the same time through the load balancer; messages per second over all."""

    def citizen(n: int) -> List[List[dict]]:
        return [seva.say(f"{tag}-{n}", message) for message in FILING]

    started = time.perf_counter()
    with ThreadPoolExecutor(citizens) as pool:
        replies = list(pool.map(citizen, range(citizens)))
    elapsed = time.perf_counter() - started
    return Load(citizens * len(FILING) / elapsed, {f"{tag}-{n}": r for n, r in enumerate(replies)})


def file_while(seva: Cluster, workers: int, tag: str, busy: threading.Event) -> Load:
    """Citizens file one after another on `workers` threads, a new one while `busy` is set."""
    numbers = itertools.count()
    replies: Dict[str, List[List[dict]]] = {}
    errors: List[str] = []

    def worker() -> None:
        while busy.is_set():
            sender = f"{tag}-{next(numbers)}"
            try:
                replies[sender] = [seva.say(sender, message) for message in FILING]
            except requests.RequestException as error:
                errors.append(f"{sender}: {error}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(len(replies) * len(FILING) / (time.perf_counter() - started), replies, errors)


def rolling_restart(seva: Cluster, workers: int, tag: str) -> Load:
    """Every replica restarted, one at a time, while citizens file."""
    busy = threading.Event()
    busy.set()
    with ThreadPoolExecutor(1) as pool:
        filing = pool.submit(file_while, seva, workers, tag, busy)
        try:
            for index in range(1, len(seva.replicas) + 1):
                seva.restart(index)
        finally:
            busy.clear()
        return filing.result()


def problems(seva: Cluster, load: Load) -> List[str]:
    """What went wrong under load: a message without an answer, a filing without its number, a complaint filed
    twice or not at all, a citizen's messages kept out of the order they were sent or handled twice."""
    found = list(load.errors)
    tracker = create_engine(POSTGRES_URL)
    grievances = create_engine(seva.database_url)
    try:
        with tracker.connect() as store, grievances.connect() as data:
            for sender, replies in load.replies.items():
                if any(not reply for reply in replies):
                    found.append(f"{sender}: a message got no answer")
                if "PB-PGR-" not in json.dumps(replies[FILING.index("yes")], ensure_ascii=False):
                    found.append(f"{sender}: the filing gave no complaint number")
                filed = data.scalar(
                    select(func.count()).select_from(Complaint).where(Complaint.sender_id == f"rest:{sender}")
                )
                if filed != 1:
                    found.append(f"{sender}: {filed} complaints filed")
                said = [
                    json.loads(row[0]).get("text")
                    for row in store.execute(
                        text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                        {"s": f"rest:{sender}"},
                    )
                ]
                if said != list(FILING):
                    found.append(f"{sender}: the tracker holds {said}")
    finally:
        tracker.dispose()
        grievances.dispose()
    return found


def report(figures: str, found: List[str], fine: str) -> bool:
    """Prints the figures and what went wrong, or `fine`; whether anything did."""
    print(f"{figures}; {fine if not found else 'PROBLEMS:'}")
    for problem in found:
        print(f"  {problem}")
    return bool(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="let the replicas share every core")
    parser.add_argument(
        "--config-for", nargs="+", metavar="HOST:PORT", help="print HAProxy's configuration for these replicas and stop"
    )
    parser.add_argument("--bind", default=":5005", help="where HAProxy listens (with --config-for)")
    parser.add_argument(
        "--receivers", nargs="*", default=[], metavar="HOST:PORT", help="WhatsApp receivers (with --config-for)"
    )
    parser.add_argument("--resolver", metavar="HOST:PORT", help="a DNS server for the names (with --config-for)")
    args = parser.parse_args()
    if args.config_for:
        print(haproxy_config(args.bind, args.config_for, receivers=args.receivers, resolver=args.resolver), end="")
        return 0
    rates: Dict[int, float] = {}
    failed = False
    for count in args.replicas:
        with cluster(count, pin=args.pin) as seva:
            for i, replica in enumerate(seva.replicas):
                # Each replica's first message loads what is loaded lazily.
                replica.say(f"warm-{uuid.uuid4().hex[:6]}-{i}", "hello")
            load = file_at_once(seva, args.citizens, f"scale{count}-{uuid.uuid4().hex[:6]}")
            failed |= report(
                f"{count} replica(s): {load.rate:.1f} messages/s, {args.citizens} citizens filing at once "
                f"({args.citizens * len(FILING)} messages)",
                problems(seva, load),
                "every conversation complete, in order, each complaint filed once",
            )
        rates[count] = load.rate
        if count > 1:
            with cluster(count, pin=args.pin) as seva:
                restarted = rolling_restart(seva, max(2, args.citizens // 4), f"rolling-{uuid.uuid4().hex[:6]}")
                failed |= report(
                    f"rolling restart of {count} replicas, one at a time, while citizens filed: "
                    f"{len(restarted.replies)} citizens, {restarted.rate:.1f} messages/s",
                    problems(seva, restarted),
                    "none lost, none answered twice, each complaint filed once",
                )
    if 1 in rates:
        for count, rate in rates.items():
            if count != 1:
                print(f"{count} replicas / 1: {rate / rates[1]:.2f} times the throughput")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
