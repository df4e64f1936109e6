"""The tables of Seva's domain, one module per area; importing this package registers them all on `Base`."""

from seva.models.citizens import Citizen
from seva.models.complaints import Attachment, Complaint, ComplaintEvent, ComplaintFollower, DailySequence
from seva.models.filings import FilingInProgress
from seva.models.handovers import Handover, HandoverMessage
from seva.models.outbox import Notification
from seva.models.privacy import CitizenChoice, ErasureRequest
from seva.models.review import ReviewDecision
from seva.models.staff import StaffCity, StaffSession, StaffToken, StaffUser

__all__ = [
    "Attachment",
    "Citizen",
    "CitizenChoice",
    "Complaint",
    "ComplaintEvent",
    "ComplaintFollower",
    "DailySequence",
    "ErasureRequest",
    "FilingInProgress",
    "Handover",
    "HandoverMessage",
    "Notification",
    "ReviewDecision",
    "StaffCity",
    "StaffSession",
    "StaffToken",
    "StaffUser",
]
