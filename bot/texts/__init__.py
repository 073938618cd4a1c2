"""Every sentence Klimanet shows to users, in Danish: one module per area. Callers import the
package and name the module, ``texts.consent.offer_sent(…)``, so a new text needs no re-export.

Functions take domain values and return text marked with the neutral vocabulary of
``bot.markup`` (icons, mentions, the platform's words), which each adapter renders. Keep the
wording close to KL's own: "én fast plads og to fleksible pladser", "tilmelding", "pladsholder".

Whatever a member typed or a profile supplied (names, titles, fagområder, form fields, values
echoed in errors) is wrapped in ``user_text`` where it is interpolated, so every adapter shows it
as written and never as markup. A facilitator's texts (news, agenda items, meeting titles, themes
and places, reasons for a cancellation or an ``admin plads``) speak for KL and stay markup.
"""

from __future__ import annotations

from bot.texts import (
    calendar,
    common,
    consent,
    dates,
    departures,
    digest,
    edge,
    errors,
    help,
    loop,
    meetings,
    overview,
    polls,
    posts,
    privacy,
    registration,
    reports,
    subscriptions,
    succession,
    teams,
    themes,
)

__all__ = [
    "calendar",
    "common",
    "consent",
    "dates",
    "digest",
    "edge",
    "errors",
    "help",
    "loop",
    "meetings",
    "overview",
    "polls",
    "posts",
    "privacy",
    "registration",
    "reports",
    "subscriptions",
    "succession",
    "teams",
    "themes",
    "departures",
]
