"""Clients of the fake for its own tests: a PTB Bot and raw HTTP, aimed at a FakeBotAPI."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Callable

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest

from tests.support.fakeapi import FakeBotAPI

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])


def make_bot(token: str, base_url: str, *, read_timeout: float = 5.0) -> Bot:
    """A PTB Bot aimed at the fake; verify=False skips loading CA certificates (~0.1 s a client)."""
    return Bot(
        token,
        base_url=base_url,
        request=HTTPXRequest(httpx_kwargs={"verify": False}, read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(httpx_kwargs={"verify": False}),
    )


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    value = err.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    """Poll for server state that wait_for cannot see (calls still being answered)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def post(
    api: FakeBotAPI,
    method: str,
    *,
    data: dict[str, str] | None = None,
    json: object = None,
    params: dict[str, str] | None = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One raw HTTP call, for what PTB would not send (or would hide)."""
    async with httpx.AsyncClient(verify=False) as client:
        return await client.post(
            f"{api.base_url}{api.token}/{method}",
            data=data,
            json=json,
            params=params,
            content=content,
            headers=headers,
        )
