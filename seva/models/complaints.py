"""Complaints, their history, their photos and the daily counter their numbers come from."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from seva.limits import MAX_LANDMARK, MAX_PHOTO_LINK, MAX_PLACE
from seva.storage import Base, utcnow
from seva.workflow import REJECT, REOPEN, RESOLVE, Actor


class Complaint(Base):
    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True)
    number = Column(String(32), nullable=False, unique=True)
    # The same filled-in form always carries the same key, so a retried submission finds its complaint.
    submission_key = Column(String(200), nullable=False, unique=True)
    sender_id = Column(String(200), nullable=False, index=True)
    channel = Column(String(50), nullable=False)
    language = Column(String(5), nullable=False)
    service_code = Column(String(64), nullable=False)
    category = Column(String(64), nullable=False)
    department = Column(String(64), nullable=False)
    tenant_id = Column(String(64), nullable=False, index=True)
    locality_code = Column(String(32))
    locality_name = Column(String(MAX_PLACE))
    landmark = Column(String(MAX_LANDMARK))
    description = Column(Text, nullable=False)
    latitude = Column(Float)
    longitude = Column(Float)
    status = Column(String(32), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    due_at = Column(DateTime(timezone=True), nullable=False)
    # When the status last changed: a resolved or rejected complaint can be reopened for 10 days after that.
    status_changed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # The field employee's deadline while the complaint waits at them (the workflow gives them 3 days).
    stage_due_at = Column(DateTime(timezone=True))
    assigned_to = Column(String(100), index=True)
    rating = Column(Integer)
    # What the dashboard reckons with, kept as the history grows: the first resolution, and how often the
    # complaint was decided (resolved or rejected) and reopened.
    first_resolved_at = Column(DateTime(timezone=True))
    decisions = Column(Integer, nullable=False, default=0)
    reopens = Column(Integer, nullable=False, default=0)
    # How far up its escalation ladder an overdue complaint has gone (0: not escalated), and when it last went up.
    escalation_level = Column(Integer, nullable=False, default=0)
    escalated_at = Column(DateTime(timezone=True))
    # The complaint this one was merged into (the same problem, reported before): its citizen follows that one.
    merged_into = Column(String(32))

    events = relationship("ComplaintEvent", order_by="ComplaintEvent.id", back_populates="complaint")
    attachments = relationship("Attachment", order_by="Attachment.id", back_populates="complaint")
    followers = relationship(
        "ComplaintFollower", order_by="ComplaintFollower.created_at", back_populates="complaint", lazy="selectin"
    )

    def record(
        self,
        action: str,
        before: Optional[str],
        actor: Actor,
        comment: Optional[str],
        changes: Dict[str, Any],
        template: Optional[str] = None,
        level: Optional[int] = None,
    ) -> "ComplaintEvent":
        """Applies the workflow's changes and writes the history entry that tells of them."""
        for name, value in changes.items():
            setattr(self, name, value)
        if action == RESOLVE and self.first_resolved_at is None:
            self.first_resolved_at = changes["updated_at"]
        self.decisions = (self.decisions or 0) + (action in (RESOLVE, REJECT))
        self.reopens = (self.reopens or 0) + (action == REOPEN)
        event = ComplaintEvent(
            action=action,
            from_status=before,
            to_status=self.status,
            actor=actor.label,
            role=actor.role,
            comment=comment,
            template=template,
            level=level,
            created_at=changes["updated_at"],
        )
        self.events.append(event)
        return event


    def add_followers(self, citizens: List[Tuple[str, str]], now: datetime) -> None:
        """These citizens (sender id, channel) follow the complaint, unless it is theirs or they already do."""
        present = {self.sender_id} | {f.sender_id for f in self.followers}
        for sender_id, channel in citizens:
            if sender_id not in present:
                self.followers.append(ComplaintFollower(sender_id=sender_id, channel=channel, created_at=now))
                present.add(sender_id)


class ComplaintEvent(Base):
    """One step of a complaint's history: who did what, when, with which comment."""

    __tablename__ = "complaint_events"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    action = Column(String(32), nullable=False)
    from_status = Column(String(32))
    to_status = Column(String(32), nullable=False)
    actor = Column(String(200), nullable=False)
    role = Column(String(16), nullable=False)
    comment = Column(Text)
    # The response template staff chose (seva.responses): the citizen hears it in their own language.
    template = Column(String(64))
    # The escalation level an ESCALATE entry reached.
    level = Column(Integer)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    complaint = relationship("Complaint", back_populates="events")


class Attachment(Base):
    __tablename__ = "attachments"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    uri = Column(String(MAX_PHOTO_LINK), nullable=False)
    mime_type = Column(String(100))
    sha256 = Column(String(64))
    # The history entry the photo came with (a proof of fix with its resolution); None for the citizen's own.
    event_id = Column(Integer, ForeignKey("complaint_events.id", ondelete="SET NULL", name="fk_attachments_event_id"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    complaint = relationship("Complaint", back_populates="attachments")
    event = relationship("ComplaintEvent")

    @classmethod
    def photo(
        cls, uri: str, at: datetime, mime_type: Optional[str] = None, sha256: Optional[str] = None
    ) -> "Attachment":
        return cls(kind="photo", uri=uri, mime_type=mime_type, sha256=sha256, created_at=at)


# The queue sorts a city's complaints by due date.
Index("ix_complaints_tenant_due", Complaint.tenant_id, Complaint.due_at)


class ComplaintFollower(Base):
    """A citizen who follows a complaint of someone else's (the same problem): they hear of every change to it."""

    __tablename__ = "complaint_followers"

    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True)
    sender_id = Column(String(200), primary_key=True)
    channel = Column(String(50), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    complaint = relationship("Complaint", back_populates="followers")


Index("ix_complaint_followers_sender_id", ComplaintFollower.sender_id)


class DailySequence(Base):
    """The last complaint number handed out on a filing date."""

    __tablename__ = "complaint_sequences"

    day = Column(Date, primary_key=True)
    last = Column(Integer, nullable=False)
