"""What Teams sends the bot (activities at ``POST /api/messages``) turned into calls of the same
service as Slack's ``/klimanet`` and buttons.

- A message is a command: the bot's own mention (from the entities, not the ``<at>`` text) and a
  leading ``/klimanet`` are stripped; the rest is the command line.
- Other people's mentions come as entities with a Teams member id (``29:…``) and no Entra id:
  each distinct id (a name split over several ``<at>`` tags has one) is looked up in the roster
  (``GET /v3/conversations/{id}/members/{member}`` → ``objectId``, name, e-mail) and becomes a
  neutral ``bot.mentions.Mention`` whose account is the Entra object id (the person's id in the
  core). Only the entities count: an ``<at>`` tag without one is plain text. A tag, channel or
  team mention (an entity that names no person), or a member the roster does not know, is
  refused with an answer and nothing is done.
- A card's ``Action.Submit`` arrives as a message with ``value``: the same click as Slack's
  button; the clicked card is updated in place without its buttons, so it cannot act twice.
  A submitted form card (``handlers.teams.forms``) is Slack's modal submission: the card is
  updated in place with the errors, or with the result.
- ``hjem`` answers with the person's Home as a card (Teams has no App Home tab); installing the
  app sends it once as the welcome.
- Every activity is acted on once: its id is the inbound memory's key, remembered in the
  transaction that acts (a replay or Teams' retry is refused there).
- A member removed from the network's team (``conversationUpdate`` with ``membersRemoved``;
  the team is stored with the network's channel by ``@Klimanet kanal``) is told to the service,
  which asks the facilitators about a seat they held; the bot itself removed is only logged.
- The person is remembered (member id, tenant, service URL; their 1:1 chat when it is one) so
  posts can reach them later; an app installation makes an unreachable person reachable again.

A person's id in the core is their Entra object id (``KLIMANET_ADMINS`` names facilitators so).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bot import texts
from bot.adapter_memory import AdapterMemory
from bot.domain.registration import Actor
from bot.mentions import Mention, is_account, mark, unmarked
from bot.models import UNREACHABLE, OwnerKind
from bot.ports import DeliveryError
from bot.replies import Posted, Reply
from bot.service.inbound import AlreadyActedOn, InboundMemory
from bot.service.klimanet import Klimanet
from handlers.teams.cards import ACTION_KEY, HOME_KEY, VALUE_KEY
from handlers.teams.connector import Connector
from handlers.teams.forms import FORM_KEY, CardAnswer, TeamsForms
from handlers.teams.notifier import TeamsNotifier, handle_of

log = logging.getLogger(__name__)

# The platform's name in the core (``handlers.teams.app.TEAMS``): people are ("teams", tenant,
# Entra object id).
PLATFORM = "teams"
_COMMAND = re.compile(r"^\s*/klimanet\b\s*", re.IGNORECASE)
_AT = re.compile(r"</?at>", re.IGNORECASE)
# A person's id in Teams' Bot Framework: users are 29:…, bots 28:…, channels and teams 19:…,
# and a tag's id is an opaque string; Teams marks tags and channels in the entity's ``type``.
_PERSON_PREFIX = "29:"
_PERSON_TYPES = ("", "person", "user")


@dataclass(frozen=True)
class Tagged:
    """Someone or something named in a message: the mentioned id, every ``<at>`` text of it (a
    name split over several tags is one id), and whether it names a person."""

    member_id: str
    texts: tuple[str, ...]
    person: bool = True

    @property
    def typed(self) -> str:
        """The mention as the person saw it: ``@Bo Hansen`` from ``<at>Bo</at> <at>Hansen</at>``."""
        return "@" + " ".join(" ".join(_AT.sub("", tag) for tag in self.texts).split())


@dataclass(frozen=True)
class Incoming:
    """What an activity asks of the bot."""

    key: str  # the replay memory's key
    actor: Actor
    member_id: str  # the sender's Teams member id (29:…)
    conversation: str
    personal: bool  # the 1:1 chat with the bot
    service_url: str
    tenant: str
    line: str | None = None  # a command
    mentions: tuple[Tagged, ...] = ()
    action: tuple[str, str] | None = None  # a card's submit: (action id, value)
    clicked: str | None = None  # the activity id of the clicked card
    installed: bool = False
    form: dict[str, Any] | None = None  # a submitted form card's value
    uninstalled: bool = False
    team: str = ""  # the team of a channel's conversation (channelData.team.id)


@dataclass(frozen=True)
class Removed:
    """Someone removed from a team: their Teams member id and Entra object id."""

    member_id: str
    object_id: str


@dataclass(frozen=True)
class Departure:
    """Members removed from a team (``conversationUpdate`` with ``membersRemoved``)."""

    tenant: str
    team: str
    conversation: str
    bot_id: str  # the bot's own member id: the bot itself removed is not a person leaving
    removed: tuple[Removed, ...]


def read_departure(activity: dict[str, Any]) -> Departure | None:
    """A ``conversationUpdate`` that removes members from a team, or None."""
    removed = activity.get("membersRemoved") or []
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    if activity.get("type") != "conversationUpdate" or not removed or not conversation.get("id"):
        return None
    tenant = str((channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId") or "")
    return Departure(
        tenant=tenant,
        team=str((channel_data.get("team") or {}).get("id") or ""),
        conversation=str(conversation["id"]),
        bot_id=str((activity.get("recipient") or {}).get("id") or ""),
        removed=tuple(
            Removed(str(m.get("id") or ""), str(m.get("aadObjectId") or ""))
            for m in removed
            if isinstance(m, dict)
        ),
    )


def read_activity(activity: dict[str, Any]) -> Incoming | Departure | None:
    """The activity as a request, or None when it asks nothing of the bot."""
    if activity.get("type") == "conversationUpdate":
        return read_departure(activity)
    sender = activity.get("from") or {}
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    tenant = str((channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId") or "")
    object_id = str(sender.get("aadObjectId") or "")
    if not object_id or not conversation.get("id") or not activity.get("serviceUrl"):
        return None  # not a person of a tenant (e.g. a bot), or nowhere to answer
    common: dict[str, Any] = {
        "key": f"teams:{conversation['id']}:{activity.get('id') or ''}",
        "actor": Actor(tenant, object_id, str(sender.get("name") or ""), platform=PLATFORM),
        "member_id": str(sender.get("id") or ""),
        "conversation": str(conversation["id"]),
        "personal": conversation.get("conversationType", "personal") == "personal",
        "service_url": str(activity["serviceUrl"]),
        "tenant": tenant,
        "team": str((channel_data.get("team") or {}).get("id") or ""),
    }
    kind = activity.get("type")
    if kind == "installationUpdate":
        change = str(activity.get("action") or "")
        return Incoming(**common, installed=change == "add", uninstalled=change == "remove")
    if kind != "message":
        return None
    value = activity.get("value")
    if isinstance(value, dict) and FORM_KEY in value:
        return Incoming(**common, form=value, clicked=activity.get("replyToId"))
    if isinstance(value, dict) and ACTION_KEY in value:
        action = (str(value[ACTION_KEY]), str(value.get(VALUE_KEY) or ""))
        # A Home card's button is answered with a new message: the Home stays as it is.
        clicked = None if value.get(HOME_KEY) else activity.get("replyToId")
        return Incoming(**common, action=action, clicked=clicked)
    line, mentions = command_line(activity)
    return Incoming(**common, line=line, mentions=mentions)


def _is_channel_command(line: str | None) -> bool:
    return line is not None and line.strip().lower() == "kanal"


def command_line(activity: dict[str, Any]) -> tuple[str, tuple[Tagged, ...]]:
    """The message's text without the bot's mention and a leading ``/klimanet`` (its other
    ``<at>`` tags still in it), and what else it mentions (one per mentioned id, in order)."""
    text = unmarked(str(activity.get("text") or ""))  # a mark is only ever one made here
    bot_id = str((activity.get("recipient") or {}).get("id") or "")
    found: dict[str, list[str]] = {}
    person: dict[str, bool] = {}
    for entity in activity.get("entities") or []:
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        tag = unmarked(str(entity.get("text") or ""))
        member = str(mentioned.get("id") or "")
        if member == bot_id:
            text = text.replace(tag, " ", 1) if tag else text
        elif member and tag:
            found.setdefault(member, []).append(tag)
            person[member] = member.startswith(_PERSON_PREFIX) and (
                str(mentioned.get("type") or "").lower() in _PERSON_TYPES
            )
    line = _COMMAND.sub("", " ".join(text.split()), count=1)
    return line, tuple(Tagged(m, tuple(tags), person[m]) for m, tags in found.items())


def with_marks(line: str, mentions: tuple[Tagged, ...], marks: dict[str, str]) -> str:
    """``line`` with each mention's first ``<at>`` tag replaced by its mark and the rest of a
    split name removed, scanning from left to right so each entity's tag is consumed once."""
    pending = [(m.member_id, tag) for m in mentions for tag in m.texts]
    marked: set[str] = set()
    out: list[str] = []
    cursor = 0
    while pending:
        places = [(line.find(tag, cursor), n) for n, (_, tag) in enumerate(pending)]
        found = [(at, n) for at, n in places if at >= 0]
        if not found:
            break
        at, n = min(found)
        member, tag = pending.pop(n)
        out.append(line[cursor:at])
        out.append(" " if member in marked else f" {marks[member]} ")
        marked.add(member)
        cursor = at + len(tag)
    out.append(line[cursor:])
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class RosterMember:
    """A member of a conversation as Teams' roster has them."""

    member_id: str  # 29:…
    object_id: str  # the Entra object id: the person's account in the core
    name: str
    email: str
    tenant: str


class RosterUnknown(Exception):
    """The roster does not know the member (404), or knows no Entra object id for them."""


class Roster:
    """Who a mentioned member is, asked of Teams (the entity itself has no Entra id)."""

    def __init__(self, connector: Connector) -> None:
        self._connector = connector

    def member(self, incoming: Incoming, member_id: str) -> RosterMember:
        """The member of the incoming conversation; raises ``RosterUnknown`` when Teams does not
        know them, ``DeliveryError`` when Teams did not answer."""

        async def member(client: ConnectorClient) -> dict[str, Any]:
            found = await client.conversations.get_conversation_member(
                incoming.conversation, member_id
            )
            # SDK 1.9's member model has no field for Teams' ``objectId`` (its aad_object_id
            # stays empty): the model keeps unknown fields, so read the answer's own names.
            answer = dict(found.model_extra or {})
            answer.update(found.model_dump(by_alias=True, exclude_none=True))
            return answer

        try:
            found = self._connector.call(incoming.service_url, incoming.tenant, None, member)
        except DeliveryError as error:
            if error.reason == "not_found":
                raise RosterUnknown(member_id) from error
            raise
        object_id = unmarked(str(found.get("objectId") or found.get("aadObjectId") or ""))
        if not is_account(object_id):
            raise RosterUnknown(member_id)
        return RosterMember(
            member_id,
            object_id,
            str(found.get("name") or ""),
            str(found.get("email") or found.get("userPrincipalName") or ""),
            str(found.get("tenantId") or incoming.tenant),
        )


class TeamsInbound:
    """Acts on one activity (on a worker thread, never on the request's own)."""

    def __init__(
        self,
        service: Klimanet,
        notifier: TeamsNotifier,
        memory: AdapterMemory,
        inbound: InboundMemory,
        roster: Roster,
        *,
        channel_key: str | None = None,
    ) -> None:
        self._channel_key = channel_key
        self._service = service
        self._notifier = notifier
        self._memory = memory
        self._inbound = inbound
        self._roster = roster
        self._forms = TeamsForms(service)

    def handle(self, incoming: Incoming | Departure) -> None:
        if isinstance(incoming, Departure):
            self._departed(incoming)
            return
        self._remember(incoming)
        if incoming.uninstalled:
            if incoming.personal:  # removed from a team is not removed from their own chat
                self._notifier.unreachable(incoming.actor.user_id)
            return
        if incoming.installed:
            self._notifier.reachable(incoming.actor.user_id)
            if incoming.personal and self._inbound.first_time(incoming.key):
                self._welcome(incoming)
            return
        if _is_channel_command(incoming.line):
            self._set_channel(incoming)
            return
        line = incoming.line
        if line is not None and incoming.mentions:
            resolved = self._resolve(incoming, line)
            if isinstance(resolved, Reply):  # refused before anything was done
                if self._inbound.first_time(incoming.key):
                    self._answer(incoming, resolved)
                return
            line = resolved
        try:
            with self._inbound.once(incoming.key) as once:
                answer = self._act(incoming, line)
        except AlreadyActedOn:
            log.info("Teams activity %s was acted on already", incoming.key)
            return
        # A request that wrote nothing (a question, "keep my data") left no key: remember it
        # now, so a replay does not answer (or update a card) a second time.
        if not once.remembered and not self._inbound.first_time(incoming.key):
            log.info("Teams activity %s was answered already", incoming.key)
            return
        if answer is not None:
            self._answer(incoming, answer)

    def _welcome(self, incoming: Incoming) -> None:
        """The app was installed in the person's own chat: their Home, by role (what Klimanet
        is and how to join, their seats and meetings, a facilitator's network)."""
        self._answer(incoming, self._forms.home(incoming.actor))

    def _set_channel(self, incoming: Incoming) -> None:
        """``@Klimanet kanal`` in a channel: a facilitator makes it the network's channel (its
        conversation reference is kept as the network's place); anyone else is refused."""
        if not self._inbound.first_time(incoming.key):
            return
        if incoming.personal or self._channel_key is None:
            answer = Reply((texts.teams.TEAMS_CHANNEL_NOT_HERE,))
        elif not self._service.is_facilitator(incoming.actor.user_id):
            answer = Reply((texts.teams.TEAMS_CHANNEL_REFUSED,))
        else:
            # A reply thread's id names its channel first: posts go to the channel itself.
            channel = incoming.conversation.split(";", 1)[0]
            reference = {
                "conversation": channel,
                "service_url": incoming.service_url,
                "tenant": incoming.tenant,
            }
            if incoming.team:  # whose removals are departures from the network
                reference["team"] = incoming.team
            self._memory.remember(OwnerKind.PLACE, self._channel_key, reference)
            try:
                self._notifier.post(self._channel_key, Reply((texts.teams.TEAMS_CHANNEL_SET,)))
            except DeliveryError as error:
                log.warning("could not confirm the network's channel: %s", error.reason)
            return
        self._answer(incoming, answer)

    def _departed(self, departure: Departure) -> None:
        """Members removed from the network's team: each one who holds a seat is named to the
        facilitators with a button that frees it (the service decides; nothing is released
        here). The bot itself removed is logged; other teams' removals are not the network's."""
        channel = (
            self._memory.recall(OwnerKind.PLACE, self._channel_key) if self._channel_key else None
        )
        # A team's General channel has the team's id: a reference without a team names it so.
        team = str((channel or {}).get("team") or (channel or {}).get("conversation") or "")
        if not team or team not in (departure.team, departure.conversation.split(";", 1)[0]):
            log.info("members removed from a team that is not the network's")
            return
        # No replay memory needed: the notices are keyed by person and seat, so Teams' retry
        # (or the same removal told twice) plans nothing new.
        for removed in departure.removed:
            if removed.member_id == departure.bot_id:
                log.warning("Klimanet was removed from the network's team")
            elif not removed.object_id:
                log.warning("a member left the network's team without an Entra object id")
            else:
                actor = Actor(departure.tenant, removed.object_id, "", platform=PLATFORM)
                self._service.member_departed(actor)

    def _act(self, incoming: Incoming, line: str | None) -> Reply | CardAnswer | None:
        if incoming.form is not None:
            return self._forms.submit(incoming.actor, incoming.form)
        if incoming.action is not None:
            action_id, value = incoming.action
            opened = self._forms.home_button(incoming.actor, action_id, value)
            if opened is not None:
                return opened
            return self._service.click(incoming.actor, action_id, value)
        if line is None:
            return None
        if line.strip().casefold() == texts.teams.TEAMS_HOME_COMMAND:
            return self._forms.home(incoming.actor)
        outcome = self._service.command(incoming.actor, line)
        # A form (Slack: a modal) comes as an Adaptive Card form.
        return self._forms.opened(outcome)

    def _resolve(self, incoming: Incoming, line: str) -> str | Reply:
        """The line with each person it mentions as a neutral mention (their Entra object id,
        from the roster), or the answer that refuses it: a tag, channel or team mention, a
        member the roster does not know, or a roster that did not answer."""
        refused = next((m for m in incoming.mentions if not m.person), None)
        if refused is not None:
            return Reply((texts.teams.teams_mention_not_person(refused.typed),))
        marks: dict[str, str] = {}
        for tagged in incoming.mentions:
            try:
                member = self._roster.member(incoming, tagged.member_id)
            except RosterUnknown:
                return Reply((texts.teams.teams_mention_not_found(tagged.typed),))
            except DeliveryError as error:
                log.warning("Teams' roster did not answer: %s", error.reason)
                return Reply((texts.teams.teams_mention_lookup_failed(tagged.typed),))
            self._meet(incoming, member)
            mention = Mention(member.object_id, tagged.typed, member.name)
            marks[tagged.member_id] = mark(mention)
        return with_marks(line, incoming.mentions, marks)

    def _meet(self, incoming: Incoming, member: RosterMember) -> None:
        """A mentioned person the bot has not met yet is remembered (member id, tenant, service
        URL), so a consent request can reach them in a 1:1 chat the bot opens."""
        if self._memory.recall(OwnerKind.PERSON, member.object_id) is None:
            reference = {
                "member": member.member_id,
                "service_url": incoming.service_url,
                "tenant": member.tenant,
            }
            self._memory.remember(OwnerKind.PERSON, member.object_id, reference)

    def _remember(self, incoming: Incoming) -> None:
        person: dict[str, Any] = {
            "member": incoming.member_id,
            "service_url": incoming.service_url,
            "tenant": incoming.tenant,
        }
        known = self._memory.recall(OwnerKind.PERSON, incoming.actor.user_id) or {}
        if known.get(UNREACHABLE) and not incoming.installed:
            person[UNREACHABLE] = True
        # The conversation it came from, so a clicked card there can be updated (what else the
        # notifier keeps there, the answers to delete after an erasure, stays).
        handle = handle_of(incoming.conversation)
        place = {
            "conversation": incoming.conversation,
            "service_url": incoming.service_url,
            "tenant": incoming.tenant,
        }
        known_place = self._memory.recall(OwnerKind.PLACE, handle) or {}
        if any(known_place.get(k) != v for k, v in place.items()):
            self._memory.remember(OwnerKind.PLACE, handle, {**known_place, **place})
        if incoming.personal:
            person["conversation"] = incoming.conversation
        elif known.get("conversation"):
            person["conversation"] = known["conversation"]
        if person != known:
            self._memory.remember(OwnerKind.PERSON, incoming.actor.user_id, person)

    def _answer(self, incoming: Incoming, reply: Reply | CardAnswer) -> None:
        try:
            if isinstance(reply, CardAnswer):
                self._show_card(incoming, reply)
                return
            if incoming.clicked is not None:
                # The clicked card shows what happened, and only the buttons of the answer (if
                # it asks something new): the old ones are gone, so a second click cannot act.
                clicked = Posted(handle_of(incoming.conversation), incoming.clicked)
                self._notifier.update(clicked, reply, without_buttons=not reply.buttons)
                return
            # Answers to a person go to their 1:1 chat, so the channel is not filled with them.
            user_id = incoming.actor.user_id
            self._notifier.note_answer(user_id, self._notifier.post(user_id, reply))
            for attachment in reply.files:  # an export: a link only the asker can open
                self._notifier.note_answer(user_id, self._notifier.send_file(user_id, attachment))
        except DeliveryError as error:
            log.warning("could not answer a Teams activity: %s", error.reason)

    def _show_card(self, incoming: Incoming, answer: CardAnswer) -> None:
        """A form again with its errors replaces the submitted card; a new form or the Home is a
        new message in the person's 1:1 chat."""
        if answer.replace and incoming.clicked is not None:
            clicked = Posted(handle_of(incoming.conversation), incoming.clicked)
            self._notifier.update_card(clicked, answer.content)
        else:
            user_id = incoming.actor.user_id
            # Noted like every answer: the person's erasure deletes their forms and Home too.
            self._notifier.note_answer(user_id, self._notifier.post_card(user_id, answer.content))
