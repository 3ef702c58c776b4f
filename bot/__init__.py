"""Telegram bot answering questions about Azerbaijan's military cooperation from one document."""

__version__ = "0.1.0"
