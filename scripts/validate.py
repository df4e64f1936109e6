"""`rasa data validate --fail-on-warnings`, except for one warning Rasa cannot avoid here.

Rasa warns about every response that no story or rule utters, but Seva's custom actions utter most of
its responses; and about intents without examples, but the WhatsApp channel and the notification worker send
intents that nobody types, and some buttons of Seva's responses are their only way in. Such warnings are accepted
only for a response the action code names and an intent a channel, the worker or a button sends; every other
warning, and every error, fails the check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
NO_EXAMPLES = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data")
UNUSED_INTENT = re.compile(r"The intent '(\w+)' is not used in any story or rule")
WARNING = re.compile(r"UserWarning: (.*)")


def responses_named_in_code() -> set:
    names = set()
    for path in (ROOT / "actions").glob("*.py"):
        names.update(re.findall(r"\"(utter_\w+)\"", path.read_text(encoding="utf-8")))
    return names


def response_families_named_in_code() -> tuple:
    """Prefixes of responses the action code names with a part from data (f"utter_where_to_go_{kind}")."""
    prefixes = set()
    for path in (ROOT / "actions").glob("*.py"):
        prefixes.update(re.findall(r"f\"(utter_\w+)\{", path.read_text(encoding="utf-8")))
    return tuple(prefixes)


def intents_sent_by_code() -> set:
    """Intents our channels send as payloads ("/unsupported_message") and the worker triggers: nobody types them."""
    names = set()
    for path in (ROOT / "connectors").rglob("*.py"):
        names.update(re.findall(r"\"/(\w+)\"", path.read_text(encoding="utf-8")))
    for path in (ROOT / "notifier").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        triggered = r"^(?:UPDATE|REMINDER|HANDED_BACK|ERASED)_INTENT = \"(\w+)\""
        names.update(re.findall(triggered, text, flags=re.MULTILINE))
    # Buttons of the domain's responses whose payload is the intent itself.
    names.update(re.findall(r"payload: \"/(\w+)\"", (ROOT / "domain.yml").read_text(encoding="utf-8")))
    return names


def intents_filling_slots() -> set:
    """Intents a form's slot mapping reads (the notice's "I agree" button): a form's answer, not a rule's."""
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    names: set = set()
    for listed in re.findall(r"^ +intent: \[([\w, ]+)\]", domain, flags=re.MULTILINE):
        names.update(name.strip() for name in listed.split(","))
    names.update(re.findall(r"^ +intent: (\w+)$", domain, flags=re.MULTILINE))
    return names


def form_questions() -> set:
    """`utter_ask_<slot>` responses, which Rasa's forms utter themselves."""
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    return set(re.findall(r"^  (utter_ask_\w+):", domain, flags=re.MULTILINE))


def main() -> int:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    allowed = responses_named_in_code() | form_questions()
    families = response_families_named_in_code()
    problems = []
    for line in output.splitlines():
        warning = WARNING.search(line)
        if not warning:
            continue
        unused = UNUSED.search(line)
        if unused and (unused.group(1) in allowed or unused.group(1).startswith(families)):
            continue
        unused_intent = UNUSED_INTENT.search(line)
        if unused_intent and unused_intent.group(1) in intents_filling_slots():
            continue
        no_examples = NO_EXAMPLES.search(line)
        if no_examples and no_examples.group(1) in intents_sent_by_code():
            continue
        problems.append(warning.group(1))
    for problem in problems:
        print(f"warning: {problem}")
    if result.returncode != 0:
        print(output)
        print("rasa data validate failed")
        return 1
    if problems:
        print(f"rasa data validate: {len(problems)} warning(s)")
        return 1
    print("rasa data validate: clean (responses uttered by custom actions are used there)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
