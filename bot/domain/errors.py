"""Domain errors: a kind that maps to one Danish sentence in ``bot.texts`` plus its parameters."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    MUNICIPALITY_MISSING = "municipality_missing"
    MUNICIPALITY_UNKNOWN = "municipality_unknown"  # params: query, suggestions: list[str]
    MUNICIPALITY_AMBIGUOUS = "municipality_ambiguous"  # params: query, choices: list[str]
    NOT_A_MUNICIPALITY = "not_a_municipality"  # params: query, name
    SEAT_KIND_UNKNOWN = "seat_kind_unknown"  # params: value
    ALREADY_REGISTERED = "already_registered"  # params: municipality (SeatOverview), seat
    # params: municipality (SeatOverview), seat, approver ("facilitator" | "coordinator"),
    # coordinator (the coordinator's name, when they decide)
    REGISTRATION_WAITING = "registration_waiting"
    FIXED_SEAT_TAKEN = "fixed_seat_taken"  # params: municipality (SeatOverview)
    FLEXIBLE_SEATS_TAKEN = "flexible_seats_taken"  # params: municipality (SeatOverview)
    MUNICIPALITY_FULL = "municipality_full"  # params: municipality (SeatOverview)
    NOT_REGISTERED = "not_registered"
    NETWORK_UNKNOWN = "network_unknown"  # params: slug
    TEXT_TOO_LONG = "text_too_long"  # params: field, limit
    THEME_UNKNOWN = "theme_unknown"  # params: value (not one of the network's themes)
    # Dates and times as Danes write them (bot.domain.timeparse)
    DATE_MISSING = "date_missing"
    DATE_INVALID = "date_invalid"  # params: value (not understood as a date)
    DATE_IMPOSSIBLE = "date_impossible"  # params: value (e.g. 31. juni)
    DATE_IN_PAST = "date_in_past"  # params: value
    TIME_MISSING = "time_missing"
    TIME_INVALID = "time_invalid"  # params: value
    TIME_RANGE_INVALID = "time_range_invalid"  # params: value (end not after start)
    # Meetings and agendas
    NOT_FACILITATOR = "not_facilitator"
    MEETING_MISSING = "meeting_missing"  # no reference given where one is needed
    MEETING_UNKNOWN = "meeting_unknown"  # params: ref
    MEETING_AMBIGUOUS = "meeting_ambiguous"  # params: ref, numbers
    MEETING_CANCELLED = "meeting_cancelled"  # params: number
    MEETING_OVER = "meeting_over"  # params: number
    NO_UPCOMING_MEETING = "no_upcoming_meeting"
    TITLE_MISSING = "title_missing"
    FORMAT_MISSING = "format_missing"
    LINK_MISSING = "link_missing"  # params: format (online | hybrid)
    LINK_INVALID = "link_invalid"  # params: value
    ADDRESS_MISSING = "address_missing"  # a hybrid meeting's address
    OPTION_UNKNOWN = "option_unknown"  # params: value, allowed
    CHOICE_MISSING = "choice_missing"  # params: command, allowed (a word must follow)
    ITEM_UNKNOWN = "item_unknown"  # params: number, position
    NUMBER_INVALID = "number_invalid"  # params: value, field
    QUOTE_UNCLOSED = "quote_unclosed"  # params: quote (the opening mark), value (what follows)
    NEWS_MISSING = "news_missing"
    NO_CHANNEL = "no_channel"
    # Seat changes with consent
    MENTION_MISSING = "mention_missing"  # params: command
    MENTION_UNRESOLVED = "mention_unresolved"  # params: value
    SELF_TARGET = "self_target"
    TARGET_HAS_SEAT = "target_has_seat"  # params: name, municipality
    TARGET_GONE = "target_gone"  # params: name (left the workspace)
    NOT_HOLDER = "not_holder"
    NOT_COORDINATOR = "not_coordinator"  # params: municipality
    SEAT_SPEC_INVALID = (
        "seat_spec_invalid"  # params: value (or seat_kind, seat_slot), seats (the rule)
    )
    SEAT_NOT_OURS = "seat_not_ours"  # params: seat, holder
    NOT_SAME_MUNICIPALITY = "not_same_municipality"  # params: name
    OFFER_PENDING_TO_TARGET = "offer_pending_to_target"  # params: name
    OFFER_PENDING_FOR_SEAT = "offer_pending_for_seat"  # params: name
    OFFER_UNKNOWN = "offer_unknown"
    OFFER_NOT_YOURS = "offer_not_yours"
    OFFER_CLOSED = "offer_closed"  # params: status
    NO_OPEN_OFFERS = "no_open_offers"
    YOU_HAVE_A_SEAT = "you_have_a_seat"  # params: municipality
    NOT_FLEXIBLE = "not_flexible"  # params: seats (the rule's flexible slots)
    SUBSTITUTE_CHAIN = "substitute_chain"
    ALREADY_ATTENDING = "already_attending"  # params: name
    NOT_ATTENDING = "not_attending"
    REQUEST_UNKNOWN = "request_unknown"
    REQUEST_CLOSED = "request_closed"  # params: status
    NOT_APPROVER = "not_approver"
    NOT_A_MEMBER = "not_a_member"  # params: municipality
    SUBSTITUTE_ELSEWHERE = "substitute_elsewhere"  # params: name, number (a coming meeting)
    SEAT_HAS_SUBSTITUTE = "seat_has_substitute"  # params: name, number
    # A substitute only takes a seat nobody fills: its holder comes (params: name, seat_kind, slot,
    # number), or no seat of the municipality is open (params: municipality, number).
    HOLDER_COMING = "holder_coming"
    NO_SEAT_OPEN = "no_seat_open"
    # A municipality that lost its coordinator: taking the free fixed seat
    FIXED_SEAT_CLAIMED = "fixed_seat_claimed"  # params: name (who took it first), municipality
    FIXED_SEAT_YOURS = "fixed_seat_yours"  # params: municipality
    NOT_AN_HEIR = "not_an_heir"  # params: municipality
    # Data protection
    ERASE_FACILITATOR = "erase_facilitator"  # a configured facilitator cannot be erased
    # KL facilitates without a municipal seat
    FACILITATOR_NO_SEAT = "facilitator_no_seat"  # the actor is a facilitator: no seat for them
    TARGET_IS_FACILITATOR = "target_is_facilitator"  # params: name
    KL_NOT_A_MUNICIPALITY = "kl_not_a_municipality"  # params: query
    # Polls (afstemning)
    POLL_UNKNOWN = "poll_unknown"  # params: ref
    POLL_CLOSED = "poll_closed"  # params: number, closed_at (aware UTC)
    POLL_OPTION_UNKNOWN = "poll_option_unknown"  # a button names no option of its poll
    # params: why ("no_seat" | "pending" | "facilitator")
    POLL_NOT_A_VOTER = "poll_not_a_voter"
    POLL_QUESTION_MISSING = "poll_question_missing"
    POLL_OPTIONS_COUNT = "poll_options_count"  # params: count, low, high
    POLL_OPTIONS_SAME = "poll_options_same"  # params: value (two options read the same)
    POLL_CLOSING_MISSING = "poll_closing_missing"
    POLL_WORD_UNKNOWN = "poll_word_unknown"  # params: value (a bare word in ``afstemning opret``)
    POLL_NOT_LATER = "poll_not_later"  # params: number, closes_at (an extension must be later)
    # The loop after a meeting (material, fremmøde, feedback)
    MATERIAL_LINK_MISSING = "material_link_missing"
    MEETING_NOT_HELD = "meeting_not_held"  # params: number (it has not ended yet)
    NOT_ON_ATTENDANCE_LIST = "not_on_attendance_list"  # params: number
    FEEDBACK_RATING_INVALID = "feedback_rating_invalid"  # params: value
    NOT_AT_MEETING = "not_at_meeting"  # params: number (feedback from someone not there)
    MEETING_CANCELLED_FEEDBACK = "meeting_cancelled_feedback"  # params: number
    NO_MEETING_HELD = "no_meeting_held"


class DomainError(Exception):
    """A rule of the network said no. ``kind`` selects the Danish text, ``params`` fill it in."""

    def __init__(self, kind: ErrorKind, **params: Any) -> None:
        super().__init__(f"{kind.value}: {params}")
        self.kind = kind
        self.params = params
