"""`make review`: the messages of real conversations that Seva was unsure of or got wrong (seva.review), for a trainer
to accept as Seva read them (or as the citizen told), relabel, or discard.

    python -m trainer.review [--endpoints FILE] [--since DATE] [--as NAME]

Conversations are read from the tracker store of the endpoints file (ENDPOINTS, else endpoints.yml); decisions
are kept in Seva's database (DATABASE_URL), so a message decided once does not come back. Accepted and relabelled
messages go into the training data of their cell (data/nlu/<cell>.yml); `make train` then learns them. Without a
terminal (standard input not a TTY) the inbox is printed as a table and nothing is asked.
Exit codes: 0 done; 1 the conversations or the database could not be read; 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import List, Optional, Sequence, TextIO, Tuple

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from seva.bootstrap import Services, build
from seva.review import Entry
from seva.settings import Settings
from trainer import inbox
from trainer.conversations import NotKept
from trainer.training_data import Refused, cells, intents

HEADER = ("#", "cell", "seen", "chats", "why", "read", "suggested", "message")
NONE = "-"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make review", description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=Path, help="the endpoints file whose tracker store to read (ENDPOINTS)")
    parser.add_argument("--since", type=inbox.since, help="only conversations from this day or time on (ISO 8601)")
    parser.add_argument("--data", type=Path, help="the folder of the cells' training data (TRAINING_DATA_DIR)")
    parser.add_argument("--as", dest="trainer", default=getpass.getuser(), help="who decides (you)")
    return parser


def _read(entry: Entry) -> str:
    intent, complaint_type = entry.guess
    return f"{intent or NONE} / {complaint_type or NONE}"


def _suggested(entry: Entry) -> str:
    intent, complaint_type, cell = entry.suggestion
    return f"{intent or NONE} / {complaint_type or NONE}" + (f" in {cell}" if cell != entry.cell else "")


def print_table(entries: List[Entry], out: TextIO) -> None:
    rows = [
        (str(i), e.cell, str(e.count), str(e.conversations), ",".join(e.reasons), _read(e), _suggested(e), e.text)
        for i, e in enumerate(entries, 1)
    ]
    widths = [max(len(row[c]) for row in [HEADER, *rows]) for c in range(len(HEADER) - 1)]
    for row in [HEADER, *rows]:
        out.write("  ".join(value.ljust(width) for value, width in zip(row, widths)) + "  " + row[-1] + "\n")


class Session:
    """One trainer going through the inbox at the terminal."""

    def __init__(self, services: Services, args, stdin: TextIO, out: TextIO):
        self.services, self.args, self.stdin, self.out = services, args, stdin, out
        self.intents = set(intents())
        self.cells = cells(args.data)

    def ask(self, question: str) -> Optional[str]:
        self.out.write(question)
        self.out.flush()
        line = self.stdin.readline()
        return None if not line else line.strip()

    def run(self, entries: List[Entry]) -> None:
        for number, entry in enumerate(entries, 1):
            self.out.write(
                f"\n[{number}/{len(entries)}] {entry.cell}, seen {entry.count} times in {entry.conversations} "
                f"conversations ({', '.join(entry.reasons)})\n  {entry.text}\n"
                f"  Seva read: {_read(entry)}    suggested: {_suggested(entry)}\n"
            )
            if not self.decide(entry):
                return

    def decide(self, entry: Entry) -> bool:
        """False when the trainer quits."""
        while True:
            answer = self.ask("  [a]ccept the suggestion, [r]elabel, [d]iscard, [s]kip, [q]uit? ")
            if answer is None or answer.lower() == "q":
                return False
            choice = answer.lower()[:1]
            if choice == "s":
                return True
            if choice == "d":
                inbox.decide(self.services.review_log, entry, inbox.DISCARDED, self.args.trainer, self.args.data)
                return True
            if choice in ("a", "r"):
                label = entry.suggestion if choice == "a" else self.relabel(entry)
                if label is None:
                    return False
                if self.learn(entry, *label, decision=inbox.ACCEPTED if choice == "a" else inbox.RELABELLED):
                    return True
                continue
            self.out.write("  Type a, r, d, s or q.\n")

    def relabel(self, entry: Entry) -> Optional[Tuple[Optional[str], Optional[str], str]]:
        intent, complaint_type, cell = entry.suggestion
        catalogue = self.services.catalogue.services
        intent = self.pick(f"  intent [{intent}]: ", intent, lambda v: v in self.intents, "an intent of domain.yml")
        if intent is None:
            return None
        complaint_type = self.pick(
            f"  complaint type [{complaint_type or NONE}] ({NONE} for none): ",
            complaint_type or NONE,
            lambda v: v == NONE or v in catalogue,
            "a service code of the catalogue",
        )
        if complaint_type is None:
            return None
        cells = ", ".join(self.cells)
        picked_cell = self.pick(f"  cell [{cell}]: ", cell, lambda v: v in self.cells, f"one of {cells}")
        if picked_cell is None:
            return None
        return intent, None if complaint_type == NONE else complaint_type, picked_cell

    def pick(self, question: str, default: Optional[str], valid, what: str) -> Optional[str]:
        while True:
            answer = self.ask(question)
            if answer is None:
                return None
            value = answer or default
            if value and valid(value):
                return value
            self.out.write(f"  That is not {what}.\n")

    def learn(self, entry: Entry, intent: Optional[str], complaint_type: Optional[str], cell: str, decision) -> bool:
        if not intent or intent not in self.intents:
            self.out.write("  Seva read no intent there: relabel it.\n")
            return False
        try:
            line = inbox.decide(
                self.services.review_log,
                entry,
                decision,
                self.args.trainer,
                self.args.data,
                intent,
                complaint_type,
                cell,
            )
        except Refused as refusal:
            self.out.write(f"  Not added: {refusal}. Discard or skip it.\n")
            return False
        self.out.write(f"  Added to {cell}.yml under {intent}: {line}\n")
        return True


def main(
    argv: Optional[Sequence[str]] = None,
    services: Optional[Services] = None,
    stdin: Optional[TextIO] = None,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:
        return int(exit.code or 0)
    own = services is None
    services = services or build(Settings.from_env())
    try:
        args.data = args.data or services.settings.training_data_dir
        url, entries = inbox.read(services.review_log, args.endpoints or services.settings.endpoints, args.since)
        stdout.write(f"Review inbox: {len(entries)} messages, from the conversations in {_shown(url)}\n")
        if stdin.isatty():
            Session(services, args, stdin, stdout).run(entries)
        else:
            print_table(entries, stdout)
        return 0
    except NotKept as error:
        stderr.write(f"no conversations to review: {error}\n")
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        stderr.write(f"cannot read the conversations or the decisions: {reason}\n")
    finally:
        if own:
            services.close()
    return 1


def _shown(url: str) -> str:
    """The URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
