"""Webhook memory (issue 9): `python -m bot run` in webhook mode, in its own process, under
eight concurrent 100 MB POSTs; its peak RSS growth is read from /proc (VmHWM, reset before each
attack through clear_refs, and VmRSS sampled every few milliseconds as a second witness).

Before issue 9, PTB's server read every body whole before looking at the secret: one 99 MB POST
took the process to 256 MB RSS and four at once to 522 MB; this bench, run against it, measured
1,001 MB of growth for the first attack (900-970 MB for the others, with 500s for 413s).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.conftest import ROOT
from tests.support.fakeapi import FakeBotAPI

SECRET = "bench-secret"
PUBLIC_URL = "https://example.invalid/telegram/hook"
PATH = "/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
POSTS = 8
BODY = 100 * 1024 * 1024
TARGET_MB = 20.0
PIECE = b"x" * (1024 * 1024)


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure in bytes (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def _post(port: int, headers: str, *, chunked: bool) -> str:
    """Send a 100 MB body as fast as the server takes it; the server's status line, or how
    the connection ended if it closed without one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}"
    writer.write(f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n{headers}\r\n".encode())
    answer = asyncio.ensure_future(reader.readline())
    try:
        for _ in range(BODY // len(PIECE)):
            if answer.done():
                break
            if chunked:
                writer.write(b"%x\r\n" % len(PIECE) + PIECE + b"\r\n")
            else:
                writer.write(PIECE)
            await writer.drain()
        if chunked and not answer.done():
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError:
        pass  # refused and closed: the status line is already on its way
    try:
        line = await asyncio.wait_for(answer, 30)
        return line.decode().split(" ", 2)[1] if line else "closed"
    except (ConnectionError, TimeoutError) as error:
        return type(error).__name__
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _measure(pid: int, attack: Callable[[], Awaitable[list[str]]]) -> tuple[float, list[str]]:
    """Peak RSS growth in MB over the attack, and the answers it got."""
    await asyncio.sleep(0.5)
    base = _status(pid, "VmRSS")
    exact = _reset_peak(pid)
    peak = base
    done = False

    async def sample() -> None:
        nonlocal peak
        while not done:
            peak = max(peak, _status(pid, "VmRSS"))
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    answers = await attack()
    await asyncio.sleep(0.2)
    done = True
    await sampler
    if exact:
        peak = max(peak, _status(pid, "VmHWM"))
    return (peak - base) / 1024 / 1024, answers


def _show(title: str, growth: float, answers: list[str], expected: str) -> None:
    counts = {status: answers.count(status) for status in sorted(set(answers))}
    ok = "ok" if growth < TARGET_MB and answers == [expected] * POSTS else "FAIL"
    print(
        f"  {title}: peak RSS growth {growth:5.1f} MB (target < {TARGET_MB:.0f} MB), "
        f"answers {counts} (expected {POSTS} × {expected}): {ok}",
        flush=True,
    )


async def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    async with FakeBotAPI() as api:
        with tempfile.TemporaryDirectory() as folder:
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))
            }
            env |= {
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_BASE_URL": api.base_url,
                "WEBHOOK_URL": PUBLIC_URL,
                "WEBHOOK_SECRET": SECRET,
                "PORT": str(port),
                "LISTEN_ADDRESS": "127.0.0.1",
                "DATABASE_PATH": str(Path(folder) / "bot.sqlite3"),
                "LOG_LEVEL": "WARNING",
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
            )
            try:
                await api.wait_for("setWebhook", timeout=60)
                await _warm_up(port, api)
                await _attacks(process.pid, port)
            finally:
                process.terminate()
                await process.wait()


async def _warm_up(port: int, api: FakeBotAPI) -> None:
    """One genuine update answered, so what the bot allocates on its first reply is counted
    in the baseline, not in the attack."""
    update = (
        b'{"update_id": 1, "message": {"message_id": 1, "date": 1700000000, '
        b'"chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, '
        b'"first_name": "W"}, "text": "/exercises"}}'
    )
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(update)}\r\n"
        f"Content-Type: application/json\r\n{HEADER}: {SECRET}\r\nConnection: close\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + update)
    await writer.drain()
    await reader.read()
    writer.close()
    await api.wait_for("sendMessage", timeout=30)


async def _attacks(pid: int, port: int) -> None:
    how = "VmHWM reset per attack" if _reset_peak(pid) else "VmRSS sampled every 5 ms"
    print(
        f"== Webhook memory (issue 9): {POSTS} concurrent {BODY // 2**20} MB POSTs at "
        f"`python -m bot run`'s webhook; peak RSS of its process ({how}) ==",
        flush=True,
    )
    json_type = "Content-Type: application/json\r\n"

    def attack(headers: str, *, chunked: bool) -> Callable[[], Awaitable[list[str]]]:
        async def run_all() -> list[str]:
            posts = (_post(port, headers, chunked=chunked) for _ in range(POSTS))
            return list(await asyncio.gather(*posts))

        return run_all

    growth, answers = await _measure(pid, attack(json_type, chunked=False))
    _show("without the secret", growth, answers, "403")
    wrong = f"{json_type}{HEADER}: wrong\r\n"
    growth, answers = await _measure(pid, attack(wrong, chunked=True))
    _show("wrong secret, chunked", growth, answers, "403")
    right = f"{json_type}{HEADER}: {SECRET}\r\n"
    growth, answers = await _measure(pid, attack(right, chunked=False))
    _show("right secret, Content-Length", growth, answers, "413")
    growth, answers = await _measure(pid, attack(right, chunked=True))
    _show("right secret, chunked (1 MB read each)", growth, answers, "413")


def run() -> None:
    """Entry point for tests/bench/run.py."""
    asyncio.run(main())
