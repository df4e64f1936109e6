"""Where Seva's time goes: `rasa run` and the action server, as deployed, each under pyinstrument while many
citizens write at once (the conversation of scripts.bench_rasa). Prints the heaviest calls of each process and
writes the whole profiles as HTML under results/profile/.

    make profile        (python -m scripts.profile_seva [--senders 20] [--rounds 3])
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_rasa import conversation, throughput  # noqa: E402
from scripts.deployment import deployed  # noqa: E402
from tests.servers import BIN  # noqa: E402

OUT = ROOT / "results" / "profile"


def render(session: Path, renderer: str, *options: str) -> str:
    command = [str(BIN / "python"), "-m", "pyinstrument", "--load", str(session), "-r", renderer, *options]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex[:6]
    with deployed(profile_dir=OUT) as deployment:
        seva = deployment.servers
        conversation(seva.say, f"warm-{run}")
        for r in range(args.rounds):
            rate = throughput(seva.say, args.senders, f"profile-{run}-{r}")
            print(f"round {r + 1}: {rate:.1f} messages/s (profiled, so slower than `make bench`)", flush=True)
    for name in ("rasa", "actions"):
        session = OUT / f"{name}.pyisession"
        (OUT / f"{name}.html").write_text(render(session, "html"), encoding="utf-8")
        print(f"\n=== {name} (whole profile: {OUT / (name + '.html')}) ===")
        print(render(session, "text", "-p", "processor_options.filter_threshold=0.02", "-p", "unicode=false"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
