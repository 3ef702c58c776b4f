"""The Telegram adapter: handlers translate updates into questions and answers into messages.

The application is built in bot.telegram.app; this package imports nothing on its own.
"""
