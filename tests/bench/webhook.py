"""Webhook memory for `make bench`: the real bot (`python -m bot run` in webhook mode, no
secret set) in its own process, eight clients each POSTing 100 MB at once, first with a
declared length, then chunked. Prints the growth of the bot's peak resident memory (VmHWM)
beside the target."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.core import ROOT
from tests.support.fakeapi import FakeBotAPI

CLIENTS = 8
BODY = 100 * 1024 * 1024
CHUNK = 1024 * 1024
TARGET_MB = 20.0
PATH = "hook"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(status.split("VmHWM:")[1].split()[0])


async def _post(port: int, *, chunked: bool) -> tuple[str, int]:
    """Send up to BODY bytes, stopping when the server answers: its status line and the bytes
    sent before the answer came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}"
    head = (
        f"POST /{PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    )
    writer.write(head.encode())
    answer = asyncio.ensure_future(reader.readline())
    piece = b"x" * CHUNK
    framed = b"%x\r\n%s\r\n" % (CHUNK, piece) if chunked else piece
    sent = 0
    with contextlib.suppress(ConnectionError):
        while sent < BODY and not answer.done():
            writer.write(framed)
            await asyncio.wait_for(writer.drain(), 10)
            sent += CHUNK
            await asyncio.sleep(0)
    try:
        status = (await asyncio.wait_for(answer, 10)).decode().strip() or "connection closed"
    except (ConnectionError, TimeoutError):
        status = "no answer"
    writer.close()
    with contextlib.suppress(ConnectionError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 5)
    return status, sent


async def _measure(folder: Path) -> list[tuple[str, float, int, list[str]]]:
    async with FakeBotAPI() as api:
        port = _free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "LISTEN_"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.base_url,
            WEBHOOK_URL=f"https://bot.example.invalid/{PATH}",  # the public URL, TLS in front
            PORT=str(port),
            DATABASE_PATH=str(folder / "bot.sqlite3"),
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
        )
        try:
            await api.wait_for("setWebhook", timeout=30)
            await asyncio.sleep(0.5)
            results = []
            for label, chunked in (("declared length", False), ("chunked", True)):
                before = _peak_kb(bot.pid)
                posts = await asyncio.gather(
                    *(_post(port, chunked=chunked) for _ in range(CLIENTS))
                )
                await asyncio.sleep(0.5)
                growth = (_peak_kb(bot.pid) - before) / 1024
                statuses = sorted({status for status, _ in posts})
                results.append((label, growth, max(sent for _, sent in posts), statuses))
            return results
        finally:
            bot.terminate()
            bot.wait(15)


def run() -> None:
    print("== Webhook memory (issue 9, item 3) ==")
    print(
        f"{CLIENTS} clients POST {BODY // 2**20} MB each at once to `python -m bot run` in "
        "webhook mode with no WEBHOOK_SECRET, over loopback"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        results = asyncio.run(_measure(Path(folder)))
    for label, growth, sent, statuses in results:
        verdict = "ok" if growth < TARGET_MB else "FAIL"
        print(
            f"  {label:<16} peak RSS growth {growth:6.1f} MB (target < {TARGET_MB:.0f} MB: "
            f"{verdict}); answered {', '.join(statuses)} after at most {sent / 2**20:.0f} MB"
        )
    print(f"  ({time.perf_counter() - started:.0f} s)")
