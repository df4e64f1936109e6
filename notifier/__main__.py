"""`python -m notifier`: the notification worker, run beside Rasa (`make serve` starts it).

Settings from the environment: DATABASE_URL; RASA_URL (default http://localhost:5005) and RASA_AUTH_TOKEN;
for templates outside WhatsApp's 24-hour window WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID,
WHATSAPP_API_BASE_URL and WHATSAPP_UPDATE_TEMPLATE (default seva_complaint_update).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

from actions.catalogue import load_catalogue
from actions.db import default_database
from actions.outbox import Outbox
from connectors.whatsapp_api import DEFAULT_BASE_URL, GraphApi
from connectors.whatsapp_store import ChannelStore
from notifier.delivery import RasaDelivery, TemplateDelivery
from notifier.worker import Worker


def build() -> Worker:
    database = default_database()
    templates = None
    if os.environ.get("WHATSAPP_ACCESS_TOKEN"):
        api = GraphApi(
            os.environ["WHATSAPP_ACCESS_TOKEN"],
            os.environ.get("WHATSAPP_PHONE_NUMBER_ID", ""),
            base_url=os.environ.get("WHATSAPP_API_BASE_URL") or DEFAULT_BASE_URL,
            backoff_seconds=float(os.environ.get("WHATSAPP_SEND_BACKOFF_SECONDS", "1")),
        )
        template = os.environ.get("WHATSAPP_UPDATE_TEMPLATE") or "seva_complaint_update"
        templates = TemplateDelivery(api, template, load_catalogue())
    return Worker(
        Outbox(database),
        RasaDelivery(os.environ.get("RASA_URL") or "http://localhost:5005", os.environ.get("RASA_AUTH_TOKEN")),
        templates,
        ChannelStore(database).last_message_at,
    )


async def main(interval: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await build().run(stop, interval)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Sends pending complaint notifications to citizens.")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks at an empty outbox")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(args.interval))
