"""`python -m bot` as a separate process, as a supervisor runs it: its exit status and exactly
what it printed, optionally without root's power to ignore file permissions."""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.fakeapi import FakeBotAPI

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
# "2026-01-01 10:00:00,123 ERROR bot.telegram.app: the message"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<name>\S+): ")


def environment(**variables: str) -> dict[str, str]:
    """The test's environment without any bot setting, plus `variables`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "ADMIN_", "ANNOUNCE_"))
        and key not in ("PORT", "LOG_LEVEL", "KNOWLEDGE_DIR", "LISTEN_ADDRESS")
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env


def _drop_root_file_powers() -> None:
    """In the child, before exec: root keeps its uid but obeys file permissions, as the
    container's user does (a read-only folder is then read-only to it too)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def as_plain_user() -> Callable[[], None] | None:
    """The preexec_fn that makes file permissions bind, or None when they already do."""
    if os.geteuid() != 0:
        return None
    probe = subprocess.run(
        [sys.executable, "-c", "pass"], preexec_fn=_drop_root_file_powers, check=False
    )
    if probe.returncode != 0:  # pragma: no cover - a container without CAP_SETPCAP
        pytest.skip("cannot drop root's file capabilities here")
    return _drop_root_file_powers


def run(
    *args: str, env: dict[str, str], cwd: Path = ROOT, plain_user: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
        preexec_fn=as_plain_user() if plain_user else None,
    )


# Runs `python -m bot`'s entry point once per case, each with its own environment, and prints
# every case's exit status and stderr as JSON.
_CASES = """
import asyncio, contextlib, functools, io, json, os, sys
from bot.cli import main
from bot.engine import QAEngine
# The same knowledge in every case: built once (half a second each), as it is not under test.
QAEngine.load = functools.cache(QAEngine.load)
base = dict(os.environ)
results = []
for case in json.loads(sys.argv[1]):
    os.environ.clear()
    os.environ.update(base, **case)
    asyncio.set_event_loop(None)  # as in a new process: PTB makes its own loop
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["run"])
    results.append([status, err.getvalue()])
print(json.dumps(results))
"""


async def run_cases(
    cases: list[dict[str, str]], *, env: dict[str, str], plain_user: bool = False
) -> list[tuple[int, str]]:
    """`python -m bot run` once per case (variables added to `env`): each one's exit status
    and stderr, as separate processes would give them, for the price of one interpreter start
    (importing PTB is most of a second)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CASES,
        json.dumps(cases),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=as_plain_user() if plain_user else None,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-3000:]
    assert err == b"", err.decode()[-3000:]
    return [(int(status), str(text)) for status, text in json.loads(out)]


async def start(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """Start `python -m bot …` without waiting, so the test's fake Bot API keeps serving."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process, timeout: float = 45.0) -> str:
    """Wait for the process to exit by itself (kill it after `timeout`); its stderr."""
    try:
        _, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        _, err = await process.communicate()
        raise AssertionError(f"still running after {timeout} s:\n{err.decode()[-3000:]}") from None
    return err.decode()


def messages(stderr: str, *, at_least: str = "WARNING") -> list[str]:
    """The log messages at `at_least` and above, without timestamp, level and logger; lines
    that are not log records (a traceback, a print) are kept whole, so they show up too."""
    order = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
    found: list[str] = []
    for line in stderr.splitlines():
        match = LOG_LINE.match(line)
        if match is None:
            found.append(line)
        elif order.index(match["level"]) >= order.index(at_least):
            found.append(line[match.end() :])
    return found


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def polling(api: FakeBotAPI, timeout: float = 30.0) -> None:
    """Wait until the bot's first long poll has arrived (it is answered only when an update
    comes or after its own timeout)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not api.calls_to("getUpdates"):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no getUpdates within {timeout} s")
        await api.wait_changed(0.5)
