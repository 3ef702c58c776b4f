"""Fixtures for the fake Bot API's own tests: a server, one enforcing flood limits, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tests.support.client import make_bot
from tests.support.fakeapi import FakeBotAPI


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def limited() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI(enforce_limits=True)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with make_bot(api.token, api.base_url) as client:
        yield client
