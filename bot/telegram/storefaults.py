"""Storage faults while the bot runs, handled in one place for every handler and job.

The handlers let store errors rise to the error handler, which calls `report_store_error`:
the user whose command could not be saved is told so (a message reply, or an alert on the
button they pressed; membership updates and background jobs have nobody to tell), the fault
is logged in one line, and the operators get a private alert, at most one per ten minutes.
A database file deleted or replaced under the bot stops the process (FatalStop), so that a
supervisor restarts it on the file that is at DATABASE_PATH now. A job checks the file
regularly, so that happens even when nothing is written.
"""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.i18n import ENGLISH, gettext
from bot.store import StoreError, StoreLostError
from bot.telegram.languages import chat_language
from bot.telegram.privacy import describe_update
from bot.telegram.state import BotApplication, Context
from bot.telegram.texts import COULD_NOT_SAVE, DATABASE_PROBLEM, DATABASE_RETRY, DATABASE_STOPPING

log = logging.getLogger(__name__)

DATABASE_CHECK_SECONDS = 30.0


def alert_text(error: StoreError, language: str = ENGLISH) -> str:
    """The operators' alert: what failed (the store's own words, as the log has them), and
    what the bot does about it, in the operator's language."""
    consequence = DATABASE_STOPPING if isinstance(error, StoreLostError) else DATABASE_RETRY
    heading, consequence = gettext(language, DATABASE_PROBLEM), gettext(language, consequence)
    return f"{heading}\n{html.escape(str(error))}.\n{consequence}"


async def _tell_user(update: object, context: Context) -> None:
    """Reply to the command or answer the button whose change was not saved, in the chat's
    language."""
    if not isinstance(update, Update):
        return
    text = gettext(chat_language(update, context), COULD_NOT_SAVE)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
            return
        message = update.effective_message
        if message is not None and message.text is not None:
            await message.reply_text(text)
    except TelegramError as error:
        log.warning("could not tell the user their change was not saved: %s", error)


async def report_store_error(update: object, context: Context, error: StoreError) -> None:
    """Tell the user, log one line, alert the operators; stop when the file is gone."""
    state = context.bot_data
    if state.fatal.stopping:
        return  # the line that stops the bot is out; later failures are its echoes
    if not isinstance(error, StoreLostError):
        where = describe_update(update) if update is not None else "a background job"
        log.error("%s (%s)", error, where)
    await _tell_user(update, context)
    await state.alerts.send(
        context.bot,
        state.settings.admin_user_ids,
        lambda operator: alert_text(error, state.chosen_language(operator)),
    )
    if isinstance(error, StoreLostError):
        state.fatal.trigger(str(error))


async def _check_database(context: Context) -> None:
    await context.bot_data.store.database.check_file()


def watch_database(application: BotApplication) -> None:
    """Check the database file every DATABASE_CHECK_SECONDS (its failure reaches the error
    handler like any job's)."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _check_database,
            interval=DATABASE_CHECK_SECONDS,
            first=DATABASE_CHECK_SECONDS,
            name="check-database-file",
        )
