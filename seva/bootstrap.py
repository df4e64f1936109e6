"""The composition root: the domain's services, built once per process from its settings.

Each process (the action server, Rasa with the WhatsApp channel, the staff API, the notification worker, the admin
command line) calls `services()` once and hands what it needs to its adapters; tests call `build` with settings of
their own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from seva.catalogue import Catalogue, load_catalogue
from seva.citizens import Citizens
from seva.complaints import Complaints
from seva.dashboard import Statistics
from seva.duplicates import DuplicateRules, load_duplicate_rules
from seva.erasure import Erasure
from seva.escalation import Escalation
from seva.handovers import Handovers
from seva.lifecycle import Lifecycle
from seva.outbox import Outbox
from seva.reminders import FilingReminders
from seva.responses import ResponseTemplates, load_responses
from seva.review_log import ReviewLog
from seva.settings import Settings
from seva.staff import SessionPolicy, Staff
from seva.storage import Database
from seva.throttle import Throttle


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    catalogue: Catalogue
    responses: ResponseTemplates
    duplicates: DuplicateRules
    complaints: Complaints
    lifecycle: Lifecycle
    citizens: Citizens
    staff: Staff
    statistics: Statistics
    outbox: Outbox
    escalation: Escalation
    reminders: FilingReminders
    throttle: Throttle
    erasure: Erasure
    handovers: Handovers
    review_log: ReviewLog

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings) -> Services:
    database = Database(settings.database_url)
    catalogue = load_catalogue()
    responses = load_responses()
    return Services(
        settings=settings,
        database=database,
        catalogue=catalogue,
        responses=responses,
        duplicates=load_duplicate_rules(),
        complaints=Complaints(database, catalogue),
        lifecycle=Lifecycle(database, catalogue, responses),
        citizens=Citizens(database),
        staff=Staff(
            database,
            catalogue,
            token_days=settings.staff_token_days,
            sessions=SessionPolicy(
                idle=timedelta(minutes=settings.console_idle_minutes),
                longest=timedelta(hours=settings.console_session_hours),
                attempts=settings.console_sign_in_attempts,
                lockout=timedelta(minutes=settings.console_lockout_minutes),
            ),
        ),
        statistics=Statistics(database, catalogue),
        outbox=Outbox(database),
        escalation=Escalation(database, catalogue),
        reminders=FilingReminders(database, timedelta(minutes=settings.filing_reminder_minutes)),
        throttle=Throttle(settings.citizen_messages_per_minute),
        erasure=Erasure(database, settings.media_dir),
        handovers=Handovers(database, timedelta(minutes=settings.handover_timeout_minutes)),
        review_log=ReviewLog(database),
    )


_process: Optional[Services] = None
_lock = threading.Lock()


def services() -> Services:
    """This process's services, built from the environment on first use."""
    global _process
    with _lock:
        if _process is None:
            _process = build(Settings.from_env())
        return _process
