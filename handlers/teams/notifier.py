"""The Teams side of delivery (``bot.ports.Notifier``) on the Agents SDK's connector client.

Where a post goes comes from the adapter memory (``bot.adapter_memory``): a place is the
conversation reference stored when a facilitator made a channel the network's; a person is the
reference stored when the bot first met them (their Teams member id, tenant and service URL),
and their 1:1 chat is created with ``create_conversation`` on the first direct message and
remembered. A ``Posted`` names the place's key, or for a 1:1 chat a short handle of the
conversation (``tc`` + a hash, remembered as a place), and the activity id: a later update or
delete finds the conversation again after a restart, and after the person's erasure (which
forgets their own reference) their direct messages can still be deleted, while nothing in the
outbox names them.

The guarantees that differ from Slack's:

- **A post whose answer was lost is sent again (at least once).** Teams has no way to ask whether
  an activity exists (no conversation history for bots, no metadata to search), so ``find_post``
  and ``find_share`` always answer "not there" and delivery posts again: nothing is lost, and a
  post whose answer was lost (a 5xx or timeout after Teams acted) may arrive twice.
- **A person Teams will not let the bot write to is unreachable.** A 403 on creating their chat
  or on a send (the app is not installed for them, they blocked it, an admin disabled it) is a
  permanent failure; the person is marked unreachable and no direct message is attempted until
  ``reachable`` is called (when Teams tells the bot the app was installed).
- **Files are links.** ``upload`` keeps the file (in the database, so every replica can serve
  it) and ``share`` posts a card with a button to a signed, expiring link on the bot's own host
  (``handlers.teams.files``); ``send_file`` does the same for one person's file (an export),
  with a link only they can open.
- **Pictures are inline.** A PNG (the map, the heatmap, the themes, a poll's results) is fitted
  to Teams' 1024×1024 and 1 MB (``handlers.teams.pictures``) before it is kept, and its card
  shows it in an ``Image`` element that Teams fetches from the same signed link.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bot import texts
from bot.adapter_memory import AdapterMemory, Reference
from bot.models import UNREACHABLE, OwnerKind
from bot.ports import DeliveryError
from bot.replies import Attachment, Posted, Reply
from handlers.teams import cards, pictures
from handlers.teams.connector import Connector
from handlers.teams.files import FileStore

HANDLE_PREFIX = "tc"
# A 1:1 chat's answers to the person's own commands, and whose they are (a hash of their id).
ANSWERS = "answers"
OWNER = "owner"
MAX_ANSWERS = 500

log = logging.getLogger(__name__)


def _owner_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def handle_of(conversation: str) -> str:
    """A short key for a conversation (fits the outbox's message columns), naming nobody."""
    return HANDLE_PREFIX + hashlib.sha256(conversation.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Target:
    kind: OwnerKind
    key: str
    conversation: str
    service_url: str
    tenant: str


class TeamsNotifier:
    def __init__(
        self,
        memory: AdapterMemory,
        connector: Connector,
        files: FileStore,
        *,
        app_id: str,
    ) -> None:
        self._memory = memory
        self._connector = connector
        self._files = files
        self._bot = f"28:{app_id}"

    # -- where a post goes -------------------------------------------------------------------

    def _target(self, key: str, *, open_chat: bool = True) -> Target:
        place = self._memory.recall(OwnerKind.PLACE, key)
        if place is not None:
            return _target(OwnerKind.PLACE, key, place)
        person = self._memory.recall(OwnerKind.PERSON, key)
        if person is None:
            # The bot never met them in Teams: it has nowhere to write.
            raise DeliveryError("not_reachable", permanent=True)
        if person.get(UNREACHABLE):
            raise DeliveryError("not_reachable", permanent=True)
        if not person.get("conversation"):
            if not open_chat:
                raise DeliveryError("not_reachable", permanent=True)
            person = self._open_chat(key, person)
        return _target(OwnerKind.PERSON, key, person)

    def _open_chat(self, key: str, person: Reference) -> Reference:
        tenant = str(person.get("tenant") or "")
        parameters = ConversationParameters.model_validate(
            {
                "isGroup": False,
                "bot": {"id": self._bot},
                "members": [{"id": str(person["member"])}],
                "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}},
            }
        )

        async def create(client: ConnectorClient) -> str:
            created = await client.conversations.create_conversation(parameters)
            return str(created.id)

        try:
            conversation = self._connector.call(str(person["service_url"]), tenant, None, create)
        except DeliveryError as error:
            self._unreachable_on_403(key, person, error)
            raise
        service_url = str(person["service_url"])
        self._memory.remember(
            OwnerKind.PLACE,
            handle_of(conversation),
            {"conversation": conversation, "service_url": service_url, "tenant": tenant},
        )
        person = {**person, "conversation": conversation}
        self._memory.remember(OwnerKind.PERSON, key, person)
        return person

    def _unreachable_on_403(self, key: str, person: Reference, error: DeliveryError) -> None:
        if error.reason == "forbidden":
            self._memory.remember(OwnerKind.PERSON, key, {**person, UNREACHABLE: True})

    def unreachable(self, key: str) -> None:
        """Teams said the app was removed from this person's chat: no direct message is tried
        until they install it again, and the facilitators see them by name."""
        person = self._memory.recall(OwnerKind.PERSON, key)
        if person is not None and not person.get(UNREACHABLE):
            self._memory.remember(OwnerKind.PERSON, key, {**person, UNREACHABLE: True})

    def reachable(self, key: str) -> None:
        """Teams said the app was installed for this person: direct messages may go again."""
        person = self._memory.recall(OwnerKind.PERSON, key)
        if person is not None and person.get(UNREACHABLE):
            person.pop(UNREACHABLE)
            self._memory.remember(OwnerKind.PERSON, key, person)

    def note_answer(self, key: str, posted: Posted) -> None:
        """Remember an answer to the person's own command in their 1:1 chat (the outbox knows
        only its posts), so their erasure deletes it too. Kept on the conversation's handle,
        which outlives the person's reference, with a hash of their id to find it by."""
        place = self._memory.recall(OwnerKind.PLACE, posted.channel)
        if place is None:
            return
        answers = [*place.get(ANSWERS, []), posted.ts][-MAX_ANSWERS:]
        place.update({ANSWERS: answers, OWNER: _owner_hash(key)})
        self._memory.remember(OwnerKind.PLACE, posted.channel, place)

    def forget(self, key: str) -> None:
        """After the person's erasure (their references are gone): delete the answers to their
        own commands from their 1:1 chat and the note of them."""
        owner = _owner_hash(key)
        for handle, place in self._memory.places().items():
            if place.get(OWNER) != owner:
                continue
            for ts in place.get(ANSWERS, []):
                try:
                    self.delete(Posted(handle, str(ts)))
                except DeliveryError as error:
                    log.warning("could not delete an answer after an erasure: %s", error.reason)
            kept = {k: v for k, v in place.items() if k not in (ANSWERS, OWNER)}
            self._memory.remember(OwnerKind.PLACE, handle, kept)

    # -- the port ----------------------------------------------------------------------------

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        target = self._target(recipient)
        sent = self._send(target, cards.activity(reply))
        where = recipient if target.kind is OwnerKind.PLACE else handle_of(target.conversation)
        return Posted(where, sent)

    def _send(self, target: Target, body: dict[str, Any]) -> str:
        activity = Activity.model_validate(body)

        async def send(client: ConnectorClient) -> str:
            sent = await client.conversations.send_to_conversation(target.conversation, activity)
            return str(sent.id or "")

        try:
            return self._connector.call(
                target.service_url, target.tenant, target.conversation, send, effect=True
            )
        except DeliveryError as error:
            if target.kind is OwnerKind.PERSON:
                person = self._memory.recall(OwnerKind.PERSON, target.key)
                if person is not None:
                    self._unreachable_on_403(target.key, person, error)
            raise

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        return None  # Teams cannot be asked: a post whose answer was lost is sent again

    def upload(self, attachment: Attachment) -> str:
        return self._files.keep(pictures.fitted(attachment))

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        self._send(self._target(posted.channel, open_chat=False), self._file_card(file_id, title))

    def send_file(self, user_id: str, attachment: Attachment) -> Posted:
        """A file for one person (an export they asked for): a link only they can open."""
        file_id = self._files.keep(pictures.fitted(attachment), owner=user_id)
        target = self._target(user_id)
        sent = self._send(target, self._file_card(file_id, attachment.title))
        return Posted(handle_of(target.conversation), sent)

    def _file_card(self, file_id: str, title: str) -> dict[str, Any]:
        kept = self._files.get(file_id)
        calendar = kept is not None and kept.filename.endswith(".ics")
        picture = kept is not None and pictures.is_picture(kept)
        button = texts.teams.TEAMS_CALENDAR_BUTTON if calendar else texts.teams.TEAMS_FILE_BUTTON
        link = self._files.link(file_id)
        said = title if picture else texts.teams.teams_file_text(title)
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": cards.escape_user_text(said), "wrap": True}
        ]
        if picture:
            # Teams fetches the picture from the signed link (it was fitted when kept).
            body.append({"type": "Image", "url": link, "altText": title, "size": "Stretch"})
        content = {
            "type": "AdaptiveCard",
            "$schema": cards.CARD_SCHEMA,
            "version": cards.CARD_VERSION,
            "body": body,
            "actions": [{"type": "Action.OpenUrl", "title": button, "url": link}],
        }
        return {
            "type": "message",
            "attachments": [{"contentType": cards.ADAPTIVE_CARD, "content": content}],
        }

    def find_share(self, posted: Posted, file_id: str) -> bool:
        return False  # as find_post: a share whose answer was lost is shared again

    def update(self, posted: Posted, reply: Reply, *, without_buttons: bool = False) -> None:
        self.update_activity(posted, cards.activity(reply, without_buttons=without_buttons))

    def post_card(self, recipient: str, content: dict[str, Any]) -> Posted:
        """An Adaptive Card of the adapter's own (a form, the Home) to a person or place."""
        target = self._target(recipient)
        sent = self._send(target, cards.card_activity(content))
        where = recipient if target.kind is OwnerKind.PLACE else handle_of(target.conversation)
        return Posted(where, sent)

    def update_card(self, posted: Posted, content: dict[str, Any]) -> None:
        self.update_activity(posted, cards.card_activity(content))

    def update_activity(self, posted: Posted, shown: dict[str, Any]) -> None:
        target = self._target(posted.channel, open_chat=False)
        activity = Activity.model_validate({**shown, "id": posted.ts})

        async def update(client: ConnectorClient) -> None:
            await client.conversations.update_activity(target.conversation, posted.ts, activity)

        try:
            self._connector.call(target.service_url, target.tenant, target.conversation, update)
        except DeliveryError as error:
            if error.reason == "not_found":
                raise DeliveryError("message_not_found", permanent=True) from error
            raise

    def delete(self, posted: Posted) -> None:
        try:
            target = self._target(posted.channel, open_chat=False)
        except DeliveryError:
            return  # no conversation with them any more: nothing of ours is left to delete

        async def delete(client: ConnectorClient) -> None:
            await client.conversations.delete_activity(target.conversation, posted.ts)

        try:
            self._connector.call(target.service_url, target.tenant, None, delete)
        except DeliveryError as error:
            if error.reason != "not_found":  # already gone: what we wanted
                raise

    def close(self) -> None:
        self._connector.close()


def _target(kind: OwnerKind, key: str, reference: Reference) -> Target:
    return Target(
        kind,
        key,
        str(reference["conversation"]),
        str(reference["service_url"]),
        str(reference.get("tenant") or ""),
    )
