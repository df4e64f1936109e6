"""How many messages a citizen sends to file a complaint, per language cell, against a running Seva (`make serve`,
REST channel): one citizen per cell whose first message says what and where, and one who says nothing up front.
The citizen taps what Seva offers (Skip, Yes, the first of several places) and types only what is asked.

    python -m scripts.effort --url http://localhost:5005

Use a database without complaints of these places (DATABASE_URL=sqlite:///var/effort.db make serve), or Seva may
rightly ask whether the problem is one already reported, which costs a message more.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from typing import Dict, List, Tuple

import requests

NUMBER = re.compile(r"PB-PGR-\d{4}-\d{2}-\d{2}-\d{6}")
# The first message of each cell says what and where.
TOLD_UP_FRONT = {
    "en": "the streetlight outside my house is dead since a week, Putlighar Amritsar",
    "hi": "पुतलीघर, अमृतसर में सीवर जाम है, गंदा पानी गली में भर गया है",
    "hi-latn": "Baltana Zirakpur me gali ki street light 4 din se kharab hai",
    "pa": "ਰਣਜੀਤ ਐਵੀਨਿਊ, ਅੰਮ੍ਰਿਤਸਰ ਵਿੱਚ ਸਟਰੀਟ ਲਾਈਟ ਇੱਕ ਹਫ਼ਤੇ ਤੋਂ ਬੰਦ ਹੈ",
    "pa-latn": "Dhakoli Zirakpur vich kooda 5 din ton nahi chukkeya, badbu aa rahi aa",
}
# What a citizen who said nothing up front types when asked, as the questions invite: the problem in their words,
# then the place with its town.
TYPED = {"problem": "the light on our pole is off for a week", "place": "Model Town, Hoshiarpur"}
MAX_MESSAGES = 12


def say(url: str, sender: str, text: str) -> List[Dict]:
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def answer(replies: List[Dict]) -> str:
    """What the citizen sends next: a tap on what Seva offers, or the typed answer to its question."""
    payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
    for wanted in ("/affirm", "/skip", "locality_code", "complaint_type", "/file_new_complaint"):
        chosen = next((p for p in payloads if wanted in p), None)
        if chosen:
            return chosen
    asked = " ".join(r.get("text") or "" for r in replies).lower()
    return TYPED["place"] if "where" in asked or "locality" in asked else TYPED["problem"]


def file(url: str, first: str) -> Tuple[int, str]:
    """(messages the citizen sent until a complaint number came, the number or why not)."""
    sender = f"effort-{uuid.uuid4().hex[:8]}"
    text = first
    for sent in range(1, MAX_MESSAGES + 1):
        replies = say(url, sender, text)
        # "Is it the same problem?" names another complaint's number: not the one filed.
        asked_same = any(b["payload"] == "/file_new_complaint" for r in replies for b in r.get("buttons") or [])
        found = NUMBER.search(" ".join(r.get("text") or "" for r in replies))
        if found and not asked_same:
            return sent, found.group(0)
        text = answer(replies)
    return MAX_MESSAGES, "no complaint number"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:5005")
    args = parser.parse_args()
    print(f"{'cell':<9}{'told up front':>15}  number")
    for cell, first in TOLD_UP_FRONT.items():
        sent, number = file(args.url, first)
        print(f"{cell:<9}{sent:>15}  {number}")
    sent, number = file(args.url, "I want to file a complaint")
    print(f"{'nothing said up front (en)':<26}{sent:>2}  {number}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
