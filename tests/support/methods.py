"""The Bot API methods the bot calls (besides update delivery), answered as Telegram would.

Only these exist: a call to anything else gets Telegram's 404 "method not found", so a bot
change that starts calling a new method fails loudly until the fake learns it.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable

from tests.support.checks import MAX_CALLBACK_ANSWER, checked_markup, utf16_len, visible_text
from tests.support.wire import JSON, ApiError, bad_request
from tests.support.world import World, chat_member, strip_reply

Method = Callable[[JSON], object]

_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a content and reply markup of the current message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class BotMethods:
    """Sending, editing, answering queries, the command menu and membership look-ups."""

    def __init__(self, world: World) -> None:
        self.world = world

    def table(self) -> dict[str, Method]:
        """Method name as Telegram spells it -> handler taking the decoded parameters."""
        return {
            "getMe": self.get_me,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "answerInlineQuery": self.answer_inline_query,
            "setMyCommands": self.set_my_commands,
            "setMyDescription": self.set_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getChatMember": self.get_chat_member,
            "getChat": self.get_chat,
        }

    def get_me(self, _params: JSON) -> JSON:
        """Application.initialize() asks once; inline mode is on, as @BotFather sets it."""
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def send_message(self, params: JSON) -> JSON:
        """A new bot message, stored so the user can reply to it or press its buttons."""
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        chat = self.world.resolve_chat(params["chat_id"])
        visible = visible_text(params)
        markup = checked_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self.world.next_message_id(chat["id"]),
            "from": copy.deepcopy(self.world.bot_user),
            "chat": chat,
            "date": int(time.time()),
            "text": visible,
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        if params.get("entities") and not params.get("parse_mode"):
            message["entities"] = params["entities"]
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            reply_chat = self.world.resolve_chat(reply.get("chat_id", chat["id"]))["id"]
            target = self.world.messages.get((reply_chat, reply.get("message_id", 0)))
            if target is not None:
                message["reply_to_message"] = strip_reply(target)
            elif not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        if markup is not None:
            message["reply_markup"] = markup
        self.world.store(message)
        return message

    def edit_message_text(self, params: JSON) -> JSON:
        """Replace a bot message's text and keyboard; an identical edit is refused."""
        message = self.world.bot_message(params)
        visible = visible_text(params)
        return self._edit(message, visible, checked_markup(params.get("reply_markup")))

    def edit_message_reply_markup(self, params: JSON) -> JSON:
        """Replace only the keyboard (the 👍/👎 buttons change it in place)."""
        message = self.world.bot_message(params)
        return self._edit(message, message["text"], checked_markup(params.get("reply_markup")))

    @staticmethod
    def _edit(message: JSON, text: str, markup: JSON | None) -> JSON:
        """Edits replace the keyboard; leaving reply_markup out removes it, as on Telegram."""
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise bad_request(_NOT_MODIFIED)
        message["text"] = text
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def answer_callback_query(self, params: JSON) -> bool:
        """Only a query that was delivered can be answered, with at most 200 characters
        (UTF-16 code units, as everywhere in Telegram)."""
        if str(params.get("callback_query_id")) not in self.world.callback_ids:
            raise bad_request(_QUERY_TOO_OLD)
        if utf16_len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def answer_inline_query(self, params: JSON) -> bool:
        """At most 50 results, with unique ids of 1-64 bytes, a title, and a message text that
        sendMessage would accept."""
        if str(params.get("inline_query_id")) not in self.world.inline_ids:
            raise bad_request(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(result.get("id")) for result in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        if any(not 1 <= len(i.encode("utf-8")) <= 64 for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        for result in results:
            if result.get("type") == "article" and not str(result.get("title") or "").strip():
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                try:
                    visible_text(
                        {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
                    )
                except ApiError as error:
                    raise bad_request(f"MESSAGE_TEXT_INVALID: {error.description}") from None
        return True

    def set_my_commands(self, params: JSON) -> bool:
        """Validated like Telegram; tests read the menu from the recorded calls."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _BOT_COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= utf16_len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def set_my_description(self, params: JSON) -> bool:
        """Up to 512 characters, per language code (two letters) or for every language."""
        return _profile_text(params, "description", 512)

    def set_my_short_description(self, params: JSON) -> bool:
        """Up to 120 characters, like the description."""
        return _profile_text(params, "short_description", 120)

    def get_chat_member(self, params: JSON) -> JSON:
        """Administrator if set_chat_admins (or the bot's own promotion) says so, else member."""
        chat = self.world.resolve_chat(params.get("chat_id"))
        user_id = params.get("user_id")
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        user = self.world.users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
        }
        admin = user_id in self.world.admins.get(chat["id"], set())
        return chat_member(copy.deepcopy(user), "administrator" if admin else "member")

    def get_chat(self, params: JSON) -> JSON:
        """A ChatFullInfo with PTB's required fields: how a test learns an @channel's id."""
        chat = self.world.resolve_chat(params.get("chat_id"))
        gift_types = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gift_types, True), "gifts_from_channels": True},
        }


def _profile_text(params: JSON, field: str, limit: int) -> bool:
    """Validated like Telegram: the text's length and the language code's form."""
    if utf16_len(str(params.get(field, ""))) > limit:
        raise bad_request(f"{field.upper()}_TOO_LONG")
    code = params.get("language_code")
    if code not in (None, "") and not (isinstance(code, str) and re.fullmatch("[a-z]{2}", code)):
        raise bad_request("LANGUAGE_CODE_INVALID")
    return True
