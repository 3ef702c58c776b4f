"""Tests of update delivery (getUpdates long polling, webhooks) and of the update builders."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict

from tests.support.client import post, until
from tests.support.fakeapi import FakeBotAPI

# -- delivery ----------------------------------------------------------------------------------


async def test_get_updates_offset_limit_and_negative_offset(api: FakeBotAPI, bot: Bot) -> None:
    ids = [api.send_text(f"m{i}")["update_id"] for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert await bot.get_updates() == ()  # confirmed updates are gone for good
    more = [api.send_text(f"n{i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u.update_id for u in await bot.get_updates()] == more[-1:]


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeBotAPI, bot: Bot) -> None:
    asyncio.get_running_loop().call_later(0.2, api.send_text, "late")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert 0.15 < elapsed < 1.5


async def test_long_poll_waits_for_timeout_when_idle(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2.5


async def test_second_poll_terminates_the_first(api: FakeBotAPI) -> None:
    first = asyncio.create_task(post(api, "getUpdates", data={"timeout": "5"}))
    await until(lambda: bool(api.calls_to("getUpdates")))
    second = await post(api, "getUpdates", data={"timeout": "0"})
    assert second.json() == {"ok": True, "result": []}
    terminated = await asyncio.wait_for(first, 2)
    assert terminated.status_code == 409
    assert "terminated by other getUpdates request" in terminated.json()["description"]


async def test_allowed_updates_are_remembered(api: FakeBotAPI) -> None:
    api.push_update({"chat_member": {"raw": True}})
    message = api.send_text("hello")
    body = (await post(api, "getUpdates")).json()
    assert [u["update_id"] for u in body["result"]] == [message["update_id"]]  # default filter
    api.send_text("dropped")
    button = api.push_update({"callback_query": {"id": "1", "data": "x"}})
    body = (await post(api, "getUpdates", json={"allowed_updates": ["callback_query"]})).json()
    assert [u["update_id"] for u in body["result"]] == [button["update_id"]]
    api.send_text("still dropped")
    assert (await post(api, "getUpdates")).json()["result"] == [body["result"][0]]
    member = api.push_update({"chat_member": {"raw": True}})
    body = (await post(api, "getUpdates", json={"allowed_updates": ["chat_member"]})).json()
    assert [u["update_id"] for u in body["result"]] == [member["update_id"]]


async def test_push_update_rejects_its_own_update_id(api: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match="update_id"):
        api.push_update({"update_id": 5, "message": {}})


async def test_webhook_blocks_polling(api: FakeBotAPI, bot: Bot) -> None:
    api.send_text("pending")
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://example.org/hook")
    assert await bot.set_webhook("https://example.org/hook") is True
    assert api.pending_updates == 1
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert api.pending_updates == 0
    assert await bot.get_updates() == ()


# -- builders ----------------------------------------------------------------------------------


async def test_built_updates_parse_in_ptb(api: FakeBotAPI, bot: Bot) -> None:
    text = api.send_text(
        "/ask@ThisBot 😀 hey @some_one",
        chat_id=-100,
        chat_type="group",
        chat_title="Team",
        username="bob",
    )
    api.edit_text(text, "/ask fixed")
    api.send_sticker(chat_id=-100, chat_type="group")
    api.send_photo()
    api.inline_query("query text", user_id=5)
    api.chat_member_update(chat_id=-200, chat_type="supergroup", new_status="administrator")
    api.chat_member_update(
        chat_id=1001, chat_type="private", new_status="kicked", old_status="member"
    )
    api.chat_member_update(chat_id=-300, chat_type="group", new_status="restricted")
    api.migrate_message(old_chat_id=-100, new_chat_id=-100100)
    channel = api.send_text("news", chat_id=-1001234, chat_type="channel", chat_title="News")
    api.edit_text(channel["channel_post"], "news!")

    updates = await bot.get_updates()
    (
        message,
        edited,
        sticker,
        photo,
        inline,
        promoted,
        blocked,
        restricted,
        migrated,
        post_,
        edited_post,
    ) = updates
    assert message.message is not None and message.message.chat.title == "Team"
    assert message.message.from_user is not None and message.message.from_user.username == "bob"
    assert list(message.message.parse_entities().values()) == ["/ask@ThisBot", "@some_one"]
    assert edited.edited_message is not None
    assert edited.edited_message.message_id == message.message.message_id
    assert edited.edited_message.text == "/ask fixed" and edited.edited_message.edit_date
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and photo.message.photo[-1].width == 1280
    assert inline.inline_query is not None and inline.inline_query.query == "query text"
    assert promoted.my_chat_member is not None
    assert promoted.my_chat_member.new_chat_member.status == "administrator"
    assert promoted.my_chat_member.new_chat_member.user.id == api.bot_id
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert restricted.my_chat_member is not None
    assert restricted.my_chat_member.new_chat_member.status == "restricted"
    assert migrated.message is not None and migrated.message.migrate_to_chat_id == -100100
    assert post_.channel_post is not None and post_.channel_post.sender_chat is not None
    assert edited_post.edited_channel_post is not None
    assert all(isinstance(update, Update) for update in updates)
