"""What the WhatsApp channel remembers across restarts and replicas: message ids seen, numbered choices sent."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from actions.db import Database, NumberedChoice, SeenMessage, aware, utcnow

# Meta retries an unanswered webhook for days; a week covers it.
SEEN_TTL = timedelta(days=7)
CHOICE_TTL = timedelta(days=1)


class ChannelStore:
    def __init__(self, database: Database):
        self.db = database

    def first_time(self, message_id: str, sender_id: str) -> bool:
        """Records the message id; False if it was seen before (a redelivery)."""
        try:
            with self.db.session() as session:
                session.add(SeenMessage(message_id=message_id, sender_id=sender_id))
            return True
        except IntegrityError:
            return False

    def last_message_at(self, sender_id: str) -> Optional[datetime]:
        """When the citizen last wrote (within the week message ids are kept): WhatsApp's 24-hour window."""
        with self.db.session() as session:
            latest = session.scalar(select(func.max(SeenMessage.received_at)).where(SeenMessage.sender_id == sender_id))
            return aware(latest) if latest else None

    def forget_old(self) -> None:
        with self.db.session() as session:
            session.execute(delete(SeenMessage).where(SeenMessage.received_at < utcnow() - SEEN_TTL))
            session.execute(delete(NumberedChoice).where(NumberedChoice.sent_at < utcnow() - CHOICE_TTL))

    def remember_choices(self, recipient: str, payloads: List[str]) -> None:
        with self.db.session() as session:
            choice = session.get(NumberedChoice, recipient)
            if choice is None:
                session.add(NumberedChoice(recipient=recipient, payloads=json.dumps(payloads)))
            else:
                choice.payloads = json.dumps(payloads)
                choice.sent_at = utcnow()

    def forget_choices(self, recipient: str) -> None:
        """A newer question went out: a number typed now does not answer the old one."""
        with self.db.session() as session:
            session.execute(delete(NumberedChoice).where(NumberedChoice.recipient == recipient))

    def chosen(self, recipient: str, text: str) -> Optional[str]:
        """The payload a reply like "2" picks from the last numbered options, if it is one."""
        number = text.strip().rstrip(".")
        if not number.isdigit():
            return None
        with self.db.session() as session:
            choice = session.get(NumberedChoice, recipient)
            if choice is None or aware(choice.sent_at) < utcnow() - CHOICE_TTL:
                return None
            payloads = json.loads(choice.payloads)
            index = int(number) - 1
            return payloads[index] if 0 <= index < len(payloads) else None

