"""``mine-data`` as people read it (issue 15, point 18): the Danish document beside the JSON. The
service-level test (tests/test_privacy.py) runs it on both engines; this one pins the document's
shape: an explanation first, Danish keys and values, Danish local time with the zone named
(summer and winter), and no machine words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import texts
from bot.domain.privacy import Held

TZ = ZoneInfo("Europe/Copenhagen")


def held() -> Held:
    seat = {"municipality": "Aarhus", "kind": "flexible", "slot": 2}
    return Held(
        person={
            "platform": "slack",
            "workspace": "T0001",
            "account": "U0ANNA",
            "name": "Anna Jensen",
            "title": "",
            "themes": ["Affald", "Mobilitet"],
            "known_since": "2026-06-25T08:00:00+00:00",
        },
        seats=[{**seat, "status": "pending", "held_since": "2026-06-25T08:00:00+00:00"}],
        past_seats=[],
        history=[
            {
                "at": "2026-11-27T09:00:00+00:00",
                **seat,
                "action": "handed_over",
                "your_part": ["subject"],
                "reason": None,
            }
        ],
        requests=[],
        offers=[
            {
                **seat,
                "seat_kind": "flexible",
                "kind": "substitute",
                "your_part": "offered_to_you",
                "status": "void",
                "meeting_id": 4,
                "created_at": "2026-11-27T09:00:00+00:00",
                "expires_at": "2026-11-30T09:00:00+00:00",
                "decided_at": None,
            }
        ],
        attendance=[],
        waiting_posts=[{"kind": "reminder_dm", "due_at": "2027-03-14T08:00:00+00:00"}],
        sent_posts=[{"kind": "some_new_kind", "sent_at": "2026-11-27T09:00:00+00:00"}],
        told_about=[],
        meetings_created=[],
        news_written=[],
    )


def test_the_document_explains_itself_and_reads_in_danish_local_time() -> None:
    at = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
    document = texts.privacy.my_data_document(held(), at, TZ, "klimanet-mine-data-2026-12-07.json")
    head, explanation, about = document.split("\n\n")[:3]
    assert head.startswith("Dine data i Klimanet (Kommunernes klimapolitiske netværk)")
    assert "Udtrukket mandag den 7. december 2026 kl. 16.30 (CET)" in head
    assert "CET om vinteren, CEST om sommeren" in explanation
    assert "klimanet-mine-data-2026-12-07.json" in explanation
    # Summer time is CEST and two hours ahead of UTC; winter time CET and one hour.
    assert "Kendt af Klimanet siden: torsdag den 25. juni 2026 kl. 10.00 (CEST)" in about
    assert "Tidspunkt: fredag den 27. november 2026 kl. 10.00 (CET)" in document
    assert "Fagområder: Affald, Mobilitet" in about and "Titel: ingen" in about
    assert "Plads: fleksibel plads 2 i Aarhus" in document
    assert "Status: venter på godkendelse" in document
    assert "Hændelse: overdraget" in document and "Din del: hændelsen handler om dig" in document
    assert "Slags: vikar til et møde" in document and "Din del: tilbudt dig" in document
    assert "Status: bortfaldet, fordi pladsen har skiftet hænder" in document
    assert "Besked: Påmindelsen" in document
    assert "En besked fra Klimanet (some_new_kind)" in document  # a kind without a label yet
    assert "facilitator" not in document.split("Tilbud om pladser")[1]  # none written: left out
    for machine_word in ("pending", "flexible", "handed_over", "substitute", "void", "UTC+"):
        assert machine_word not in document.replace("(some_new_kind)", ""), machine_word
