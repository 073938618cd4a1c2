"""What Teams sends the bot (activities at ``POST /api/messages``) turned into calls of the same
service as Slack's ``/klimanet`` and buttons.

- A message is a command: the bot's own mention (from the entities, not the ``<at>`` text) and a
  leading ``/klimanet`` are stripped; the rest is the command line.
- Other people's mentions come as entities with a Teams member id (``29:…``) and no Entra id:
  each distinct id (a name split over several ``<at>`` tags has one) is looked up in the roster
  (``GET /v3/conversations/{id}/members/{member}`` → ``objectId``, name) and written into the
  line as ``@Name`` for the service.
- A card's ``Action.Submit`` arrives as a message with ``value``: the same click as Slack's
  button; the clicked card is updated in place without its buttons, so it cannot act twice.
- Every activity is acted on once: its id is the inbound memory's key, remembered in the
  transaction that acts (a replay or Teams' retry is refused there).
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
from bot.models import OwnerKind
from bot.ports import DeliveryError
from bot.replies import Posted, RegistrationFormRequest, Reply
from bot.service.inbound import AlreadyActedOn, InboundMemory
from bot.service.klimanet import Klimanet
from handlers.teams.cards import ACTION_KEY, VALUE_KEY
from handlers.teams.connector import Connector
from handlers.teams.notifier import TeamsNotifier, handle_of

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^\s*/klimanet\b\s*", re.IGNORECASE)
_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Mention:
    """Another person named in a message: their Teams member id and every ``<at>`` text of it."""

    member_id: str
    texts: tuple[str, ...]


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
    mentions: tuple[Mention, ...] = ()
    action: tuple[str, str] | None = None  # a card's submit: (action id, value)
    clicked: str | None = None  # the activity id of the clicked card
    installed: bool = False


def read_activity(activity: dict[str, Any]) -> Incoming | None:
    """The activity as a request, or None when it asks nothing of the bot."""
    sender = activity.get("from") or {}
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    tenant = str((channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId") or "")
    object_id = str(sender.get("aadObjectId") or "")
    if not object_id or not conversation.get("id") or not activity.get("serviceUrl"):
        return None  # not a person of a tenant (e.g. a bot), or nowhere to answer
    common: dict[str, Any] = {
        "key": f"teams:{conversation['id']}:{activity.get('id') or ''}",
        "actor": Actor(tenant, object_id, str(sender.get("name") or "")),
        "member_id": str(sender.get("id") or ""),
        "conversation": str(conversation["id"]),
        "personal": conversation.get("conversationType", "personal") == "personal",
        "service_url": str(activity["serviceUrl"]),
        "tenant": tenant,
    }
    kind = activity.get("type")
    if kind == "installationUpdate":
        return Incoming(**common, installed=activity.get("action") == "add")
    if kind != "message":
        return None
    value = activity.get("value")
    if isinstance(value, dict) and ACTION_KEY in value:
        action = (str(value[ACTION_KEY]), str(value.get(VALUE_KEY) or ""))
        return Incoming(**common, action=action, clicked=activity.get("replyToId"))
    line, mentions = command_line(activity)
    return Incoming(**common, line=line, mentions=mentions)


def _is_channel_command(line: str | None) -> bool:
    return line is not None and line.strip().lower() == "kanal"


def command_line(activity: dict[str, Any]) -> tuple[str, tuple[Mention, ...]]:
    """The message's text without the bot's mention and a leading ``/klimanet``, and the other
    people it mentions (one per member id, in order)."""
    text = str(activity.get("text") or "")
    bot_id = str((activity.get("recipient") or {}).get("id") or "")
    found: dict[str, list[str]] = {}
    for entity in activity.get("entities") or []:
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        tag = str(entity.get("text") or "")
        member = str(mentioned.get("id") or "")
        if member == bot_id:
            text = text.replace(tag, " ", 1) if tag else text
        elif member and tag:
            found.setdefault(member, []).append(tag)
    line = _COMMAND.sub("", " ".join(text.split()), count=1)
    return line, tuple(Mention(m, tuple(tags)) for m, tags in found.items())


class Roster:
    """Who a mentioned member is, asked of Teams (the entity itself has no Entra id)."""

    def __init__(self, connector: Connector) -> None:
        self._connector = connector

    def name_of(self, incoming: Incoming, member_id: str) -> tuple[str, str] | None:
        """(Entra object id, name) of a member of the conversation, or None."""

        async def member(client: ConnectorClient) -> dict[str, Any]:
            found = await client.conversations.get_conversation_member(
                incoming.conversation, member_id
            )
            return found.model_dump(by_alias=True, exclude_none=True)

        try:
            found = self._connector.call(incoming.service_url, incoming.tenant, None, member)
        except DeliveryError:
            return None
        object_id = str(found.get("objectId") or found.get("aadObjectId") or "")
        return (object_id, str(found.get("name") or "")) if object_id else None


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

    def handle(self, incoming: Incoming) -> None:
        self._remember(incoming)
        if incoming.installed:
            self._notifier.reachable(incoming.actor.user_id)
            if incoming.personal and self._inbound.first_time(incoming.key):
                self._welcome(incoming)
            return
        if _is_channel_command(incoming.line):
            self._set_channel(incoming)
            return
        try:
            with self._inbound.once(incoming.key) as once:
                answer = self._act(incoming)
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
        """The app was installed in the person's own chat: what they can write (the same help
        as ``hjælp``; their Home by role comes later)."""
        welcome = self._service.command(incoming.actor, "hjælp")
        if isinstance(welcome, Reply):
            self._answer(incoming, welcome)

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
            self._memory.remember(OwnerKind.PLACE, self._channel_key, reference)
            try:
                self._notifier.post(self._channel_key, Reply((texts.teams.TEAMS_CHANNEL_SET,)))
            except DeliveryError as error:
                log.warning("could not confirm the network's channel: %s", error.reason)
            return
        self._answer(incoming, answer)

    def _act(self, incoming: Incoming) -> Reply | None:
        if incoming.action is not None:
            action_id, value = incoming.action
            return self._service.click(incoming.actor, action_id, value)
        if incoming.line is None:
            return None
        outcome = self._service.command(incoming.actor, self._with_names(incoming))
        if isinstance(outcome, Reply):
            return outcome
        # Forms (registration, meetings) are not Adaptive Card forms yet: the one-line command.
        example = (
            texts.teams.TEAMS_REGISTRATION_EXAMPLE
            if isinstance(outcome, RegistrationFormRequest)
            else texts.teams.TEAMS_MEETING_EXAMPLE
        )
        return Reply((texts.teams.teams_form_on_one_line(example),))

    def _with_names(self, incoming: Incoming) -> str:
        line = incoming.line or ""
        for mention in incoming.mentions:
            known = self._roster.name_of(incoming, mention.member_id)
            name = known[1] if known is not None else _AT.sub(r"\1", mention.texts[0])
            first, *rest = mention.texts
            line = line.replace(first, f"@{' '.join(name.split())}", 1)
            for tag in rest:  # the rest of a name split over several tags
                line = line.replace(tag, "", 1)
        return " ".join(line.split())

    def _remember(self, incoming: Incoming) -> None:
        person: dict[str, Any] = {
            "member": incoming.member_id,
            "service_url": incoming.service_url,
            "tenant": incoming.tenant,
        }
        known = self._memory.recall(OwnerKind.PERSON, incoming.actor.user_id) or {}
        if known.get("unreachable") and not incoming.installed:
            person["unreachable"] = True
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

    def _answer(self, incoming: Incoming, reply: Reply) -> None:
        try:
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
