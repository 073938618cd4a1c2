"""SQLAlchemy 2.0 typed models, one module per area. The schema itself is owned by the Alembic
migrations; every table is imported here so ``Base.metadata`` knows them all."""

from __future__ import annotations

from bot.models.adapters import (
    UNREACHABLE,
    AdapterFile,
    AdapterRef,
    OwnerKind,
    RateWindow,
)
from bot.models.base import (
    Base,
    UTCDateTime,
)
from bot.models.loop import (
    MeetingAttendanceConfirmed,
    MeetingFeedback,
    MeetingMaterial,
    MeetingPresence,
)
from bot.models.meetings import (
    AgendaItem,
    AgendaKind,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    MeetingTold,
    NewsPost,
)
from bot.models.network import (
    Membership,
    Municipality,
    Network,
    NetworkFacilitator,
    NetworkSeatSlot,
    NetworkTheme,
    Person,
)
from bot.models.outbox import (
    AddressedTo,
    InboundSeen,
    OutboxMessage,
    OutboxStatus,
)
from bot.models.polls import (
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
)
from bot.models.privacy import (
    Erasure,
    ErasureCause,
)
from bot.models.seats import (
    Attendance,
    AttendanceStatus,
    OfferKind,
    OfferStatus,
    RequestStatus,
    Seat,
    SeatAction,
    SeatEvent,
    SeatKind,
    SeatOffer,
    SeatRequest,
    SeatStatus,
)
from bot.models.subscriptions import (
    CalendarSubscription,
    FeedScope,
)

__all__ = [
    "UTCDateTime",
    "Base",
    "SeatKind",
    "SeatAction",
    "SeatStatus",
    "Municipality",
    "Network",
    "NetworkSeatSlot",
    "NetworkFacilitator",
    "NetworkTheme",
    "Person",
    "Membership",
    "Seat",
    "SeatEvent",
    "MeetingFormat",
    "MeetingStatus",
    "AgendaKind",
    "Meeting",
    "AgendaItem",
    "NewsPost",
    "OutboxStatus",
    "OutboxMessage",
    "AddressedTo",
    "RequestStatus",
    "SeatRequest",
    "OfferKind",
    "OfferStatus",
    "SeatOffer",
    "AttendanceStatus",
    "Attendance",
    "MeetingTold",
    "InboundSeen",
    "ErasureCause",
    "Erasure",
    "Poll",
    "PollOption",
    "PollBallot",
    "PollChoice",
    "AdapterRef",
    "UNREACHABLE",
    "OwnerKind",
    "FeedScope",
    "CalendarSubscription",
    "MeetingMaterial",
    "MeetingPresence",
    "MeetingAttendanceConfirmed",
    "MeetingFeedback",
    "RateWindow",
    "AdapterFile",
]
