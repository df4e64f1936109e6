"""The two ways an update reaches a citizen: through Rasa, which writes it in their language and conversation,
or, more than 24 hours after they last wrote on WhatsApp, as a pre-approved WhatsApp template."""

from __future__ import annotations

from typing import Any, Dict, Optional

import aiohttp

from seva.catalogue import Catalogue
from seva.erasure import Erased
from seva.escalation import Ladders, day_of, load_ladders
from seva.handovers import Ended
from seva.outbox import Update
from seva.reminders import Reminder
from seva.responses import ResponseTemplates
from whatsapp_cloud.api import GraphApi, SendError
from whatsapp_cloud.messages import template_body, template_language

# The intent Rasa is sent; its rule runs action_notify_update, which says what the entities carry.
UPDATE_INTENT = "complaint_updated"
# The intent whose rule runs action_remind_filing for a citizen silent in the middle of filing.
REMINDER_INTENT = "filing_reminder"
# The intents whose rules say that Seva is back after a hand-over, and that a deletion was carried out.
HANDED_BACK_INTENT = "handover_ended"
ERASED_INTENT = "data_erased"
NOTIFICATION_ENTITY = "notification_id"
NOT_GIVEN = "—"


class DeliveryError(Exception):
    pass


class RasaDelivery:
    """Rasa's trigger_intent, answered only once the message is out and the conversation saved."""

    def __init__(self, url: str, token: Optional[str] = None, timeout_seconds: float = 30):
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def deliver(self, update: Update) -> None:
        entities = {
            NOTIFICATION_ENTITY: str(update.id),
            "update_number": update.number,
            "update_action": update.action,
            "update_service": update.service_code,
            "update_status": update.status,
        }
        if update.comment:
            entities["update_comment"] = update.comment
        if update.template:
            entities["update_template"] = update.template
        if update.photo:
            entities["update_photo"] = update.photo
        if update.expected is not None:
            entities["update_expected"] = day_of(update.expected)
        if update.escalated_to is not None:
            entities.update(update_level=str(update.escalated_to.number), update_city=update.tenant_id)
        if update.following:
            entities["update_following"] = "yes"
        if update.merged_into:
            entities["update_kept"] = update.merged_into
        await self._trigger(update.recipient, update.channel, UPDATE_INTENT, entities)

    async def remind(self, reminder: Reminder) -> None:
        """Asks Rasa to remind a citizen of the complaint they did not finish filing, in their conversation."""
        await self._trigger(reminder.sender_id, reminder.channel, REMINDER_INTENT, {})

    async def hand_back(self, ended: Ended) -> None:
        """Asks Rasa to tell the citizen that Seva is back after a hand-over (with an apology if none answered)."""
        await self._trigger(ended.sender_id, ended.channel, HANDED_BACK_INTENT, {"handover_how": ended.how})

    async def erased(self, erased: Erased) -> None:
        """Asks Rasa to tell the citizen that the deletion they asked for, waiting for complaints, is done."""
        await self._trigger(erased.sender_id, erased.channel, ERASED_INTENT, {})

    async def _trigger(self, recipient: str, channel: str, intent: str, entities: Dict[str, str]) -> None:
        params = dict(self.params)
        # WhatsApp citizens get it on WhatsApp; on other channels it waits in their conversation.
        if channel == "whatsapp":
            params["output_channel"] = "whatsapp"
        body = {"name": intent, "entities": entities}
        url = f"{self.url}/conversations/{recipient}/trigger_intent"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.post(url, params=params, json=body) as response:
                    if response.status != 200:
                        raise DeliveryError(f"Rasa answered {response.status}: {(await response.text())[:300]}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"Rasa unreachable: {error!r}") from error

    async def already_delivered(self, update: Update) -> bool:
        """Whether an earlier attempt got through although its answer was lost: Rasa saves a conversation only
        after its messages went out, so the triggered intent in it is the receipt."""
        url = f"{self.url}/conversations/{update.recipient}/tracker"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.get(url, params={**self.params, "include_events": "ALL"}) as response:
                    if response.status != 200:
                        raise DeliveryError(f"Rasa answered {response.status} for the conversation")
                    tracker: Dict[str, Any] = await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"Rasa unreachable: {error!r}") from error
        return any(_is_receipt(event, update.id) for event in tracker.get("events") or [])


def _is_receipt(event: Dict[str, Any], notification_id: int) -> bool:
    parse = event.get("parse_data") or {}
    if event.get("event") != "user" or (parse.get("intent") or {}).get("name") != UPDATE_INTENT:
        return False
    return any(
        e.get("entity") == NOTIFICATION_ENTITY and str(e.get("value")) == str(notification_id)
        for e in parse.get("entities") or []
    )


class TemplateDelivery:
    """The update template: body parameters {{1}} number, {{2}} service, {{3}} new status, {{4}} comment."""

    def __init__(
        self,
        api: GraphApi,
        template: str,
        catalogue: Catalogue,
        responses: ResponseTemplates,
        ladders: Optional[Ladders] = None,
    ):
        self.api = api
        self.template = template
        self.catalogue = catalogue
        self.responses = responses
        self.ladders = ladders or load_ladders()

    async def deliver(self, update: Update) -> None:
        language = update.language
        parameters = [
            update.number,
            self.catalogue.services[update.service_code].name(language),
            self.catalogue.label("statuses", update.status, language),
            # WhatsApp refuses parameters with new lines or runs of spaces.
            " ".join((self._said(update, language) or NOT_GIVEN).split())[:1000],
        ]
        body = template_body(update.recipient, self.template, template_language(language), parameters)
        try:
            await self.api.send(body)
        except SendError as error:
            raise DeliveryError(f"WhatsApp did not take the template: {error}") from None

    def _said(self, update: Update, language: str) -> Optional[str]:
        if update.escalated_to is not None and update.expected is not None:
            return self.ladders.notice(update.escalated_to, update.expected, language)
        return self.responses.citizen_comment(update.template, update.comment, language)
