"""The bot end to end: the real Application polling a fake Bot API server over loopback HTTP.

Each test talks to the bot the way Telegram would and asserts what the bot actually sent.
Every conversation uses its own chat id, so replies are told apart without timing tricks; the
fake server validates every call (HTML parse mode, 4096 characters, 64-byte button data), and
the `bot` fixture checks on the way out that it accepted every reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from itertools import count
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from bot.engine import QAEngine
from bot.telegram.logs import REDACTED, configure_logging, install_record_scrubber
from bot.telegram.texts import TEXT_ONLY_REPLY
from tests.support.fakeapi import Call, FakeBotAPI
from tests.support.harness import bot_settings, running_bot, to_chat

_chat_ids = count(50_000)
SILENCE_SECONDS = 0.4
MAX_TEXT = 4096
EXERCISES_QUESTION = "Which exercises were held?"
# A figure or name only that topic's card states, per topic command.
TOPIC_FIGURES = {
    "exercises": "TURAZ Shahini",
    "partners": "36 countries",
    "agreements": "34 countries",
    "events": "250-300",
    "courses": "French",
    "trilateral": "Azerbaijan, Turkey and Georgia",
    "partnership": "IPAP",
    "quote": "Heydar Aliyev",
    "about": "“Bilateral and multilateral military cooperation”",
    "overview": "develops and expands every year",
}
REPLY_METHODS = ("sendMessage", "answerCallbackQuery", "answerInlineQuery", "setMyCommands")


@pytest.fixture
async def bot(api: FakeBotAPI, engine: QAEngine, tmp_path: Path) -> AsyncIterator[FakeBotAPI]:
    async with running_bot(api, engine, bot_settings(api, tmp_path)):
        yield api
    # Nothing the bot sent was refused: HTML parsed, texts within limits, buttons valid.
    for call in api.calls:
        if call.method in REPLY_METHODS and call.response:
            assert call.ok, f"{call.method} refused: {call.response} for {call.params}"
    assert all(len(p["text"]) <= MAX_TEXT for p in api.sent_messages())


def new_chat() -> int:
    return next(_chat_ids)


def buttons(params: dict) -> list[dict]:
    markup = params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def replies(api: FakeBotAPI, chat_id: int, *, after: int, count: int = 1) -> list[Call]:
    return await api.wait_for("sendMessage", to_chat(chat_id), after=after, count=count)


async def ask(
    api: FakeBotAPI, text: str, *, chat_id: int | None = None, first_name: str = "Alice"
) -> dict:
    """Send a private message (from a fresh chat unless given) and return the bot's reply."""
    chat = new_chat() if chat_id is None else chat_id
    before = len(api.calls)
    api.send_text(text, chat_id=chat, user_id=chat, first_name=first_name)
    return (await replies(api, chat, after=before))[0].params


async def fetched(api: FakeBotAPI, updates: list[dict], *, after: int) -> None:
    """Wait until getUpdates has handed these updates to the bot."""
    wanted = {update["update_id"] for update in updates}

    def delivered(call: Call) -> bool:
        return wanted <= {u["update_id"] for u in call.response.get("result") or []}

    await api.wait_for("getUpdates", delivered, after=after)


async def logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 3.0) -> None:
    """Wait (in short steps) until a log record containing `text` appears."""
    for _ in range(int(timeout / 0.02)):
        if any(text in record.getMessage() for record in caplog.records):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no log record containing {text!r}")


def token_free(records: list[logging.LogRecord], token: str) -> None:
    """Neither the token nor its secret part appears in any message or traceback."""
    secret = token.split(":", 1)[1]
    formatter = logging.Formatter()
    for record in records:
        text = record.getMessage()
        if record.exc_info:
            text += formatter.formatException(record.exc_info)
        assert token not in text and secret not in text, f"token in {record.name}: {text[:300]}"


# -- start-up ----------------------------------------------------------------------------------


async def test_command_menu_is_scoped_and_complete(bot: FakeBotAPI, engine: QAEngine) -> None:
    calls = bot.calls_to("setMyCommands")
    for language in (None, "az", "ru"):  # English is every other language's menu too
        scopes = {
            c.params.get("scope", {}).get("type"): c.params["commands"]
            for c in calls
            if c.params.get("language_code") == language
        }
        topics = {fact.command for fact in engine.kb.commands}
        for scope in ("all_private_chats", "all_group_chats"):
            names = {command["command"] for command in scopes[scope]}
            assert names == topics | {"help", "language"}
            assert not names & {"announce", "stats", "reload"}
        described = {c["command"]: c["description"] for c in scopes["all_private_chats"]}
        fact = engine.kb.fact("agreements_signed")
        title = fact.title if language is None else fact.translations[language].title
        assert described["agreements"] == title
    operator = [c for c in calls if c.params.get("scope", {}).get("type") == "chat"]
    assert operator and "announce" in {c["command"] for c in operator[0].params["commands"]}
    russian = [c for c in calls if c.params.get("language_code") == "ru"]
    assert {"command": "help", "description": "Как спрашивать и все команды"} in (
        russian[0].params["commands"]
    )


async def test_the_bots_profile_is_described_in_each_language(bot: FakeBotAPI) -> None:
    for method in ("setMyDescription", "setMyShortDescription"):
        calls = bot.calls_to(method)
        assert [c.params.get("language_code") for c in calls] == [None, "az", "ru"]
        assert all(c.ok for c in calls)
    russian = bot.calls_to("setMyDescription")[-1].params["description"]
    assert russian.startswith("Я отвечаю на вопросы о двустороннем")


# -- commands ----------------------------------------------------------------------------------


async def test_start_greets_with_example_buttons(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/start", first_name="<b>Eve</b>")
    assert "Hello, &lt;b&gt;Eve&lt;/b&gt;!" in params["text"]
    assert "military cooperation" in params["text"]
    examples = buttons(params)
    assert len(examples) >= 2
    for button in examples:
        assert button["callback_data"].startswith("ask:")
        assert len(button["callback_data"].encode()) <= 64
        assert button["text"].endswith("?")


async def test_deep_link_opens_the_card(bot: FakeBotAPI, engine: QAEngine) -> None:
    params = await ask(bot, "/start exercises")
    card = engine.command("exercises")
    assert card is not None
    assert f"<b>{card.title}</b>" in params["text"]
    assert "TURAZ Shahini" in params["text"] and "<blockquote expandable>" in params["text"]
    assert "Hello" not in params["text"]


async def test_help_lists_every_topic_command(bot: FakeBotAPI, engine: QAEngine) -> None:
    params = await ask(bot, "/help")
    for fact in engine.kb.commands:
        assert f"/{fact.command} — " in params["text"]
    assert "@ThisBot" in params["text"]


def test_topic_figures_cover_every_command_in_the_knowledge_base(engine: QAEngine) -> None:
    """The parametrised test below runs over the knowledge base's commands, no fewer."""
    assert set(TOPIC_FIGURES) == {fact.command for fact in engine.kb.commands}


@pytest.mark.parametrize(("command", "figure"), sorted(TOPIC_FIGURES.items()))
async def test_each_topic_command_shows_its_card(
    bot: FakeBotAPI, engine: QAEngine, command: str, figure: str
) -> None:
    fact = engine.kb.by_command(command)
    assert fact is not None
    params = await ask(bot, f"/{command}")
    assert params["parse_mode"] == "HTML"
    assert params["text"].startswith(f"<b>{fact.title}</b>")
    assert figure in params["text"]
    assert "<blockquote expandable>" in params["text"]


async def test_partner_command_with_a_country(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/partners Japan")
    assert "No. <b>Japan</b>" in params["text"]


async def test_unknown_command_is_explained_and_escaped(bot: FakeBotAPI) -> None:
    params = await ask(bot, "/nonsense_here")
    assert "I don't know /nonsense_here" in params["text"] and "/help" in params["text"]
    params = await ask(bot, "/x<b>y</b>")
    assert "/x&lt;b&gt;y&lt;/b&gt;" in params["text"] and "<b>y" not in params["text"]


# -- free questions ----------------------------------------------------------------------------


async def test_free_question_gets_a_card_with_source_and_buttons(bot: FakeBotAPI) -> None:
    params = await ask(bot, EXERCISES_QUESTION)
    assert params["parse_mode"] == "HTML"
    assert "Anadolu Gartali" in params["text"] and "<blockquote expandable>" in params["text"]
    related = buttons(params)
    assert related and all(len(b["callback_data"].encode()) <= 64 for b in related)


async def test_partner_yes_with_document_spelling(bot: FakeBotAPI) -> None:
    params = await ask(bot, "Is Czechia a partner?")
    assert "Yes." in params["text"] and "“Check Republic”" in params["text"]


async def test_near_miss_is_a_no(bot: FakeBotAPI) -> None:
    """Iraq is one letter from Iran, which is a partner: the answer is about Iraq, a no."""
    params = await ask(bot, "Is Iraq a partner?")
    answer, _, source = params["text"].partition("<i>Source:</i>")
    assert "No. <b>Iraq</b>" in answer
    assert "Iran" not in answer and "Yes." not in answer
    assert "Iran" in source  # the quoted partner list, not the answer


async def test_unanswerable_question_offers_did_you_mean(bot: FakeBotAPI) -> None:
    params = await ask(bot, "What is the defence budget?")
    assert "could not find that in the document" in params["text"]
    for figure in ("34", "36", "900", "250-300"):
        assert figure not in params["text"]
    suggestions = buttons(params)
    assert 1 <= len(suggestions) <= 4
    assert all(b["callback_data"].startswith("card:") for b in suggestions)
    assert all(b["text"].startswith("🔎 ") for b in suggestions)


async def test_html_in_the_question_never_breaks_the_reply(bot: FakeBotAPI) -> None:
    params = await ask(bot, "<b>Which</b> exercises were <i>held</i>?")
    assert "Anadolu Gartali" in params["text"]
    for text in ("<b>hi</b> <script>", "<script>alert(1)</script> & <unclosed", "/<b>x"):
        params = await ask(bot, text)
        assert "<script>" not in params["text"] and "<unclosed" not in params["text"]
        assert "<b>x" not in params["text"] and "<b>hi" not in params["text"]


async def test_long_message_is_answered_within_limits(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    before = len(bot.calls)
    for text in (
        ("Which exercises were held in 2016? " * 120)[:4000],
        ("<b>&amp;</b> " * 400)[:4000],
    ):
        assert len(text) == 4000
        bot.send_text(text, chat_id=chat_id, user_id=chat_id)
    sent = await replies(bot, chat_id, after=before, count=2)
    assert any("TURAZ Shahini" in call.params["text"] for call in sent)
    assert all(call.ok and len(call.params["text"]) <= MAX_TEXT for call in sent)


async def test_edited_question_is_answered_again(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    before = len(bot.calls)
    update = bot.send_text("Is Japan a partner?", chat_id=chat_id, user_id=chat_id)
    first = (await replies(bot, chat_id, after=before))[0].params
    assert "No. <b>Japan</b>" in first["text"]
    before = len(bot.calls)
    bot.edit_text(update, "Is Turkey a partner?")
    second = (await replies(bot, chat_id, after=before))[0].params
    assert "Yes. <b>Turkey</b>" in second["text"] and "Japan" not in second["text"]


async def test_sticker_and_photo_in_private_get_a_hint(bot: FakeBotAPI) -> None:
    for send in (bot.send_sticker, bot.send_photo):
        chat_id = new_chat()
        before = len(bot.calls)
        send(chat_id=chat_id, user_id=chat_id)
        params = (await replies(bot, chat_id, after=before))[0].params
        assert params["text"] == TEXT_ONLY_REPLY
        assert "Send me a question as a message" in params["text"]


# -- groups ------------------------------------------------------------------------------------


async def test_group_stays_silent_unless_addressed(bot: FakeBotAPI) -> None:
    """Plain text, a sticker, a command for another bot and an unknown bare command get no
    reply: once they were fetched, an addressed question is the only thing answered."""
    group = -new_chat()
    before = len(bot.calls)
    quiet = [
        bot.send_text("which exercises were held?", chat_id=group, chat_type="supergroup"),
        bot.send_sticker(chat_id=group, chat_type="supergroup"),
        bot.send_text("/exercises@OtherBot", chat_id=group, chat_type="supergroup"),
        bot.send_text("/nonsense", chat_id=group, chat_type="supergroup"),
    ]
    await fetched(bot, quiet, after=before)
    addressed = bot.send_text("@ThisBot is Japan a partner?", chat_id=group, chat_type="supergroup")
    await replies(bot, group, after=before)
    await asyncio.sleep(SILENCE_SECONDS)
    sent = [c for c in bot.calls[before:] if c.method == "sendMessage" and to_chat(group)(c)]
    assert len(sent) == 1
    assert "No. <b>Japan</b>" in sent[0].params["text"]
    assert sent[0].params["reply_parameters"]["message_id"] == addressed["message"]["message_id"]


async def test_group_mention_is_answered_as_a_reply(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    update = bot.send_text(
        "@ThisBot which exercises were held?", chat_id=group, chat_type="supergroup"
    )
    call = (await replies(bot, group, after=before))[0]
    assert "Anadolu Gartali" in call.params["text"]
    message_id = update["message"]["message_id"]
    assert call.params["reply_parameters"]["message_id"] == message_id
    assert call.response["result"]["reply_to_message"]["message_id"] == message_id


async def test_reply_to_the_bot_in_a_group_is_answered(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    bot.send_text("/agreements@ThisBot", chat_id=group, chat_type="group")
    await replies(bot, group, after=before)
    own = bot.bot_messages(group)[-1]
    before = len(bot.calls)
    update = bot.send_text(
        "how many agreements were signed in 2016?",
        chat_id=group,
        chat_type="group",
        reply_to_message=own,
    )
    params = (await replies(bot, group, after=before))[0].params
    assert "7 countries" in params["text"]
    assert params["reply_parameters"]["message_id"] == update["message"]["message_id"]


async def test_command_for_this_bot_in_a_group(bot: FakeBotAPI) -> None:
    group = -new_chat()
    before = len(bot.calls)
    bot.send_text("/exercises@ThisBot", chat_id=group, chat_type="supergroup")
    params = (await replies(bot, group, after=before))[0].params
    assert "TURAZ Shahini" in params["text"]


# -- buttons and inline mode -------------------------------------------------------------------


async def press(api: FakeBotAPI, message: dict, data: str, chat_id: int) -> dict:
    """Press a button; check the query was acknowledged; return the card sent for it."""
    before = len(api.calls)
    update = api.press_button(message, data, user_id=chat_id)
    query_id = update["callback_query"]["id"]
    await api.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id, after=before
    )
    return (await replies(api, chat_id, after=before))[0].params


async def first_button(api: FakeBotAPI, text: str) -> tuple[int, dict, str]:
    """Ask in a fresh private chat; the chat, the bot's reply and its first button's data."""
    chat_id = new_chat()
    before = len(api.calls)
    api.send_text(text, chat_id=chat_id, user_id=chat_id)
    await replies(api, chat_id, after=before)
    message = api.bot_messages(chat_id)[-1]
    return chat_id, message, message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]


async def test_button_press_answers_the_query_and_shows_the_card(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    chat_id, card, data = await first_button(bot, "/agreements")
    assert data.startswith("card:")
    topic = engine.card(data.removeprefix("card:"))
    assert topic is not None
    params = await press(bot, card, data, chat_id)
    assert params["text"].startswith(f"<b>{topic.title}</b>")
    assert "<blockquote expandable>" in params["text"]


async def test_did_you_mean_and_example_buttons_open_cards(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    chat_id, fallback, data = await first_button(bot, "What is the defence budget?")
    topic = engine.card(data.removeprefix("card:"))
    assert topic is not None
    params = await press(bot, fallback, data, chat_id)
    assert params["text"].startswith(f"<b>{topic.title}</b>")

    before = len(bot.calls)
    bot.send_text("/start", chat_id=chat_id, user_id=chat_id)
    await replies(bot, chat_id, after=before)
    greeting = bot.bot_messages(chat_id)[-1]
    data = greeting["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    expected = engine.ask(data.removeprefix("ask:"))
    assert expected.matched
    params = await press(bot, greeting, data, chat_id)
    assert params["text"] == expected.html


async def test_stale_button_is_acknowledged_without_a_card(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    before = len(bot.calls)
    bot.send_text("/agreements", chat_id=chat_id, user_id=chat_id)
    await replies(bot, chat_id, after=before)
    card = bot.bot_messages(chat_id)[-1]
    before = len(bot.calls)
    bot.press_button(card, "card:no_such_topic", user_id=chat_id, check=False)
    answered = await bot.wait_for("answerCallbackQuery", after=before)
    assert "no longer available" in answered[0].params["text"]
    params = await ask(bot, "/partners Japan", chat_id=chat_id)
    assert "No. <b>Japan</b>" in params["text"]
    assert len(bot.calls_to("sendMessage")) == len(bot.sent_messages())


def check_inline_results(results: list[dict]) -> None:
    assert results and len({r["id"] for r in results}) == len(results)
    for result in results:
        assert result["type"] == "article" and result["title"] and result["description"]
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML" and content["message_text"]
        assert len(content["message_text"]) <= MAX_TEXT


async def inline(api: FakeBotAPI, text: str) -> list[dict]:
    before = len(api.calls)
    update = api.inline_query(text)
    query_id = update["inline_query"]["id"]
    calls = await api.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id, after=before
    )
    results: list[dict] = calls[0].params["results"]
    check_inline_results(results)
    return results


async def test_inline_query_offers_the_best_card_first(bot: FakeBotAPI, engine: QAEngine) -> None:
    results = await inline(bot, "exercises")
    card = engine.command("exercises")
    assert card is not None
    first = results[0]
    assert first["title"] == card.title
    assert "TURAZ Shahini" in first["input_message_content"]["message_text"]
    assert "TURAZ Shahini" in first["description"]


async def test_empty_inline_query_lists_the_topics(bot: FakeBotAPI, engine: QAEngine) -> None:
    results = await inline(bot, "")
    titles = [r["title"] for r in results]
    assert titles[: len(engine.kb.commands)] == [fact.title for fact in engine.kb.commands]


async def test_unanswerable_inline_query_offers_topics_never_a_wrong_card(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    """“population of Turkey” matches no fact: the results are topic cards to browse, never
    a per-country partner answer ("Yes. Turkey ...") stated with confidence."""
    results = await inline(bot, "population of Turkey")
    topic_titles = {topic.title for topic in engine.topics}
    for result in results:
        text = result["input_message_content"]["message_text"]
        assert result["title"] in topic_titles
        assert "Yes. <b>Turkey</b>" not in text and "population" not in text.lower()
        assert result["title"] != "Turkey"


# -- faults --------------------------------------------------------------------------------


FAULT_ERRORS: dict[str, type[Exception]] = {
    "server_error": NetworkError,
    "forbidden": Forbidden,
    "bad_request": BadRequest,
    "timeout": TimedOut,
}


@pytest.mark.parametrize("kind", ["server_error", "flood", "forbidden", "bad_request", "timeout"])
async def test_bot_api_fault_then_next_question_is_answered(
    api: FakeBotAPI,
    engine: QAEngine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """A failed send is logged by the error handler (flood: retried after retry_after and
    delivered) and the bot keeps serving; no log record carries the token."""
    caplog.set_level(logging.INFO)
    async with running_bot(api, engine, bot_settings(api, tmp_path), read_timeout=0.5):
        chat_id = new_chat()
        api.fail_next("sendMessage", kind, chat_id=chat_id, retry_after=1, delay=1.5)
        before = len(api.calls)
        api.send_text(EXERCISES_QUESTION, chat_id=chat_id, user_id=chat_id)
        if kind == "flood":
            delivered = await api.wait_for(
                "sendMessage", lambda c: to_chat(chat_id)(c) and c.ok, after=before
            )
            assert "Anadolu Gartali" in delivered[0].params["text"]
            refused, sent = api.calls_to("sendMessage")[-2:]
            assert refused.status == 429 and sent.ok
            assert sent.at - refused.at >= 1.0, "the retry waited for retry_after"
        else:
            await logged(caplog, "error while handling message")
            errors = [r for r in caplog.records if r.name == "bot.telegram.handlers" and r.exc_info]
            assert len(errors) == 1
            assert errors[0].exc_info is not None
            error = errors[0].exc_info[1]
            assert isinstance(error, FAULT_ERRORS[kind]), repr(error)
            # What failed, never who or what they wrote (the whole update only at DEBUG).
            assert errors[0].getMessage() == (
                f"error while handling message in a private chat, {len(EXERCISES_QUESTION)} "
                "characters"
            )
        params = await ask(api, "Is Japan a partner?")
        assert "No. <b>Japan</b>" in params["text"]
    if kind == "flood":
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    token_free(caplog.records, api.token)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back for the next tests."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory())
    yield
    root.handlers[:], level, factory = saved
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


class ListHandler(logging.Handler):
    """Keeps each record's text as this handler got it (a later handler's filter may still
    change the shared record)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except TypeError:  # a bad format string, as a real handler would report
            text = f"unformattable: {record.msg}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.texts.append(text)


def texts_token_free(texts: list[str], token: str) -> None:
    secret = token.split(":", 1)[1]
    for text in texts:
        assert token not in text and secret not in text, f"token in: {text[:300]}"


async def test_logs_never_contain_the_token(
    api: FakeBotAPI,
    engine: QAEngine,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    restored_logging: None,
) -> None:
    """At DEBUG, with a failure traceback logged: neither stderr nor any other handler (an
    error tracker, a file) ever gets the token, though PTB logs the Bot API URL with it."""
    configure_logging("DEBUG", api.token)
    other = ListHandler()
    logging.getLogger("telegram").addHandler(other)  # sees records before the root handler
    async with running_bot(api, engine, bot_settings(api, tmp_path)):
        api.fail_next("sendMessage", "server_error")
        api.send_text(EXERCISES_QUESTION)
        await api.wait_for("sendMessage")
        params = await ask(api, "Is Japan a partner?")
        assert "Japan" in params["text"]
        await asyncio.sleep(0.2)
    err = capfd.readouterr().err
    assert "update chat=private fact=partner_check" in err
    assert "error while handling message in a private chat" in err
    assert "Traceback" in err
    assert api.token not in err and api.token.split(":", 1)[1] not in err
    logging.getLogger("telegram").removeHandler(other)
    assert any("Set Bot API URL" in text for text in other.texts)
    assert any(REDACTED in text for text in other.texts)
    texts_token_free(other.texts, api.token)


def test_record_scrubber_covers_args_tracebacks_and_bad_formats(
    restored_logging: None,
) -> None:
    token = "123456:" + "s" * 35
    install_record_scrubber(token)
    install_record_scrubber(token)  # again: replaces, does not stack
    logger = logging.getLogger("tests.scrubber")
    handler = ListHandler()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling %s", f"https://api.telegram.org/bot{token}/getMe")
        logger.warning("secret alone: %s", token.split(":")[1])
        try:
            raise RuntimeError(f"url /bot{token}/sendMessage")
        except RuntimeError:
            logger.exception("failed")
        logger.warning("bad format %d", "not a number")  # must not raise at the call site
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert len(handler.texts) == 4
    texts_token_free(handler.texts, token)
    assert handler.texts[0] == f"calling https://api.telegram.org/bot{REDACTED}/getMe"
    assert "RuntimeError: url /bot<token>/sendMessage" in handler.texts[2]
    assert handler.texts[3] == "unformattable: bad format %d"


async def test_run_with_a_refused_token_says_so_in_one_line(api: FakeBotAPI) -> None:
    """`python -m bot run` against a Bot API that answers 401: one clear line, exit 1."""
    import os
    import sys

    from tests.conftest import ROOT

    wrong = api.token.split(":", 1)[0] + ":" + "x" * 35
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env |= {"TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_API_BASE_URL": api.base_url}
    env["DATABASE_PATH"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"refused-{os.getpid()}.db")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    text = err.decode()
    assert process.returncode == 1, text
    assert "TELEGRAM_BOT_TOKEN was refused" in text
    assert "Traceback" not in text
    assert wrong not in text and wrong.split(":", 1)[1] not in text


# -- languages (issue 11) ----------------------------------------------------------------------


def speaks(api: FakeBotAPI, user_id: int, language_code: str) -> None:
    """The user's Telegram app is set to this language: every update from them carries it."""
    api.world.user(user_id)
    api.world.users[user_id]["language_code"] = language_code


async def test_a_russian_question_is_answered_in_russian(bot: FakeBotAPI, engine: QAEngine) -> None:
    params = await ask(bot, "Со сколькими странами Азербайджан подписал соглашения?")
    russian = engine.kb.fact("agreements_signed").translations["ru"]
    assert params["text"].startswith(f"<b>{russian.title}</b>")
    assert "<b>34 странами</b>" in params["text"]
    assert "<i>Источник (оригинальный текст на английском):</i>" in params["text"]
    titles = {b["text"] for b in buttons(params) if b["callback_data"].startswith("card:")}
    assert titles and titles <= {fact.translations["ru"].title for fact in engine.kb.facts}


async def test_a_command_and_a_button_follow_the_senders_telegram_language(
    bot: FakeBotAPI, engine: QAEngine
) -> None:
    chat_id = new_chat()
    speaks(bot, chat_id, "az")
    before = len(bot.calls)
    bot.send_text("/agreements", chat_id=chat_id, user_id=chat_id)
    params = (await replies(bot, chat_id, after=before))[0].params
    azerbaijani = engine.kb.fact("agreements_signed").translations["az"]
    assert params["text"].startswith(f"<b>{azerbaijani.title}</b>")
    card = bot.bot_messages(chat_id)[-1]
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    pressed = await press(bot, card, data, chat_id)
    fact = engine.kb.fact(data.removeprefix("card:"))
    assert pressed["text"].startswith(f"<b>{fact.translations['az'].title}</b>")
    # An English question still gets English, whatever the app's language.
    before = len(bot.calls)
    bot.send_text("How many countries signed agreements?", chat_id=chat_id, user_id=chat_id)
    params = (await replies(bot, chat_id, after=before))[0].params
    assert params["text"].startswith("<b>Cooperation agreements</b>")


async def test_language_command_stores_the_chats_choice(bot: FakeBotAPI, engine: QAEngine) -> None:
    chat_id = new_chat()
    params = await ask(bot, "/language", chat_id=chat_id)
    assert [b["callback_data"] for b in buttons(params)] == ["lang:az", "lang:ru", "lang:en"]
    assert [b["text"] for b in buttons(params)] == ["Azərbaycan", "Русский", "English"]
    choice = bot.bot_messages(chat_id)[-1]
    confirmation = await press(bot, choice, "lang:ru", chat_id)
    assert confirmation["text"] == "Теперь в этом чате я отвечаю на русском."
    card = await ask(bot, "/agreements", chat_id=chat_id)  # the user's app is in English
    assert card["text"].startswith(
        f"<b>{engine.kb.fact('agreements_signed').translations['ru'].title}"
    )
    help_text = await ask(bot, "/help", chat_id=chat_id)
    assert help_text["text"].startswith("<b>Как спрашивать</b>")


async def test_a_chat_can_go_back_to_english(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    await ask(bot, "/language", chat_id=chat_id)
    choice = bot.bot_messages(chat_id)[-1]
    await press(bot, choice, "lang:az", chat_id)
    confirmation = await press(bot, choice, "lang:en", chat_id)  # the old keyboard still works
    assert confirmation["text"] == "From now on I reply in English in this chat."
    card = await ask(bot, "/agreements", chat_id=chat_id)
    assert card["text"].startswith("<b>Cooperation agreements</b>")


async def test_only_group_admins_choose_a_groups_language(bot: FakeBotAPI) -> None:
    group, member = -new_chat(), new_chat()
    bot.send_text("/language", chat_id=group, user_id=member, chat_type="group", chat_title="G")
    await bot.wait_for("sendMessage", to_chat(group))
    message = bot.bot_messages(group)[-1]
    before = len(bot.calls)
    update = bot.press_button(message, "lang:az", user_id=member)
    query_id = update["callback_query"]["id"]
    [answered] = await bot.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id, after=before
    )
    assert answered.params["show_alert"] is True
    assert "administrators" in answered.params["text"]
    assert not [c for c in bot.calls[before:] if c.method == "sendMessage"]


async def test_start_offers_the_languages_when_telegram_does_not_say(bot: FakeBotAPI) -> None:
    chat_id = new_chat()
    speaks(bot, chat_id, "de")
    params = await ask(bot, "/start", chat_id=chat_id)
    assert "/language" in params["text"]
    assert {"lang:az", "lang:ru", "lang:en"} <= {b["callback_data"] for b in buttons(params)}
    speaks(bot, chat_id, "ru")
    params = await ask(bot, "/start", chat_id=chat_id)
    assert params["text"].startswith("Здравствуйте") and "lang:ru" not in str(params)


async def test_a_chats_language_outlives_a_restart(
    api: FakeBotAPI, engine: QAEngine, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path)
    chat_id = new_chat()
    async with running_bot(api, engine, settings):
        await ask(api, "/language", chat_id=chat_id)
        await press(api, api.bot_messages(chat_id)[-1], "lang:az", chat_id)
    async with running_bot(api, engine, settings):  # read back from the store at start-up
        card = await ask(api, "/agreements", chat_id=chat_id)
    title = engine.kb.fact("agreements_signed").translations["az"].title
    assert card["text"].startswith(f"<b>{title}</b>")
