"""Teaching from Telegram: /unanswered shows the questions the bot could not answer (or answered
and was voted down), one at a time, with buttons to add one to a fact as a phrasing, to mark it
as not in the document, or to skip it; /taught lists what was taught, with Remove buttons.

A phrasing is checked by bot.teaching exactly as on the command line; an accepted one goes to
the store (an overlay on the YAML) and the engine that knows it is swapped in at once. Every
command and every press checks that the caller is an operator."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
from collections.abc import Callable
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.engine import QAEngine
from bot.i18n import N_, Translator
from bot.limits import MAX_CALLBACK_ANSWER, fit_html, shorten
from bot.quiet import quietly
from bot.store.generations import Generation
from bot.store.records import Unanswered
from bot.teaching import Refusal, teach
from bot.telegram import knowledge_sync
from bot.telegram.languages import chat_language
from bot.telegram.operator import operator_command, unanswered_message
from bot.telegram.privacy import pseudonym
from bot.telegram.state import BotState, Context
from bot.telegram.texts import INVALID_BUTTON, OPERATORS_ONLY

log = logging.getLogger(__name__)

TEACH_PREFIX = "tq:"
TAUGHT_PREFIX = "tr:"
# What the bot writes on its buttons, and nothing else: tq:<action>:<question id>[:<argument>]
# (a: add to the fact named, o: other topics, b: back, n: not in the document, s: skip to the
# position given), tr:<taught id> (remove).
_TEACH_DATA = re.compile(r"tq:([aobns]):([1-9][0-9]{0,17})(?::([a-z0-9_]{1,40}))?", re.ASCII)
_TAUGHT_DATA = re.compile(r"tr:([1-9][0-9]{0,17})", re.ASCII)
NEAREST = 3  # "Add to" buttons for the nearest facts
MAX_QUESTION_SHOWN = 300  # UTF-16 units of the question in its message
MAX_TAUGHT_SHOWN = 30  # phrasings listed by /taught
MAX_TITLE = 40  # a topic's title on a button
MAX_PUT_ASIDE = 20  # questions the bot answers now, put aside by one view of the list

REVIEW = N_("❓ <b>Question {position} of {total}</b> · asked {count}× · voted down {wrong}×")
SUGGESTED = N_("The asker then chose: {title}")
OTHER_TOPIC = N_("Other topic…")
NOT_IN_DOCUMENT = N_("🚫 Not in the document")
SKIP = N_("Skip ▶")
BACK = N_("◀ Back")
NOTHING_TO_REVIEW = N_("No unanswered or voted-down questions to review. 🎉")
TAUGHT_DONE = N_("✅ Taught: «{question}» → {title}. The bot answers it from now on.")
REFUSED_DONE = N_("🚫 Marked as not in the document: «{question}»")
GONE = N_("This question was handled already.")
REFUSED = N_("Not taught: {reason}")
TAUGHT_LIST = N_("<b>Taught phrasings</b> (python -m bot taught --export writes them as YAML):")
NONE_TAUGHT = N_("Nothing taught yet: /unanswered shows what to teach.")
REMOVED = N_("Removed.")


def parse_teach_data(data: str) -> tuple[str, int, str | None] | None:
    """(action, question id, argument) from a button the bot wrote, else None."""
    match = _TEACH_DATA.fullmatch(data)
    return (match[1], int(match[2]), match[3]) if match else None


def parse_taught_data(data: str) -> int | None:
    match = _TAUGHT_DATA.fullmatch(data)
    return int(match[1]) if match else None


def _titles(engine: QAEngine, language: str) -> dict[str, str]:
    """Every fact's title in `language`, by id, in knowledge-base order."""
    titles = {}
    for fact in engine.kb.facts:
        translation = fact.translations.get(language)
        titles[fact.id] = translation.title if translation is not None else fact.title
    return titles


def nearest_facts(engine: QAEngine, question: Unanswered) -> list[str]:
    """The facts to offer for a question: the one its asker chose, then the nearest ones."""
    match = engine.matcher.match(question.text)
    found = [question.suggested] if question.suggested else []
    for candidate in (*match.candidates, *match.nearest):
        if candidate.fact_id not in found and engine.kb.get(candidate.fact_id) is not None:
            found.append(candidate.fact_id)
    return found[:NEAREST]


def review_message(
    engine: QAEngine, question: Unanswered, position: int, total: int, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    """One question to review, with its buttons."""
    _ = Translator(language)
    titles = _titles(engine, language)
    lines = [
        _(REVIEW, position=position + 1, total=total, count=question.count, wrong=question.wrong),
        f"«{html.escape(shorten(question.text, MAX_QUESTION_SHOWN))}»",
    ]
    if question.suggested in titles:
        lines.append(_(SUGGESTED, title=html.escape(titles[question.suggested])))
    qid = question.id
    rows = [
        [
            InlineKeyboardButton(
                "➕ " + shorten(titles[f], MAX_TITLE),
                callback_data=f"{TEACH_PREFIX}a:{qid}:{f}",
            )
        ]
        for f in nearest_facts(engine, question)
    ]
    rows.append([InlineKeyboardButton(_(OTHER_TOPIC), callback_data=f"{TEACH_PREFIX}o:{qid}")])
    rows.append(
        [
            InlineKeyboardButton(_(NOT_IN_DOCUMENT), callback_data=f"{TEACH_PREFIX}n:{qid}"),
            InlineKeyboardButton(_(SKIP), callback_data=f"{TEACH_PREFIX}s:{qid}:{position + 1}"),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def all_topics_keyboard(engine: QAEngine, question_id: int, language: str) -> InlineKeyboardMarkup:
    """Every fact, two to a row, then Back: "Other topic…"."""
    _ = Translator(language)
    buttons = [
        InlineKeyboardButton(
            shorten(title, MAX_TITLE), callback_data=f"{TEACH_PREFIX}a:{question_id}:{fact_id}"
        )
        for fact_id, title in _titles(engine, language).items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(_(BACK), callback_data=f"{TEACH_PREFIX}b:{question_id}")])
    return InlineKeyboardMarkup(rows)


async def show_review(
    message: Message, state: BotState, language: str, position: int = 0, *, edit: bool = False
) -> None:
    """The question at `position` of the list to review (the first when past its end). One
    the bot answers now, taught another way or reloaded since, is put aside on the way."""
    questions = state.store.questions
    for _attempt in range(MAX_PUT_ASIDE + 1):
        total = await questions.review_count()
        if total and position >= total:
            position = 0
        found = await questions.to_review(1, position) if total else []
        if not found or not _answered_now(state.engine, found[0]):
            break
        await questions.answered_since(found[0].id)
    if not found:
        text, keyboard = Translator(language)(NOTHING_TO_REVIEW), None
    else:
        text, keyboard = review_message(state.engine, found[0], position, total, language)
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.reply_text(text, reply_markup=keyboard)


def _answered_now(engine: QAEngine, question: Unanswered) -> bool:
    """The bot answers a question it fell back on: nothing is left to teach. (One voted down
    is answered, but wrongly: it stays.)"""
    return question.wrong == 0 and engine.ask(question.text).matched


@operator_command
async def unanswered(
    update: Update, context: Context, message: Message, state: BotState, language: str
) -> None:
    """The questions to review, one at a time; `/unanswered yaml` lists them as YAML."""
    await state.flush_question_log()
    if [a.lower() for a in context.args or []] == ["yaml"]:
        rows = await state.store.questions.unanswered(20)
        await message.reply_text(unanswered_message(rows, language))
        return
    await show_review(message, state, language)


P = TypeVar("P")


async def _operator_press(
    update: Update, context: Context, parse: Callable[[str], P | None]
) -> tuple[CallbackQuery, Message, P, str] | None:
    """(query, its message, its data parsed, language) of a press by an operator on data the
    bot wrote; anyone else, or anything else, is refused with an alert."""
    query = update.callback_query
    if query is None or query.data is None:
        return None
    _ = Translator(chat_language(update, context))
    if not context.bot_data.settings.is_admin(query.from_user.id):
        log.warning("refused teaching button from %s", pseudonym(query.from_user.id))
        await query.answer(_(OPERATORS_ONLY), show_alert=True)
        return None
    parsed = parse(query.data)
    if parsed is None or not isinstance(query.message, Message):
        log.warning("refused malformed teaching button (%d bytes)", len(query.data))
        await query.answer(_(INVALID_BUTTON), show_alert=True)
        return None
    return query, query.message, parsed, _.language


async def teach_button(update: Update, context: Context) -> None:
    """A press under a question to review."""
    pressed = await _operator_press(update, context, parse_teach_data)
    if pressed is None:
        return
    query, message, (action, question_id, argument), language = pressed
    state = context.bot_data
    _ = Translator(language)
    if action == "s":
        await query.answer()
        await show_review(message, state, language, int(argument or 0), edit=True)
        return
    question = await state.store.questions.get_unanswered(question_id)
    if question is None:
        await query.answer(_(GONE), show_alert=True)
        return
    if action == "o":
        await query.answer()
        await message.edit_reply_markup(all_topics_keyboard(state.engine, question_id, language))
    elif action == "b":
        await query.answer()
        total = await state.store.questions.review_count()
        text, keyboard = review_message(state.engine, question, 0, total, language)
        await message.edit_text(text, reply_markup=keyboard)
    elif action == "n":
        await state.store.questions.refuse(question_id)
        await query.answer()
        shown = html.escape(shorten(question.text, MAX_QUESTION_SHOWN))
        await message.edit_text(_(REFUSED_DONE, question=shown))
        await show_review(message, state, language)
    elif argument is not None and state.engine.kb.get(argument) is not None:
        await _teach(update, state, message, question, argument, language)
    else:  # a fact no longer in the knowledge base, or no fact
        log.warning("refused teaching to an unknown fact")
        await query.answer(_(INVALID_BUTTON), show_alert=True)


async def _teach(
    update: Update,
    state: BotState,
    message: Message,
    question: Unanswered,
    fact_id: str,
    language: str,
) -> None:
    """Check and store the phrasing, swap the engine in, show the next question."""
    query = update.callback_query
    assert query is not None
    _ = Translator(language)
    async with state.teaching:  # one lesson at a time: each builds on the one before
        taught = await state.store.taught.all()
        # Built off the event loop, and beside the engine that answers, never with it: its
        # reading caches are for the loop's thread alone.
        lesson = functools.partial(
            teach,
            state.knowledge,
            taught,
            fact_id,
            question.text,
            answered_wrongly=question.wrong > 0,
        )
        verdict = await asyncio.to_thread(quietly, lesson)
        if isinstance(verdict, Refusal):
            reason = _(REFUSED, reason=verdict.text(_))
            await query.answer(shorten(reason, MAX_CALLBACK_ANSWER), show_alert=True)
            return
        added = await state.store.taught.add(verdict.fact_id, verdict.language, verdict.question)
        if added is not None:
            await state.swap_engine(verdict.engine)
            reloads = state.generation.reloads if state.generation else 0
            state.generation = Generation.of(reloads, [*taught, added])
    await query.answer()
    title = _titles(state.engine, language)[fact_id]
    shown = html.escape(shorten(question.text, MAX_QUESTION_SHOWN))
    await message.edit_text(_(TAUGHT_DONE, question=shown, title=html.escape(title)))
    log.info("taught a phrasing of %s (%s)", fact_id, verdict.language)
    await show_review(message, state, language)


# -- /taught ----------------------------------------------------------------------------------


async def taught_message(state: BotState, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = Translator(language)
    taught = (await state.store.taught.all())[-MAX_TAUGHT_SHOWN:]
    if not taught:
        return _(NONE_TAUGHT), None
    titles = _titles(state.engine, language)
    lines = [_(TAUGHT_LIST)]
    buttons = []
    for number, phrasing in enumerate(taught, start=1):
        title = titles.get(phrasing.fact_id, phrasing.fact_id)
        text = html.escape(shorten(phrasing.question, 120))
        lines.append(f"{number}. «{text}» → {html.escape(title)} ({phrasing.language})")
        buttons.append(
            InlineKeyboardButton(f"✖ {number}", callback_data=f"{TAUGHT_PREFIX}{phrasing.id}")
        )
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return fit_html("\n".join(lines)), InlineKeyboardMarkup(rows)


@operator_command
async def taught(
    update: Update, context: Context, message: Message, state: BotState, language: str
) -> None:
    """The taught phrasings, each with a Remove button."""
    text, keyboard = await taught_message(state, language)
    await message.reply_text(text, reply_markup=keyboard)


async def taught_button(update: Update, context: Context) -> None:
    """Remove: the phrasing leaves the store and the engine, its question goes back to review."""
    pressed = await _operator_press(update, context, parse_taught_data)
    if pressed is None:
        return
    query, message, phrasing_id, language = pressed
    state = context.bot_data
    _ = Translator(language)
    async with state.teaching:
        if not await state.store.taught.remove([phrasing_id]):
            await query.answer(_(GONE), show_alert=True)
            return
        await knowledge_sync.rebuild(state)
    await query.answer(_(REMOVED))
    text, keyboard = await taught_message(state, language)
    await message.edit_text(text, reply_markup=keyboard)
