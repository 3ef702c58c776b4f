"""The Telegram adapter: handlers translate updates into questions and answers into messages."""

from bot.telegram.app import build_application, run_bot

__all__ = ["build_application", "run_bot"]
