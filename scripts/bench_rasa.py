"""Seva against bare Rasa (`rasa init`'s bot), started side by side and measured in one run by the same client over
REST, so that the machine's noise falls on both alike:

1. per message, one sender at a time: p50 and p95 (the two bots' conversations interleaved);
2. with many senders at once: messages per second (alternating, twice each);
3. each process's memory (resident set) after the run;
4. Seva's WhatsApp webhook: the time to answer 200 to a signed notification, one at a time (each handled after
   the answer, so that the replica is busy with the earlier ones), through the WhatsApp receiver as deployed and at
   `rasa run`'s own channel.

Seva runs as deployed (scripts.deployment: PostgreSQL tracker store, Redis lock store); bare Rasa twice, as
`rasa init` makes it (in-memory stores; trained once into var/bench/bare, kept for the next run) and on the same
production stores as Seva, which tells what the stores cost apart from what Seva costs.

    make bench          (python -m scripts.bench_rasa [--senders 20] [--conversations 10] [--rounds 2])
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List, Optional

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_whatsapp import post  # noqa: E402
from scripts.deployment import deployed, percentile  # noqa: E402
from tests import whatsapp_payloads as wa  # noqa: E402
from tests.graph_api import StandInGraphApi  # noqa: E402
from tests.helpers import MODEL  # noqa: E402
from tests.servers import BIN, ReceiverServer, free_port  # noqa: E402

BARE_DIR = ROOT / "var" / "bench" / "bare"
# A citizen files one complaint and asks after it: what, where and which town in one message, no photo, no pin.
FILING = (
    "hello",
    "the streetlight outside my house is not working since 3 days, Model Town Jalandhar",
    "skip",
    "skip",
    "yes",
    "what is the status of my complaint",
)
# Then thanks Seva and leaves; bare Rasa reads the same words with its own intents.
CONVERSATION = FILING + ("thank you", "bye")
STORED = "bare Rasa, Seva's stores"
# The targets of the issue: Seva's p50 against bare Rasa's, its throughput against bare Rasa's, the webhook's p95.
P50_AT_MOST, THROUGHPUT_AT_LEAST, WEBHOOK_P95_MS = 1.3, 0.8, 50


class BareRasa:
    """`rasa init`'s bot under `rasa run`, its REST channel open; with `env`, on Seva's production stores
    (PostgreSQL tracker store, Redis lock store) instead of Rasa's in-memory ones."""

    def __init__(self, logs: Path, name: str, env: Optional[Dict[str, str]] = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs, self.name, self.env = logs, name, env
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 300) -> BareRasa:
        if not list((BARE_DIR / "models").glob("*.tar.gz")):
            print("rasa init (trains its bot once, into var/bench/bare) ...", flush=True)
            BARE_DIR.mkdir(parents=True, exist_ok=True)
            with (self.logs / "rasa-init.log").open("w") as log:
                subprocess.run(
                    [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(BARE_DIR)],
                    cwd=BARE_DIR,
                    check=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
                )
        command = [str(BIN / "rasa"), "run", "--enable-api", "--port", str(self.port), "--model", "models"]
        if self.env is not None:
            endpoints = yaml.safe_load((ROOT / "endpoints.production.yml").read_text(encoding="utf-8"))
            del endpoints["action_endpoint"]
            endpoints["lock_store"]["key_prefix"] = "bare"
            written = self.logs / f"{self.name}-endpoints.yml"
            written.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
            command += ["--endpoints", str(written)]
        with (self.logs / f"{self.name}.log").open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BARE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(self.env or {}), "TF_CPP_MIN_LOG_LEVEL": "2"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bare Rasa exited; see {self.logs / (self.name + '.log')}")
            try:
                if requests.get(f"{self.url}/status", timeout=2).json().get("model_file"):
                    return self
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        raise RuntimeError(f"bare Rasa is not up after {timeout} s")

    def say(self, sender: str, text: str) -> List[dict]:
        answer = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)


def conversation(say: Callable[[str, str], list], sender: str) -> List[float]:
    """Each message's time to its answer, in seconds."""
    times = []
    for text in CONVERSATION:
        started = time.perf_counter()
        say(sender, text)
        times.append(time.perf_counter() - started)
    return times


def throughput(say: Callable[[str, str], list], senders: int, tag: str) -> float:
    """Messages per second with `senders` citizens writing at once, each a whole conversation."""
    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        done = list(pool.map(lambda n: len(conversation(say, f"{tag}-{n}")), range(senders)))
    return sum(done) / (time.perf_counter() - started)


def webhook_answers(url: str, count: int, numbers: str, graph: StandInGraphApi) -> List[float]:
    """How long the webhook takes to answer each of `count` notifications sent one after another; then waits until
    the replies stop coming, so that the next measurement starts with an idle replica."""
    times = []
    for i in range(count):
        status, seconds = post(url, wa.envelope([wa.text(f"{numbers}{i % 50:04d}", "thank you")]))
        assert status == 200, status
        times.append(seconds)
    seen = -1
    while len(graph.sent) != seen:
        seen = len(graph.sent)
        time.sleep(3)
    return times


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=10, help="one sender's conversations, per bot")
    parser.add_argument("--rounds", type=int, default=2, help="throughput runs, per bot")
    parser.add_argument("--webhooks", type=int, default=200)
    parser.add_argument("--model", type=Path, default=MODEL, help="Seva's model (the one served by default)")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    digits = f"{int(run, 16) % 10**6:06d}"

    with deployed(model=args.model) as deployment:
        bare = BareRasa(deployment.logs, "bare-rasa").start()
        stored = BareRasa(deployment.logs, "bare-rasa-stores", deployment.env).start()
        try:
            seva, graph = deployment.servers, deployment.graph
            bots: Dict[str, Callable[[str, str], list]] = {
                "bare Rasa": bare.say,
                STORED: stored.say,
                "Seva": seva.say,
            }
            for name, say in bots.items():
                conversation(say, f"warm-{name[0]}-{run}")

            single: Dict[str, List[float]] = {name: [] for name in bots}
            for i in range(args.conversations):
                for name, say in bots.items():
                    single[name] += conversation(say, f"one-{name[0]}-{run}-{i}")
            rates: Dict[str, List[float]] = {name: [] for name in bots}
            for r in range(args.rounds):
                for name, say in bots.items():
                    rates[name].append(throughput(say, args.senders, f"many-{name[0]}-{run}-{r}"))

            receiver = ReceiverServer(deployment.env, seva.url, deployment.logs / "receiver.log").start()
            acks = {
                "through the receiver": webhook_answers(receiver.webhook_url, args.webhooks, f"9193{digits}", graph),
                "at rasa run's channel": webhook_answers(
                    f"{seva.url}/webhooks/whatsapp/webhook", args.webhooks, f"9194{digits}", graph
                ),
            }

            assert bare.process is not None
            memory = {"bare Rasa: rasa run": resident_mb(bare.process.pid)}
            for process, role in zip(seva.processes, ("action server", "rasa run")):
                memory[f"Seva: {role}"] = resident_mb(process.pid)
            assert receiver.process is not None
            memory["Seva: WhatsApp receiver"] = resident_mb(receiver.process.pid)
            receiver.stop()
        finally:
            bare.stop()
            stored.stop()

    print(f"\none sender, {args.conversations} conversations of {len(CONVERSATION)} messages per bot:")
    for name, times in single.items():
        print(f"  {name:24} p50 {ms(percentile(times, 50))}, p95 {ms(percentile(times, 95))}")
    for baseline in ("bare Rasa", STORED):
        ratio = percentile(single["Seva"], 50) / percentile(single[baseline], 50)
        print(f"  Seva / {baseline}, p50: {ratio:.2f} (target at most {P50_AT_MOST})")
    print(f"\n{args.senders} senders at once, {args.rounds} runs per bot:")
    for name, measured in rates.items():
        print(f"  {name:24} " + ", ".join(f"{rate:.1f}" for rate in measured) + " messages/s")
    for baseline in ("bare Rasa", STORED):
        ratio = sum(rates["Seva"]) / sum(rates[baseline])
        print(f"  Seva / {baseline}, throughput: {ratio:.2f} (target at least {THROUGHPUT_AT_LEAST})")
    print(f"\nSeva's WhatsApp webhook answers 200 ({args.webhooks} notifications, one at a time):")
    for where, times in acks.items():
        print(f"  {where:24} p50 {ms(percentile(times, 50))}, p95 {ms(percentile(times, 95))}")
    print(f"  (target p95 under {WEBHOOK_P95_MS} ms)")
    print("\nmemory after the run (resident):")
    for role, mb in memory.items():
        print(f"  {role:26} {mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
