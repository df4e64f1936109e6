"""Staff and complaints put straight into a running server's database, for the tests of the staff API and console."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Optional

from sqlalchemy import func, select

from seva.catalogue import load_catalogue
from seva.complaints import Complaints, ComplaintView, Draft
from seva.lifecycle import Lifecycle
from seva.models import Complaint, Notification
from seva.staff import Staff
from seva.storage import Database

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 64 + b"\xff\xd9"


class Seed:
    """Staff and complaints put straight into the server's database, each test with names of its own."""

    def __init__(self, database: Database, media: Path):
        self.db, self.media = database, media
        catalogue = load_catalogue()
        self.staff = Staff(database, catalogue)
        self.complaints = Complaints(database, catalogue)
        self.lifecycle = Lifecycle(database, catalogue)

    def member(self, role: str, city: str) -> tuple:
        """(username, token) of a new staff member."""
        username = f"{role.lower()}-{uuid.uuid4().hex[:8]}"
        self.staff.add(username, f"{role} of {city}", role, city)
        return username, self.staff.issue_token(username)

    def complaint(
        self, city: str, service_code: str = "StreetLightNotWorking", now: Optional[datetime] = None, **draft
    ) -> ComplaintView:
        values = dict(
            description="the streetlight outside my house is dead since a week",
            locality_code="L1",
            locality_name="Model Town",
            latitude=31.326,
            longitude=75.576,
        )
        values.update(draft)
        view, _ = self.complaints.file(
            f"91{uuid.uuid4().int % 10**10:010d}",
            "whatsapp",
            "en",
            Draft(service_code, city, **values),
            uuid.uuid4().hex,
            now=now,
        )
        return view

    def notifications(self, number: str) -> int:
        with self.db.session() as session:
            return session.scalar(
                select(func.count()).select_from(Notification).join(Complaint).where(Complaint.number == number)
            )
