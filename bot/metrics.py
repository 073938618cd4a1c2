"""Delivery metrics in Prometheus' text format (``GET /metrics`` on the ops port).

Counters are per process (each replica is scraped on its own); the outbox gauges are read from the
database at scrape time, so every replica reports the same, shared queue.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.db import SessionFactory
from bot.models import OutboxStatus
from bot.ports import Clock
from bot.posts.outbox import count_by_status, oldest_due

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._sent = Counter(
            "klimanet_posts_sent",
            "Posts delivered (messages posted, files shared, messages updated), by kind.",
            ["kind"],
            registry=self.registry,
        )
        self._failed = Counter(
            "klimanet_posts_failed",
            "Delivery attempts that failed (retried later or dead), by kind.",
            ["kind"],
            registry=self.registry,
        )
        self._ratelimited = Counter(
            "klimanet_slack_ratelimited",
            "HTTP 429 answers from the chat platform (waited out by the client or by delivery).",
            registry=self.registry,
        )
        self._lookups = Counter(
            "klimanet_post_lookups",
            "Lookups of posts whose fate was unknown; found: an earlier post was there.",
            ["result"],
            registry=self.registry,
        )

    def sent(self, kind: str) -> None:
        self._sent.labels(kind).inc()

    def failed(self, kind: str) -> None:
        self._failed.labels(kind).inc()

    def ratelimited(self) -> None:
        self._ratelimited.inc()

    def looked_up(self, found: bool) -> None:
        self._lookups.labels("found" if found else "not_found").inc()

    def watch_outbox(self, sessions: SessionFactory, clock: Clock) -> None:
        self.registry.register(_OutboxCollector(sessions, clock))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _OutboxCollector(Collector):
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def describe(self) -> list[GaugeMetricFamily]:
        return []  # collected lazily: registering must not query the database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._clock.now()
        with self._sessions() as session:
            counts = count_by_status(session)
            due = oldest_due(session, now)
        rows = GaugeMetricFamily("klimanet_outbox_rows", "Outbox rows by state.", labels=["state"])
        for status in OutboxStatus:
            rows.add_metric([status.value], counts.get(status.value, 0))
        yield rows
        yield GaugeMetricFamily(
            "klimanet_outbox_oldest_due_age_seconds",
            "How long the longest-waiting due post has waited (0 when nothing is due).",
            value=max(0.0, (now - due).total_seconds()) if due is not None else 0.0,
        )
