"""The baseline for bench/slack_bench.py: a bare Bolt app that only acks and calls views.open.

Served the same way as Meldefra (Starlette under uvicorn, dispatch in a worker thread), so
the ratio measures what Meldefra adds, not the server.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from slack_bolt import App
from slack_sdk import WebClient

from bot.http import build_asgi
from handlers.clock import SystemClock
from handlers.org import load_org
from handlers.services import Services
from store.db import make_engine, session_factory, upgrade

VIEW = {
    "type": "modal",
    "callback_id": "bare",
    "title": {"type": "plain_text", "text": "Bare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "What"},
            "element": {"type": "plain_text_input", "action_id": "v"},
        }
    ],
}


def main() -> None:
    port = int(sys.argv[1])
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        listener_executor=ThreadPoolExecutor(max_workers=20),
    )

    @app.command("/meldefra")
    def command(ack, body, client):  # type: ignore[no-untyped-def]
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    @app.view("meldefra_report")
    def submit(ack):  # type: ignore[no-untyped-def]
        ack()

    engine = make_engine(os.environ["DATABASE_URL"])
    upgrade(engine)
    services = Services(
        load_org(os.environ["MELDEFRA_ORG"]), session_factory(engine), SystemClock()
    )
    uvicorn.run(build_asgi(services, app), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
