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

from bot.store import StoreError, StoreLostError
from bot.telegram.privacy import describe_update
from bot.telegram.state import BotApplication, Context

log = logging.getLogger(__name__)

COULD_NOT_SAVE = "Sorry, I could not save that. Please try again later."
DATABASE_CHECK_SECONDS = 30.0


def alert_text(error: StoreError) -> str:
    """The operators' alert: what failed, and what the bot does about it."""
    if isinstance(error, StoreLostError):
        consequence = "The bot is stopping; restart it once the file is restored or gone."
    else:
        consequence = (
            "Users are asked to try again later. While this lasts, you get this alert at most "
            "every 10 minutes; the log has every failure."
        )
    return f"⚠️ <b>Database problem</b>\n{html.escape(str(error))}.\n{consequence}"


async def _tell_user(update: object) -> None:
    """Reply to the command or answer the button whose change was not saved."""
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(COULD_NOT_SAVE, show_alert=True)
            return
        message = update.effective_message
        if message is not None and message.text is not None:
            await message.reply_text(COULD_NOT_SAVE)
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
    await _tell_user(update)
    await state.alerts.send(context.bot, state.settings.admin_user_ids, alert_text(error))
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
