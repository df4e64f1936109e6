"""Acting on a complaint: the workflow's decision applied in one transaction, with its history entry and the
notification to the citizen, so that a change is never recorded without the message that tells of it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select

from actions.catalogue import Catalogue
from actions.complaints import ComplaintView, canonical_number, select_complaints, view_of
from actions.db import Attachment, Complaint, ComplaintEvent, Database, Notification, StaffUser, aware, utcnow
from actions.workflow import ADMIN, CITIZEN, LME, LME_SLA, PENDINGATLME, Refused, check

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Actor:
    """Who acts: a citizen (by sender id), a staff member of one city, or an administrator."""

    role: str
    name: str
    tenant_id: Optional[str] = None

    @property
    def label(self) -> str:
        kind = {CITIZEN: "citizen", ADMIN: "admin"}.get(self.role, "staff")
        return f"{kind}:{self.name}"

    @classmethod
    def citizen(cls, sender_id: str) -> "Actor":
        return cls(CITIZEN, sender_id)


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Photo:
    uri: str
    mime_type: Optional[str] = None
    sha256: Optional[str] = None


class Lifecycle:
    def __init__(self, database: Database, catalogue: Catalogue):
        self.db = database
        self.catalogue = catalogue

    def act(
        self,
        number: str,
        action: str,
        actor: Actor,
        comment: Optional[str] = None,
        assignee: Optional[str] = None,
        rating: Optional[int] = None,
        photo: Optional[Photo] = None,
        now: Optional[datetime] = None,
    ) -> ComplaintView:
        """Takes the action or raises Refused (nothing changed) or NotFound."""
        now = now or utcnow()
        comment = (comment or "").strip()[:MAX_COMMENT] or None
        with self.db.session() as session:
            complaint = session.scalar(
                select_complaints()
                .where(Complaint.number == (canonical_number(number) or ""))
                .with_for_update(of=Complaint)
            )
            if complaint is None or (actor.role == CITIZEN and complaint.sender_id != actor.name):
                # A citizen learns nothing of other people's complaints, not even that they exist.
                raise NotFound(number)
            if actor.role not in (CITIZEN, ADMIN) and complaint.tenant_id != actor.tenant_id:
                raise Refused("city", f"{complaint.number} belongs to another city.")
            if (
                actor.role == LME
                and action != "COMMENT"
                and complaint.status == PENDINGATLME
                and complaint.assigned_to != actor.name
            ):
                raise Refused("not_assigned_to_you", f"{complaint.number} is assigned to someone else.")
            before = complaint.status
            target = check(action, actor.role, before, aware(complaint.status_changed_at), now,
                           comment=comment, rating=rating, with_photo=photo is not None)
            if action == "ASSIGN":
                complaint.assigned_to = self._field_employee(session, assignee, complaint.tenant_id).username
            self._move(complaint, action, target, rating, now)
            event = ComplaintEvent(
                action=action,
                from_status=before,
                to_status=complaint.status,
                actor=actor.label,
                role=actor.role,
                comment=comment,
                created_at=now,
            )
            complaint.events.append(event)
            if photo is not None:
                complaint.attachments.append(
                    Attachment(kind="photo", uri=photo.uri, mime_type=photo.mime_type, sha256=photo.sha256,
                               created_at=now)
                )
            session.flush()
            if actor.role != CITIZEN:
                session.add(
                    Notification(
                        event_id=event.id,
                        complaint_id=complaint.id,
                        recipient=complaint.sender_id,
                        channel=complaint.channel,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
            session.flush()
            return view_of(complaint)

    def _move(self, complaint: Complaint, action: str, target: Optional[str], rating: Optional[int],
              now: datetime) -> None:
        complaint.updated_at = now
        if target is None:
            return
        complaint.status = target
        complaint.status_changed_at = now
        complaint.stage_due_at = now + LME_SLA if target == PENDINGATLME else None
        if action in ("REASSIGN", "REOPEN"):
            complaint.assigned_to = None
        if action == "REOPEN":
            # Reopened work gets a fresh SLA.
            complaint.due_at = now + timedelta(hours=self.catalogue.services[complaint.service_code].sla_hours)
        if action == "RATE":
            complaint.rating = rating

    @staticmethod
    def _field_employee(session, username: Optional[str], tenant_id: str) -> StaffUser:
        if not username:
            raise Refused("assignee_required", "ASSIGN needs the field employee (assignee) to assign to.")
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None or not user.active or user.role != LME or user.tenant_id != tenant_id:
            raise Refused("assignee", f"{username} is not an active field employee of {tenant_id}.")
        return user

