"""A fake Telegram Bot API server on 127.0.0.1, so end-to-end tests run the real bot offline.

The real python-telegram-bot ``Application`` talks to it over HTTP exactly as it talks to
Telegram: ``ApplicationBuilder().token(api.token).base_url(api.base_url)``. Tests queue updates
(``send_text``, ``press_button``, ...), let the bot poll them with ``getUpdates``, and then look at
what the bot called (``calls``, ``wait_for``, ``sent_messages``). Faults Telegram really produces
(flood limits, blocked users, migrated groups, 5xx, slow answers) can be injected on demand.

It serves only the methods the bot calls, and checks only parse_mode=HTML, the one the bot uses.
Tests import it from here; the parts live beside it (server, methods, checks, updates, ...).

Standalone demo: ``python -m tests.support.fakeapi --port 8081`` prints the two environment
variables that point the bot at it (``TELEGRAM_API_BASE_URL``, ``TELEGRAM_BOT_TOKEN``), ready to
paste, then turns every line typed on stdin into a private-chat message and prints the bot's
replies with their buttons.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading

from tests.support.server import Call, FakeBotAPI, fake_token

__all__ = ["Call", "FakeBotAPI", "demo_setup", "fake_token", "main", "reply_lines"]


def demo_setup(api: FakeBotAPI) -> str:
    """What the demo prints first: the variables to paste into the bot's terminal."""
    return (
        "Start the bot in a second terminal with these two variables:\n\n"
        f"export TELEGRAM_API_BASE_URL={api.base_url}\n"
        f"export TELEGRAM_BOT_TOKEN={api.token}\n"
        "make run\n\n"
        "Then type a message here and press Enter to send it from a private chat; "
        "Ctrl-D quits."
    )


def reply_lines(call: Call) -> list[str]:
    """A bot message as the demo shows it: its visible text, then its buttons."""
    message = call.response.get("result")
    text = message.get("text") if isinstance(message, dict) else call.params.get("text")
    lines = [f"bot> {text}"]
    keyboard = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    lines += [f"     [{button.get('text')}]" for row in keyboard for button in row]
    return lines


async def _print_replies(api: FakeBotAPI) -> None:
    """Echo what the bot does to the terminal as it happens."""
    seen = 0
    while True:
        for call in api.answered[seen:]:
            if call.method in ("sendMessage", "editMessageText") and call.ok:
                print("\n".join(reply_lines(call)), flush=True)
            elif not call.ok:
                print(f"[{call.method} -> {call.response.get('description')}]", flush=True)
        seen = len(api.answered)
        await api.wait_changed(1.0)


async def _demo(port: int) -> None:
    api = FakeBotAPI(port=port)
    await api.start()
    print(demo_setup(api), flush=True)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    printer = asyncio.create_task(_print_replies(api))
    try:
        while (line := await lines.get()) is not None:
            if line.strip():
                api.send_text(line)
    finally:
        printer.cancel()
        await api.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the fake server until stdin ends."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.fakeapi",
        description="A fake Telegram Bot API on 127.0.0.1; stdin lines become user messages.",
    )
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_demo(args.port))


if __name__ == "__main__":
    main()
