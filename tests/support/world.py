"""Telegram's side of the conversation: users, chats, messages, administrators, closed chats.

The Bot API methods and the update builders read and change this one state, so a message a
test "sends" can be replied to, a button the bot sent can be pressed, and a chat the bot was
removed from refuses the next send, exactly as they would on Telegram.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.support.faults import migrated_error
from tests.support.wire import JSON, ApiError, bad_request

FORBIDDEN_BY_CHAT_TYPE = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}
# Rights every ChatMember of these statuses carries (PTB requires each of them).
_ADMIN_RIGHTS = (
    "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
    "can_change_info can_invite_users can_post_stories can_edit_stories "
    "can_delete_stories can_pin_messages"
)
_RESTRICTED_RIGHTS = (
    "can_change_info can_invite_users can_pin_messages can_send_messages can_send_polls "
    "can_send_other_messages can_add_web_page_previews can_manage_topics can_send_audios "
    "can_send_documents can_send_photos can_send_videos can_send_video_notes "
    "can_send_voice_notes can_edit_tag can_react_to_messages"
)


def chat_member(user: JSON, status: str, *, can_post_messages: bool | None = None) -> JSON:
    """A ChatMember of the given status with every field PTB requires for it (and, for a
    channel administrator, the channel-only right to post)."""
    member: JSON = {"status": status, "user": user}
    if status == "administrator":
        member.update(dict.fromkeys(_ADMIN_RIGHTS.split(), True))
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        if can_post_messages is not None:
            member["can_post_messages"] = can_post_messages
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "restricted":
        member.update(dict.fromkeys(_RESTRICTED_RIGHTS.split(), False))
        member.update(is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def strip_reply(message: JSON) -> JSON:
    """A copy fit to be quoted in reply_to_message: Telegram nests replies one level deep."""
    reply = copy.deepcopy(message)
    reply.pop("reply_to_message", None)
    return reply


class World:
    """Every user, chat and message Telegram knows of, as seen by one bot."""

    def __init__(self, bot_id: int, bot_username: str, chat_admins: dict[int, set[int]]) -> None:
        self.bot_id = bot_id
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_username,
            "username": bot_username,
        }
        self.users: dict[int, JSON] = {bot_id: self.bot_user}
        self.chats: dict[int, JSON] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.admins = {chat: set(users) for chat, users in chat_admins.items()}
        self.forbidden: dict[int, str] = {}  # chat id -> the 403 description
        self.migrated: dict[int, int] = {}  # old group id -> supergroup id
        self.callback_ids: set[str] = set()  # queries the bot may still answer
        self.inline_ids: set[str] = set()
        self._channel_ids: dict[str, int] = {}  # lower-case @username -> chat id
        self._last_message_id: dict[int, int] = {}
        self._last_object_id = 4_000_000_000_000_000_000

    def next_object_id(self) -> int:
        """A fresh id for a query or a file, unique across the fake."""
        self._last_object_id += 1
        return self._last_object_id

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, as in Telegram."""
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def user(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> JSON:
        """The user with this id, created or renamed as asked."""
        user = self.users.get(user_id)
        if user is None or (first_name and user["first_name"] != first_name) or username:
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or (user or {}).get("first_name", "Alice"),
                "language_code": "en",
            }
            if username:
                user["username"] = username
            self.users[user_id] = user
        return copy.deepcopy(user)

    def remember_chat(
        self, chat_id: int, chat_type: str, title: str | None, user: JSON | None
    ) -> JSON:
        """Create or update a chat: private chats take the user's name, others a title."""
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            user = user or self.user(chat_id)
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        else:
            known = self.chats.get(chat_id, {})
            chat["title"] = title or known.get("title", "Group")
            if "username" in known:
                chat["username"] = known["username"]
        self.chats[chat_id] = chat
        return copy.deepcopy(chat)

    def resolve_chat(self, chat_id: Any) -> JSON:
        """The chat a chat_id parameter names; unknown ids and @usernames are created on the fly."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:]
            key = name.lower()
            if key not in self._channel_ids:
                new_id = -1001000000001 - len(self._channel_ids)
                self._channel_ids[key] = new_id
                self.chats[new_id] = {
                    "id": new_id,
                    "type": "channel",
                    "title": name,
                    "username": name,
                }
            return copy.deepcopy(self.chats[self._channel_ids[key]])
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id not in self.chats:
            if chat_id > 0:
                return self.remember_chat(chat_id, "private", None, None)
            kind = "supergroup" if chat_id <= -1000000000000 else "group"
            return self.remember_chat(chat_id, kind, None, None)
        return copy.deepcopy(self.chats[chat_id])

    def check_reachable(self, chat_id: int) -> None:
        """Sends and edits to a migrated group get 400 with the new id; to a closed chat 403."""
        if chat_id in self.migrated:
            raise migrated_error(self.migrated[chat_id])
        if chat_id in self.forbidden:
            raise ApiError(403, self.forbidden[chat_id])

    def new_message(
        self,
        chat_id: int,
        user_id: int,
        chat_type: str,
        first_name: str | None = None,
        username: str | None = None,
        chat_title: str | None = None,
    ) -> JSON:
        """A message skeleton from a user (or a channel's post) with the chat's next id."""
        user = self.user(user_id, first_name, username)
        chat = self.remember_chat(chat_id, chat_type, chat_title, user)
        message: JSON = {"message_id": self.next_message_id(chat_id)}
        if chat_type == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = user
        message.update(chat=chat, date=int(time.time()))
        return message

    def store(self, message: JSON) -> None:
        """Keep a message so it can be replied to, edited or have its buttons pressed."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        self.messages[(chat_id, message_id)] = copy.deepcopy(message)
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    def record(self, update: JSON) -> None:
        """Learn what a queued update introduces: its message, or a query the bot may answer."""
        for kind, payload in update.items():
            if not isinstance(payload, dict):
                continue
            if "message_id" in payload and isinstance(payload.get("chat"), dict):
                self.store(payload)
            elif kind == "callback_query":
                self.callback_ids.add(str(payload.get("id")))
            elif kind == "inline_query":
                self.inline_ids.add(str(payload.get("id")))

    def bot_message(self, params: JSON) -> JSON:
        """The stored message an edit names (chat_id + message_id); only the bot's own."""
        chat = self.resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        message = (
            self.messages.get((chat["id"], message_id)) if isinstance(message_id, int) else None
        )
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id and chat["type"] != "channel":
            raise bad_request("message can't be edited")
        return message
