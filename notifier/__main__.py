"""`python -m notifier`: the notification worker, run beside Rasa (`make serve` starts it).

Its settings are Seva's (`seva.settings`): the database; Rasa's HTTP API (RASA_URL, RASA_AUTH_TOKEN); and, for
templates outside WhatsApp's 24-hour window, the WhatsApp access token, phone number id and update template.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from notifier.worker import Worker
from seva import bootstrap


async def main(interval: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await Worker.from_services(bootstrap.services()).run(stop, interval)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Sends pending complaint notifications to citizens.")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks at an empty outbox")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(args.interval))
