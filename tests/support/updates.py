"""What users do, as the updates Telegram would deliver for it: messages, edits, button
presses, inline queries, membership changes, group migrations.

Each builder also changes the world the way Telegram would (a removed bot's sends start to
fail, a migrated group's old id is refused), so a test states the user's action once.
"""

from __future__ import annotations

import copy
import re
import time

from tests.support.checks import utf16_len
from tests.support.wire import JSON
from tests.support.world import FORBIDDEN_BY_CHAT_TYPE, World, chat_member, strip_reply

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{3,32}\b")
# The placeholder users Telegram puts in `from` when a message is sent on behalf of a chat.
GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT: JSON = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}


def text_entities(text: str) -> list[JSON]:
    """Entities the Telegram client would attach: a leading /command and @mentions."""
    entities: list[JSON] = []
    command = _COMMAND_RE.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command[0])})
    for mention in _MENTION_RE.finditer(text):
        if command and mention.start() < command.end():
            continue
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention[0]),
            }
        )
    return entities


def message_of(obj: JSON) -> JSON:
    """Accept a Message, an update carrying one, or a ``{"ok", "result"}`` response."""
    if "message_id" in obj:
        return obj
    if isinstance(obj.get("result"), dict):
        return message_of(obj["result"])
    for value in obj.values():
        if isinstance(value, dict) and "message_id" in value:
            return value
    raise ValueError(f"no message in {obj!r}")


def _message_kind(chat_type: str) -> str:
    return "channel_post" if chat_type == "channel" else "message"


class UpdateBuilders:
    """The user-side actions of FakeBotAPI; each queues one update and returns a copy of it."""

    world: World

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update for getUpdates (the server implements it)."""
        raise NotImplementedError

    def send_text(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        user_id: int = 1001,
        chat_type: str = "private",
        first_name: str = "Alice",
        username: str | None = None,
        reply_to_message: JSON | None = None,
        chat_title: str | None = None,
        sender_chat_id: int | None = None,
    ) -> JSON:
        """A text message from a user; /commands and @mentions get entities as in Telegram.

        With ``sender_chat_id`` the message is sent on behalf of a chat, as Telegram shows it:
        the group's own id for an anonymous administrator (``from`` is GroupAnonymousBot), a
        channel's id for a user posting as their channel (``from`` is Channel_Bot)."""
        message = self.world.new_message(
            chat_id, user_id, chat_type, first_name, username, chat_title
        )
        if sender_chat_id is not None:
            if sender_chat_id == chat_id:
                message["sender_chat"] = copy.deepcopy(message["chat"])
                message["from"] = copy.deepcopy(GROUP_ANONYMOUS_BOT)
            else:
                known = self.world.chats.get(sender_chat_id, {})
                message["sender_chat"] = self.world.remember_chat(
                    sender_chat_id, "channel", known.get("title", "Channel"), None
                )
                message["from"] = copy.deepcopy(CHANNEL_BOT)
        message["text"] = text
        if entities := text_entities(text):
            message["entities"] = entities
        if reply_to_message is not None:
            message["reply_to_message"] = strip_reply(message_of(reply_to_message))
        return self.push_update({_message_kind(chat_type): message})

    def edit_text(self, message: JSON, new_text: str) -> JSON:
        """The user edited an earlier message: same message_id, new text, edit_date set."""
        original = message_of(message)
        key = (original["chat"]["id"], original["message_id"])
        edited = copy.deepcopy(self.world.messages.get(key, original))
        edited["text"] = new_text
        edited.pop("entities", None)
        if entities := text_entities(new_text):
            edited["entities"] = entities
        edited["edit_date"] = max(int(time.time()), edited["date"])
        kind = "edited_channel_post" if edited["chat"]["type"] == "channel" else "edited_message"
        return self.push_update({kind: edited})

    def send_sticker(
        self, *, chat_id: int = 1001, user_id: int = 1001, chat_type: str = "private"
    ) -> JSON:
        """A non-text message: a regular sticker."""
        message = self.world.new_message(chat_id, user_id, chat_type)
        file_id = self.world.next_object_id()
        message["sticker"] = {
            "file_id": f"CAACAgIAAxkBAAI{file_id}",
            "file_unique_id": f"AgAD{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "set_name": "FakeStickers",
            "file_size": 20480,
        }
        return self.push_update({_message_kind(chat_type): message})

    def send_photo(
        self,
        *,
        chat_id: int = 1001,
        user_id: int = 1001,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> JSON:
        """A non-text message: a photo in three sizes, optionally with a caption."""
        message = self.world.new_message(chat_id, user_id, chat_type)
        file_id = self.world.next_object_id()
        message["photo"] = [
            {
                "file_id": f"AgACAgIAAxkBAAI{file_id}_{side}",
                "file_unique_id": f"AQAD{file_id}_{side}",
                "width": side,
                "height": side * 3 // 4,
                "file_size": side * side // 8,
            }
            for side in (90, 320, 1280)
        ]
        if caption is not None:
            message["caption"] = caption
        return self.push_update({_message_kind(chat_type): message})

    def press_button(
        self, bot_message: JSON, data: str, *, user_id: int = 1001, check: bool = True
    ) -> JSON:
        """A user pressed an inline button on a message the bot sent.

        With ``check`` (the default) the message as it is now (after the bot's edits) must
        still carry a button with this callback_data, as a real client could only press that.
        """
        given = message_of(bot_message)
        message = self.world.messages.get((given["chat"]["id"], given["message_id"]), given)
        if check:
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            datas = [button.get("callback_data") for row in keyboard for button in row]
            if data not in datas:
                raise AssertionError(
                    f"message {message['message_id']} in chat {message['chat']['id']} has no "
                    f"button with callback_data {data!r}; its buttons: {datas}"
                )
        query = {
            "id": str(self.world.next_object_id()),
            "from": self.world.user(user_id),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(message["chat"]["id"]) * 7919 + self.world.bot_id),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def inline_query(self, query: str, *, user_id: int = 1001) -> JSON:
        """A user typed ``@bot query`` in some chat."""
        inline = {
            "id": str(self.world.next_object_id()),
            "from": self.world.user(user_id),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        return self.push_update({"inline_query": inline})

    def chat_member_update(
        self,
        *,
        chat_id: int,
        chat_type: str,
        new_status: str,
        old_status: str = "left",
        user_id: int = 1001,
        chat_title: str = "Group",
        chat_username: str | None = None,
        can_post_messages: bool | None = None,
    ) -> JSON:
        """The bot's own membership changed (added, promoted, removed, blocked by a user).

        Like Telegram, sends to the chat fail with 403 while the bot is "left" or "kicked".
        `can_post_messages` is the channel administrator's right to post.
        """
        world = self.world
        user = world.user(user_id)
        if chat_username:
            world.chats.setdefault(chat_id, {})["username"] = chat_username
        chat = world.remember_chat(chat_id, chat_type, chat_title, user)
        if new_status in ("left", "kicked"):
            world.forbidden[chat_id] = FORBIDDEN_BY_CHAT_TYPE.get(chat_type, "Forbidden")
        else:
            world.forbidden.pop(chat_id, None)
        admins = world.admins.setdefault(chat_id, set())
        if new_status in ("administrator", "creator"):
            admins.add(world.bot_id)
        else:
            admins.discard(world.bot_id)
        update = {
            "chat": chat,
            "from": user,
            "date": int(time.time()),
            "old_chat_member": chat_member(world.bot_user, old_status),
            "new_chat_member": chat_member(
                world.bot_user, new_status, can_post_messages=can_post_messages
            ),
        }
        return self.push_update({"my_chat_member": update})

    def migrate_message(self, *, old_chat_id: int, new_chat_id: int) -> JSON:
        """A group became a supergroup; from now on sends to the old id get 400 "migrated"."""
        world = self.world
        title = world.chats.get(old_chat_id, {}).get("title", "Group")
        message = world.new_message(old_chat_id, 1001, "group", chat_title=title)
        message["migrate_to_chat_id"] = new_chat_id
        world.migrated[old_chat_id] = new_chat_id
        world.remember_chat(new_chat_id, "supergroup", title, None)
        if old_chat_id in world.admins:
            world.admins.setdefault(new_chat_id, set()).update(world.admins[old_chat_id])
        return self.push_update({"message": message})
