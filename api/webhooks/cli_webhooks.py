"""``sipas webhooks deliver [--once] [--interval S]``: send the webhook deliveries that are due.

For cron, or a server started with ``SIPAS_WEBHOOK_WORKER=0``. Safe beside `sipas serve` and other
workers: each delivery is claimed by one worker at a time. Prints one summary line per round that did
something (counts only: no addresses, no payloads).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from api.cli.files import bounded_int


def _line(report: Any) -> str:
    return (
        f"fanned out {report.fanned_out} events, delivered {report.delivered}, "
        f"retrying {report.retrying}, failed {report.failed}"
    )


def cmd_deliver(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from api.services import Services

    settings = settings_from_env()
    worker = Services.build(settings).webhook_worker()

    async def once(_: Any) -> Any:
        return await worker.run_once()

    if args.once:
        print(_line(run_with_engine(settings, once)))
        return 0

    async def forever(_: Any) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set():
            report = await worker.run_once()
            if report.fanned_out or report.delivered or report.retrying or report.failed:
                print(_line(report), flush=True)
            try:
                await asyncio.wait_for(stop.wait(), timeout=args.interval)
            except TimeoutError:
                continue

    run_with_engine(settings, forever)
    print("stopped", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    webhooks = sub.add_parser(
        "webhooks",
        help="deliver outbound webhooks (for cron, or beside a server without its worker)",
        description="Outbound webhooks: deliver the events agencies subscribed to (docs/webhooks.md).",
    )
    actions = webhooks.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    deliver = actions.add_parser(
        "deliver",
        help="send the deliveries that are due (retries with exponential backoff for a day)",
        description=(
            "Fan new events out to the agencies' active subscriptions and send every delivery that is due, "
            "signed (X-Sipas-Signature). Without --once, keep going every --interval seconds until "
            "interrupted."
        ),
    )
    deliver.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    deliver.add_argument(
        "--interval",
        type=bounded_int(1, 3600, "seconds"),
        default=5,
        help="seconds between rounds without --once (default 5)",
    )
    deliver.set_defaults(func=cmd_deliver)
