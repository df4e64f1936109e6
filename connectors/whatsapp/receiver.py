"""The WhatsApp receiver: answers Meta's webhooks in milliseconds, whatever the Rasa replicas are busy with.

A replica handles messages on its event loop, which Rasa's own NLU and dialogue work holds for tens of milliseconds
at a time; a webhook arriving meanwhile waits, and Meta wants its answer fast. The receiver does only what must
happen before the answer, as the channel would (the signature, the reading, each message recorded once), answers,
and then hands each citizen's new messages to a replica: `POST {RASA_URL}/webhooks/whatsapp/taken`, signed with
the app secret, with the citizen in `X-Seva-Sender` so that a load balancer keeps a citizen on one replica. A
hand-on that fails loses nothing: the message is recorded, and a replica's sweep handles it once its lease runs out.

    python -m connectors.whatsapp.receiver [--host 127.0.0.1] [--port 5006]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from functools import partial
from typing import Any, Dict, List, Optional

import aiohttp
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.whatsapp.in_turn import InTurn
from connectors.whatsapp.payload import Inbound, handed_on
from connectors.whatsapp.reception import SIGNATURE, Apologiser, Reception
from connectors.whatsapp.store import ChannelStore
from seva import bootstrap
from seva.bootstrap import Services
from seva.masking import masked
from whatsapp_cloud.api import GraphApi

logger = logging.getLogger(__name__)

WEBHOOK = "/webhooks/whatsapp/webhook"
TAKEN = "/webhooks/whatsapp/taken"
SENDER = "X-Seva-Sender"
HAND_ON_SECONDS = 10.0


class Receiver:
    def __init__(self, services: Services):
        settings = services.settings.whatsapp
        if not settings.app_secret:
            raise SystemExit("The WhatsApp receiver needs the app secret (WHATSAPP_APP_SECRET).")
        store = ChannelStore.for_settings(services.database, settings)
        self.reception = Reception(
            settings.app_secret, settings.verify_token, store, Apologiser(GraphApi.from_settings(settings), services)
        )
        self.hand_on_url = services.settings.rasa_url.rstrip("/") + TAKEN
        self._session: Optional[aiohttp.ClientSession] = None
        # Each citizen's hand-ons one after another, so that a replica gets their messages in order.
        self._in_turn = InTurn()

    def app(self) -> Sanic:
        app = Sanic("seva_whatsapp_receiver")

        @app.get("/")
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @app.get(WEBHOOK)
        async def verify(request: Request) -> HTTPResponse:
            challenge = self.reception.challenge(request.args)
            if challenge is None:
                return response.text("verification failed", status=403)
            return response.text(challenge)

        @app.post(WEBHOOK)
        async def receive(request: Request) -> HTTPResponse:
            taken = await self.reception.take_in(request.body or b"", request.headers.get(SIGNATURE))
            for sender, messages in _by_sender(taken.new).items():
                self._in_turn.run(sender, partial(self._hand_on, sender, messages))
            return response.json(taken.answer, status=taken.status)

        async def open_session(app: Any, loop: Any) -> None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HAND_ON_SECONDS))

        async def finish_hand_ons(app: Any, loop: Any) -> None:
            pending = self._in_turn.pending()
            if pending:
                await asyncio.wait(pending, timeout=HAND_ON_SECONDS)
            if self._session is not None:
                await self._session.close()

        app.register_listener(open_session, "before_server_start")
        app.register_listener(finish_hand_ons, "before_server_stop")
        return app

    async def _hand_on(self, sender: str, messages: List[Inbound]) -> None:
        assert self._session is not None, "the session opens before the server takes requests"
        body = handed_on(messages)
        headers = {SIGNATURE: self.reception.signature(body), SENDER: sender, "Content-Type": "application/json"}
        try:
            async with self._session.post(self.hand_on_url, data=body, headers=headers) as answer:
                if answer.status == 202:
                    return
                reason = f"HTTP {answer.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            reason = type(error).__name__
        logger.warning(
            "Could not hand %d message(s) of %s to Rasa (%s): a replica handles them once their lease runs out",
            len(messages),
            masked(sender),
            reason,
        )


def _by_sender(messages: List[Inbound]) -> Dict[str, List[Inbound]]:
    grouped: Dict[str, List[Inbound]] = {}
    for message in messages:
        grouped.setdefault(message.sender, []).append(message)
    return grouped


def main() -> None:
    parser = argparse.ArgumentParser(description="Seva's WhatsApp receiver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5006)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Receiver(bootstrap.services()).app().run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
