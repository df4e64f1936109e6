"""Sends what the outbox holds, oldest first, and records each outcome; a failure is retried later."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy.exc import SQLAlchemyError

from notifier.delivery import DeliveryError, RasaDelivery, TemplateDelivery
from seva.bootstrap import Services
from seva.citizens import FREE_WINDOW
from seva.erasure import Erasure
from seva.escalation import Escalation
from seva.handovers import Handovers
from seva.masking import masked
from seva.outbox import Outbox, Update
from seva.reminders import FilingReminders
from seva.storage import utcnow
from whatsapp_cloud.api import GraphApi, SendError
from whatsapp_cloud.messages import text_body

logger = logging.getLogger(__name__)
# How often the worker looks for overdue complaints to escalate and for filings to remind of: their deadlines are
# days and tens of minutes, which need no finer clock.
ESCALATE_EVERY = 60.0
REMIND_EVERY = 60.0


class Worker:
    def __init__(
        self,
        outbox: Outbox,
        rasa: RasaDelivery,
        templates: Optional[TemplateDelivery],
        last_message_at: Callable[[str], Optional[datetime]],
        batch: int = 20,
        escalation: Optional[Escalation] = None,
        escalate_every: float = ESCALATE_EVERY,
        reminders: Optional[FilingReminders] = None,
        remind_every: float = REMIND_EVERY,
        handovers: Optional[Handovers] = None,
        erasure: Optional[Erasure] = None,
        whatsapp: Optional[GraphApi] = None,
    ):
        self.outbox = outbox
        self.rasa = rasa
        self.templates = templates
        self.last_message_at = last_message_at
        self.batch = batch
        self.escalation = escalation
        self.escalate_every = escalate_every
        self._escalated_at = float("-inf")
        self.reminders = reminders
        self.remind_every = remind_every
        self._reminded_at = float("-inf")
        self.handovers = handovers
        self.erasure = erasure
        # Operators' replies to citizens handed over go straight to WhatsApp (the citizen has just written).
        self.whatsapp = whatsapp

    @classmethod
    def from_services(cls, services: Services) -> Worker:
        """The worker of a process: Rasa's HTTP API, and WhatsApp templates when an access token is set."""
        settings = services.settings
        templates, api = None, None
        if settings.whatsapp.access_token:
            api = GraphApi.from_settings(settings.whatsapp)
            templates = TemplateDelivery(api, settings.whatsapp.update_template, services.catalogue, services.responses)
        return cls(
            services.outbox,
            RasaDelivery(settings.rasa_url, settings.rasa_auth_token),
            templates,
            services.citizens.last_whatsapp_at,
            escalation=services.escalation,
            reminders=services.reminders,
            handovers=services.handovers,
            erasure=services.erasure,
            whatsapp=api,
        )

    async def run_once(self) -> int:
        """Delivers the notifications due now; how many it tried."""
        updates = await asyncio.to_thread(self.outbox.claim, self.batch)
        for update in updates:
            await self._deliver(update)
        return len(updates)

    async def escalate(self) -> int:
        """Escalates what is due (at most every `escalate_every` seconds); how many complaints went up."""
        if self.escalation is None or time.monotonic() - self._escalated_at < self.escalate_every:
            return 0
        self._escalated_at = time.monotonic()
        escalated = await asyncio.to_thread(self.escalation.run_once)
        if escalated:
            logger.info("%d overdue complaint(s) escalated", escalated)
        return escalated

    async def remind(self, now: Optional[datetime] = None) -> int:
        """Reminds the citizens silent in the middle of filing (at most every `remind_every` seconds, unless given
        the time); how many it reminded. A claimed reminder that Rasa does not take is not tried again: one
        reminder at most matters more than one at least."""
        if self.reminders is None or (now is None and time.monotonic() - self._reminded_at < self.remind_every):
            return 0
        self._reminded_at = time.monotonic()
        reminded = 0
        for reminder in await asyncio.to_thread(self.reminders.claim_due, now):
            try:
                await self.rasa.remind(reminder)
            except DeliveryError as error:
                logger.warning("The filing reminder to %s failed: %s", masked(reminder.sender_id), error)
                continue
            reminded += 1
        if reminded:
            logger.info("%d citizen(s) reminded of a complaint they did not finish filing", reminded)
        return reminded

    async def relay(self) -> int:
        """Sends operators' replies to the citizens handed over to them; how many went out."""
        if self.handovers is None:
            return 0
        sent = 0
        for reply in await asyncio.to_thread(self.handovers.replies_to_send):
            if reply.channel != "whatsapp" or self.whatsapp is None:
                await asyncio.to_thread(self.handovers.reply_failed, reply.id, f"no way to reach {reply.channel}")
                continue
            try:
                await self.whatsapp.send(text_body(reply.recipient, reply.text))
            except SendError as error:
                state = await asyncio.to_thread(self.handovers.reply_failed, reply.id, str(error))
                logger.warning("An operator's reply to %s failed: %s; now %s", masked(reply.recipient), error, state)
                continue
            await asyncio.to_thread(self.handovers.reply_sent, reply.id)
            sent += 1
        return sent

    async def hand_back(self) -> int:
        """Hands back the hand-overs no operator answered in time, and tells each citizen handed back that Seva is
        back; how many were told."""
        if self.handovers is None:
            return 0
        timed_out = await asyncio.to_thread(self.handovers.time_out)
        if timed_out:
            logger.info("%d hand-over(s) with no operator answer went back to Seva", timed_out)
        told = 0
        for ended in await asyncio.to_thread(self.handovers.to_tell_back):
            try:
                await self.rasa.hand_back(ended)
            except DeliveryError as error:
                logger.warning("Could not tell %s that Seva is back: %s", masked(ended.sender_id), error)
                continue
            await asyncio.to_thread(self.handovers.told_back, ended.id)
            told += 1
        return told

    async def erase(self) -> int:
        """Carries out the deletions that waited for their citizens' complaints to close, and tells them."""
        if self.erasure is None:
            return 0
        erased = await asyncio.to_thread(self.erasure.carry_out_waiting)
        for done in erased:
            try:
                await self.rasa.erased(done)
            except DeliveryError as error:
                # The data is gone either way; only the confirmation is lost.
                logger.warning("Could not confirm a deletion to %s: %s", masked(done.sender_id), error)
        return len(erased)

    async def run(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        while not stop.is_set():
            try:
                # Escalations write notifications: they go out in this same round.
                await self.escalate()
                await self.remind()
                await self.relay()
                await self.hand_back()
                await self.erase()
                tried = await self.run_once()
            except SQLAlchemyError:
                logger.exception("The database is out of reach; trying again in %s s", interval)
                tried = 0
            if not tried:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=interval)
                except asyncio.TimeoutError:
                    pass

    async def _deliver(self, update: Update) -> None:
        try:
            via = await self._send(update)
        except DeliveryError as error:
            state = await asyncio.to_thread(self.outbox.failed, update.id, str(error))
            logger.warning(
                "Notification %s of %s (attempt %d) failed: %s; now %s",
                update.id,
                update.number,
                update.attempts,
                error,
                state,
            )
            return
        await asyncio.to_thread(self.outbox.sent, update.id, via)
        logger.info("Notification %s of %s sent via %s", update.id, update.number, via)

    async def _send(self, update: Update) -> str:
        if update.channel == "whatsapp" and self.templates is not None and not await self._window_open(update):
            await self.templates.deliver(update)
            return "template"
        if update.attempts > 1 and await self.rasa.already_delivered(update):
            return "rasa"
        await self.rasa.deliver(update)
        return "rasa"

    async def _window_open(self, update: Update) -> bool:
        last = await asyncio.to_thread(self.last_message_at, update.recipient)
        return last is not None and utcnow() - last < FREE_WINDOW
