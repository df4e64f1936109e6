"""Filing and tracking against real databases: a SQLite file and the machine's PostgreSQL."""

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from seva.catalogue import load_catalogue
from seva.complaints import PAGE_SIZE, Complaints
from seva.models import Attachment, Complaint, ComplaintEvent
from seva.storage import Database
from tests.helpers import DOWN_DATABASE_URL, a_draft

NUMBER = re.compile(r"^PB-PGR-\d{4}-\d{2}-\d{2}-\d{6}$")


def test_filing_stores_the_complaint_its_history_and_photo(complaints, database):
    view, created = complaints.file("citizen-1", "rest", "en", a_draft(), "citizen-1:draft-1")
    assert created and NUMBER.match(view.number)
    with database.session() as session:
        row = session.scalar(select(Complaint).where(Complaint.number == view.number))
        assert (row.service_code, row.category, row.department) == (
            "StreetLightNotWorking",
            "StreetLights",
            "Street Lights",
        )
        assert (row.tenant_id, row.locality_code, row.status) == ("pb.jalandhar", "JLC373", "PENDINGFORASSIGNMENT")
        assert (row.latitude, row.longitude) == (31.3260, 75.5762)
        events = session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == row.id)).all()
        assert [(e.action, e.from_status, e.to_status, e.actor) for e in events] == [
            ("APPLY", None, "PENDINGFORASSIGNMENT", "citizen:citizen-1")
        ]
        photos = session.scalars(select(Attachment.uri).where(Attachment.complaint_id == row.id)).all()
        assert photos == ["https://example.org/light.jpg"]


def test_the_due_time_follows_the_services_sla(complaints):
    filed_at = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
    view, _ = complaints.file("citizen-1", "rest", "en", a_draft(), "k", now=filed_at)
    assert view.due_at == filed_at + timedelta(hours=336)


def test_numbers_carry_the_filing_date_in_punjab_and_count_up_within_a_day(complaints):
    late_evening_utc = datetime(2026, 11, 2, 20, 0, tzinfo=timezone.utc)  # already 3 November in India
    first, _ = complaints.file("a", "rest", "en", a_draft(), "a:1", now=late_evening_utc)
    second, _ = complaints.file("b", "rest", "en", a_draft(), "b:1", now=late_evening_utc)
    next_day, _ = complaints.file("c", "rest", "en", a_draft(), "c:1", now=late_evening_utc + timedelta(days=1))
    assert [first.number, second.number, next_day.number] == [
        "PB-PGR-2026-11-03-000001",
        "PB-PGR-2026-11-03-000002",
        "PB-PGR-2026-11-04-000001",
    ]


def test_the_same_submission_twice_files_one_complaint(complaints, database):
    first, created_first = complaints.file("citizen-1", "rest", "en", a_draft(), "citizen-1:draft-9")
    again, created_again = complaints.file("citizen-1", "rest", "en", a_draft(), "citizen-1:draft-9")
    assert (created_first, created_again) == (True, False)
    assert again.number == first.number
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_many_citizens_filing_at_once_get_unique_numbers(complaints, database):
    numbers, errors = [], []

    def file(i):
        try:
            view, _ = complaints.file(f"citizen-{i}", "rest", "en", a_draft(), f"citizen-{i}:d")
            numbers.append(view.number)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=file, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 20
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 20


def test_the_same_submission_racing_with_itself_files_once(complaints, database):
    numbers = []
    threads = [
        threading.Thread(
            target=lambda: numbers.append(
                complaints.file("citizen-1", "rest", "en", a_draft(), "citizen-1:double-yes")[0].number
            )
        )
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 8 and len(set(numbers)) == 1
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_a_complaint_is_found_only_by_the_citizen_who_filed_it(complaints):
    view, _ = complaints.file("citizen-1", "rest", "en", a_draft(), "k1")
    assert complaints.find("citizen-1", view.number).number == view.number
    assert complaints.find("citizen-1", view.number.lower()).number == view.number
    assert complaints.find("citizen-2", view.number) is None
    assert complaints.find("citizen-1", "PB-PGR-2020-01-01-999999") is None


def test_my_complaints_lists_open_ones_first_then_recent_closed_ones_in_pages(complaints, database):
    now = datetime.now(timezone.utc)
    for i in range(7):
        complaints.file("citizen-1", "rest", "en", a_draft(), f"open-{i}", now=now - timedelta(hours=20 - i))
    closed, _ = complaints.file("citizen-1", "rest", "en", a_draft(), "closed", now=now - timedelta(days=3))
    old, _ = complaints.file("citizen-1", "rest", "en", a_draft(), "old", now=now - timedelta(days=200))
    complaints.file("citizen-2", "rest", "en", a_draft(), "someone-else")
    with database.session() as session:
        session.execute(
            update(Complaint).where(Complaint.number.in_([closed.number, old.number])).values(status="RESOLVED")
        )
        session.execute(
            update(Complaint).where(Complaint.number == old.number).values(updated_at=now - timedelta(days=199))
        )

    first = complaints.list_for("citizen-1", 0)
    second = complaints.list_for("citizen-1", 1)
    assert first.total == 8 and len(first.items) == PAGE_SIZE and first.has_more
    assert all(c.is_open for c in first.items)
    assert [c.is_open for c in second.items] == [True, True, False]
    assert second.items[-1].number == closed.number and not second.has_more
    newest_first = [c.created_at for c in first.items + second.items[:2]]
    assert newest_first == sorted(newest_first, reverse=True)


def test_a_database_that_is_down_raises_a_database_error_and_keeps_nothing_half_done():
    complaints = Complaints(Database(DOWN_DATABASE_URL), load_catalogue())
    with pytest.raises(SQLAlchemyError):
        complaints.file("citizen-1", "rest", "en", a_draft(), "k")
    with pytest.raises(SQLAlchemyError):
        complaints.list_for("citizen-1")


def test_an_unknown_service_or_town_is_refused(complaints):
    with pytest.raises(KeyError):
        complaints.file("citizen-1", "rest", "en", a_draft(service_code="NoSuchService"), "k")
    with pytest.raises(ValueError):
        complaints.file("citizen-1", "rest", "en", a_draft(tenant_id="pb.atlantis"), "k")


def test_what_no_database_keeps_is_cleaned_and_long_fields_fit_their_columns(complaints):
    draft = a_draft(
        description="light\x00 off \ud800 since monday",
        locality_code=None,
        locality_name="near the old " + "very " * 60 + "big tree",
        landmark="x" * 400,
        photos=["https://example.org/" + "a" * 1500, "https://example.org/ok.jpg"],
    )
    view, filed = complaints.file("citizen-long", "rest", "en", draft, "citizen-long:1")
    assert filed and view.description == "light off \ufffd since monday"
    assert len(view.locality_name) == 200 and len(view.landmark) == 300
    assert view.photos == ("https://example.org/ok.jpg",)
