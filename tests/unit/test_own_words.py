"""The bot's own words beyond the answers (issue 11): refusals, the operators' replies and
reports, alerts, the console's texts, each in the reply's language; every one marked for the
catalogues, and every translation keeping what the code and Telegram read in it."""

from __future__ import annotations

import ast
import html
import io
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.cli import build_parser
from bot.console import HELP, UNKNOWN_COMMAND, ConsoleChat, chat, greeting, reply_to_console
from bot.engine import QAEngine
from bot.i18n import LOCALE_DIR, gettext
from bot.kb.model import TRANSLATED
from bot.kb.rules import html_problems
from bot.store import StoreError, StoreLostError
from bot.store.questions import unanswered_yaml
from bot.store.records import NOT_SENT_ERROR, DeliveryReport
from bot.telegram import texts
from bot.telegram.broadcast import REPORT_FINISHED, format_report
from bot.telegram.operator import unanswered_message
from bot.telegram.storefaults import alert_text
from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?[a-z]+>")
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")
FIGURE = re.compile(r"\d+")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
AZERBAIJANI = re.compile(r"[əığşçöü]", re.IGNORECASE)


def catalogue_entries() -> list[tuple[str, str, str]]:
    """(language, msgid, msgstr) for every text of every catalogue."""
    entries = []
    for language in TRANSLATED:
        with (LOCALE_DIR / language / "LC_MESSAGES" / "bot.po").open("rb") as file:
            entries += [(language, str(m.id), str(m.string)) for m in read_po(file) if m.id]
    return entries


# -- the catalogues ----------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "english", "translated"), catalogue_entries())
def test_a_translation_keeps_placeholders_markup_commands_and_figures(
    language: str, english: str, translated: str
) -> None:
    """str.format fills the placeholders after translation, Telegram parses the tags, and a
    command or a figure must read the same in every language."""
    for pattern in (PLACEHOLDER, TAG, COMMAND, FIGURE):
        assert sorted(pattern.findall(translated)) == sorted(pattern.findall(english)), (
            language,
            pattern.pattern,
            english,
        )
    assert translated != english or not re.search("[a-z]{4}", english), (language, english)


# -- nothing shown untranslated ----------------------------------------------------------------

SENDERS = {
    "reply_text",
    "send_message",
    "answer",
    "edit_message_text",
    "answer_callback_query",
    "InlineKeyboardButton",
    "set_my_description",
    "set_my_short_description",
}
# Module-level sentences in bot/telegram that are not shown to anyone: log lines and errors.
NOT_SHOWN = {
    ("conflict.py", "MESSAGE"),
    ("conflict.py", "WEBHOOK_MESSAGE"),
    ("poller.py", "DUTY"),
    ("poller.py", "LOST"),
    ("poller.py", "OVERDUE"),
    ("request.py", "NOT_SENT"),
    # /readyz's reasons, read by probes and operators' tools, never by a chat
    ("health.py", "NO_KNOWLEDGE"),
    ("health.py", "STORE_DOWN"),
}


def words(node: ast.AST) -> list[str]:
    """The literal words a call's argument holds, outside any translation (gettext or `_`)."""
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        name = node.func.id if isinstance(node.func, ast.Name) else name
        if name in ("gettext", "_"):
            return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.findall(r"[A-Za-z]{2,}", TAG.sub("", node.value))
    return [word for child in ast.iter_child_nodes(node) for word in words(child)]


def telegram_modules() -> list[Path]:
    return sorted((ROOT / "bot" / "telegram").glob("*.py"))


def test_no_reply_is_an_untranslated_literal() -> None:
    """Every text the bot sends, edits or shows on a button comes through gettext: a literal
    sentence passed to reply_text, send_message, answer… would reach every chat in English."""
    found = []
    for path in telegram_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in SENDERS:
                continue
            shown = [*node.args, *(k.value for k in node.keywords if k.arg == "text")]
            for argument in shown:
                if literal := words(argument):
                    found.append(f"{path.name}:{node.lineno} {name}: {' '.join(literal)}")
    assert found == []


def test_every_sentence_of_the_telegram_layer_is_marked_for_the_catalogues() -> None:
    """A module-level sentence in bot/telegram is a text someone reads: it is marked N_, so
    `make catalogs` extracts it (log lines and exceptions are listed in NOT_SHOWN)."""
    found = []
    for path in telegram_modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target = node.targets[0]
            value = node.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and " " in value.value.strip()
                and (path.name, target.id) not in NOT_SHOWN
            ):
                found.append(f"{path.name}:{node.lineno} {target.id}")
    assert found == []


def test_the_list_of_texts_not_shown_is_current() -> None:
    for file, name in NOT_SHOWN:
        source = (ROOT / "bot" / "telegram" / file).read_text(encoding="utf-8")
        assert re.search(rf"^{name} = ", source, re.MULTILINE), (file, name)


# -- the operators' reports and alerts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "finished", "failed", "more"),
    [
        ("ru", "<b>Рассылка объявления #7 завершена</b> за 33.4 с", "Не удалось: 25", "… и ещё 5"),
        ("az", "<b>Elan #7 göndərişi başa çatdı</b>: 33.4 san.", "Uğursuz: 25", "… və daha 5"),
    ],
)
def test_the_broadcast_report_is_in_the_operators_language(
    language: str, finished: str, failed: str, more: str
) -> None:
    reasons = [NOT_SENT_ERROR, "Bad Request: chat not found"] * 12 + ["Forbidden: <x>"]
    report = DeliveryReport(
        7,
        970,
        [(-1000 - n, reason) for n, reason in enumerate(reasons)],
        ["@gone_channel"],
        started_at=100.0,
        finished_at=133.4,
        unconfirmed=[-1],
    )
    text = format_report(report, language)
    assert text.startswith(finished) and f"\n{failed}\n" in text and f"\n  {more}" in text
    # The bot's own reason in the operator's language; Telegram's as Telegram gave it.
    assert f"  • -1000: {gettext(language, NOT_SENT_ERROR)}\n" in text
    assert gettext(language, NOT_SENT_ERROR) != NOT_SENT_ERROR
    assert "  • -1001: Bad Request: chat not found\n" in text
    assert "Announcement" not in text and "Delivered" not in text and "Unconfirmed" not in text
    assert html_problems(text) == []
    assert format_report(report).startswith(REPORT_FINISHED.format(id=7, seconds="33.4"))


def test_the_database_alert_is_in_the_operators_language() -> None:
    error = StoreError("could not save to the database /data/bot.sqlite3: disk full")
    text = alert_text(error, "az")
    assert text.startswith("⚠️ <b>Verilənlər bazası problemi</b>\n")
    assert "could not save to the database /data/bot.sqlite3: disk full." in text  # as logged
    assert "10 dəqiqədə" in text
    lost = alert_text(StoreLostError("the database file was deleted"), "ru")
    assert lost.endswith(gettext("ru", texts.DATABASE_STOPPING)) and CYRILLIC.search(lost)
    assert alert_text(error).startswith("⚠️ <b>Database problem</b>\n")


def test_the_unanswered_list_is_pasteable_yaml_in_every_language() -> None:
    rows = [(f"question number {n} " + "x" * 200, 3) for n in range(40)]
    for language in ("ru", "az"):
        text = unanswered_message(rows, language)
        shown = yaml.safe_load(html.unescape(text.removeprefix("<pre>").removesuffix("</pre>")))
        assert shown and all(q.startswith("question number") for q in shown)
        *_, last = text.removesuffix("</pre>").splitlines()
        cut = len(rows) - len(shown)
        assert last == "# " + gettext(language, texts.UNANSWERED_MORE).format(count=cut)
        assert not re.search(r"# (asked|most frequent|… and)", text)
    russian = unanswered_yaml([("когда учения", 2)], "ru")
    assert yaml.safe_load(russian) == ["когда учения"] and "# раз: 2" in russian
    assert yaml.safe_load(unanswered_yaml([], "az")) == []
    assert "# asked 2x" in unanswered_yaml([("when", 2)])  # the command line's, in English


# -- the console -------------------------------------------------------------------------------


def test_the_console_speaks_the_language_it_was_opened_in(engine: QAEngine) -> None:
    russian = ConsoleChat(engine, "ru")
    help_text = russian.reply("/help") or ""
    assert help_text.startswith(gettext("ru", HELP))
    assert engine.kb.fact("exercises_2016").translations["ru"].title in help_text
    assert russian.reply("/nonsense") == gettext("ru", UNKNOWN_COMMAND).format(command="nonsense")
    start = russian.reply("/start") or ""
    assert start.startswith("Здравствуйте!") and "/exercises" in start
    # A question that tells its language is answered in it, one that does not in the chat's.
    english = russian.reply("Which exercises were held?") or ""
    assert english.startswith("Trainings held in the first half")
    assert CYRILLIC.search(ConsoleChat(engine, "ru").reply("2016?") or "")
    assert reply_to_console(engine, "/nonsense").startswith("Unknown command /nonsense")


def test_chat_lang_opens_the_console_in_that_language(engine: QAEngine) -> None:
    assert build_parser().parse_args(["chat", "--lang", "az"]).lang == "az"
    out = io.StringIO()
    lines = iter(["/help", "/quit"])
    assert chat(engine, out, lambda _prompt: next(lines), language="az") == 0
    shown = out.getvalue()
    assert shown.startswith(greeting("az")) and AZERBAIJANI.search(greeting("az"))
    assert gettext("az", HELP) in shown
