"""Acting on a complaint: the workflow's decision applied in one transaction, with its history entry and the
notification to the citizen, so that a change is never recorded without the message that tells of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from seva.catalogue import Catalogue
from seva.complaints import ComplaintView, select_complaints, view_of
from seva.models import Attachment, Complaint, Notification, StaffUser
from seva.numbering import canonical_number
from seva.responses import ResponseTemplates, load_responses
from seva.storage import Database, aware, utcnow
from seva.text import clean_text
from seva.workflow import ASSIGN, CITIZEN, LME, MERGE, OPEN_STATUSES, Actor, Refused, decide, effects

MAX_COMMENT = 2000


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Photo:
    uri: str
    mime_type: Optional[str] = None
    sha256: Optional[str] = None


@dataclass(frozen=True)
class _Standing:
    """A stored complaint as the workflow reads it, with its times made timezone-aware."""

    status: str
    status_changed_at: datetime
    tenant_id: str
    assigned_to: Optional[str]


class Lifecycle:
    def __init__(self, database: Database, catalogue: Catalogue, responses: Optional[ResponseTemplates] = None):
        self.db = database
        self.catalogue = catalogue
        self.responses = responses or load_responses()

    def act(
        self,
        number: str,
        action: str,
        actor: Actor,
        comment: Optional[str] = None,
        assignee: Optional[str] = None,
        rating: Optional[int] = None,
        photo: Optional[Photo] = None,
        template: Optional[str] = None,
        into: Optional[str] = None,
        now: Optional[datetime] = None,
    ) -> ComplaintView:
        """Takes the action or raises Refused (nothing changed) or NotFound. A response template (its code) says
        what was done in the citizen's language, instead of or before the comment. MERGE closes the complaint into
        the one numbered `into`, which its citizen and followers follow from then on."""
        now = now or utcnow()
        comment = clean_text(comment or "", MAX_COMMENT).strip() or None
        if template is not None and not self.responses.fits(template, action):
            raise Refused("template", f"{template!r} is not a response template for {action}.")
        with self.db.session() as session:
            complaint = session.scalar(
                select_complaints()
                .where(Complaint.number == (canonical_number(number) or ""))
                .with_for_update(of=Complaint)
            )
            if complaint is None or (actor.role == CITIZEN and complaint.sender_id != actor.name):
                # A citizen learns nothing of other people's complaints, not even that they exist.
                raise NotFound(number)
            standing = _Standing(
                complaint.status, aware(complaint.status_changed_at), complaint.tenant_id, complaint.assigned_to
            )
            # A template says why as well as a comment does.
            chosen = self.responses.get(template)
            said = comment or (chosen.text("en") if chosen else None)
            target = decide(action, actor, standing, now, comment=said, rating=rating, with_photo=photo is not None)
            employee = self._field_employee(session, assignee, complaint.tenant_id) if action == ASSIGN else None
            kept = self._kept(session, complaint, into) if action == MERGE else None
            sla = self.catalogue.services[complaint.service_code].sla
            changes = effects(action, target, now, sla, rating=rating, assignee=employee)
            if kept is not None:
                changes["merged_into"] = kept.number
            event = complaint.record(action, standing.status, actor, comment, changes, template=template)
            if photo is not None:
                attachment = Attachment.photo(photo.uri, now, photo.mime_type, photo.sha256)
                attachment.event = event
                complaint.attachments.append(attachment)
            session.flush()
            if actor.role != CITIZEN:
                session.add_all(Notification.for_all(event, complaint, now))
            if kept is not None:
                kept.add_followers(
                    [(complaint.sender_id, complaint.channel)]
                    + [(f.sender_id, f.channel) for f in complaint.followers],
                    now,
                )
            session.flush()
            return view_of(complaint)

    def photo_in_use(self, uri: str) -> bool:
        """Whether any complaint keeps this photo (the same photo may come with two actions at once)."""
        with self.db.session() as session:
            return session.scalar(select(Attachment.id).where(Attachment.uri == uri).limit(1)) is not None

    @staticmethod
    def _kept(session: Session, duplicate: Complaint, into: Optional[str]) -> Complaint:
        """The complaint a duplicate is merged into: another open one of the same city."""
        kept = session.scalar(
            select(Complaint).where(Complaint.number == (canonical_number(into or "") or "")).with_for_update()
        )
        if kept is None or kept.tenant_id != duplicate.tenant_id or kept.id == duplicate.id:
            raise Refused("merge_into", f"MERGE needs another complaint of {duplicate.tenant_id} to merge into.")
        if kept.status not in OPEN_STATUSES:
            raise Refused("merge_into", f"{kept.number} is closed: merge into a complaint still being worked on.")
        return kept

    @staticmethod
    def _field_employee(session: Session, username: Optional[str], tenant_id: str) -> str:
        if not username:
            raise Refused("assignee_required", "ASSIGN needs the field employee (assignee) to assign to.")
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None or not user.active or user.role != LME or user.tenant_id != tenant_id:
            raise Refused("assignee", f"{username} is not an active field employee of {tenant_id}.")
        return str(user.username)
