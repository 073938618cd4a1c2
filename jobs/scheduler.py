"""APScheduler is only the in-process clock: a periodic re-plan, offer expiry, and (in the
console) the delivery tick. The bot itself runs delivery on ``DeliveryLoop``, which ticks when
woken and every ``TICK_SECONDS`` as the safety net.

Durable facts live in the bot's own tables (the outbox), never in a pickled job store, so every
replica may run this scheduler and a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

TICK_SECONDS = 2.0
REPLAN_MINUTES = "*/15"
# Retention runs once a day at night, local time (KLIMANET_RETENTION).
RETENTION_AT = {"hour": 3, "minute": 30}


def start_scheduler(
    tick: Callable[[], object] | None,
    replan: Callable[[], object],
    tz: ZoneInfo,
    *,
    expire: Callable[[], object] | None = None,
    retention: Callable[[], object] | None = None,
    tick_seconds: float = TICK_SECONDS,
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    if tick is not None:
        scheduler.add_job(
            tick,
            "interval",
            seconds=tick_seconds,
            id="delivery-tick",
            next_run_time=datetime.now(tz),
        )
    # A safety net: membership changes plan their own posts, this catches anything missed.
    scheduler.add_job(replan, "cron", minute=REPLAN_MINUTES, id="replan")
    if expire is not None:
        # Offers that ran out: close them and update their messages.
        scheduler.add_job(expire, "interval", minutes=1, id="expire-offers")
    if retention is not None:
        # Data protection: forget idle people, old history names, old posts' contents. Every
        # replica may run it: an advisory lock lets one at a time, and a second finds nothing.
        scheduler.add_job(retention, "cron", id="retention", **RETENTION_AT)
    scheduler.start()
    log.info("scheduler started: re-plan at minutes %s", REPLAN_MINUTES)
    return scheduler
