"""What every end-to-end test starts from: a fake Bot API server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fakeapi import FakeBotAPI


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server
