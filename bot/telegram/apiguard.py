"""PTB's HTTP layer, watched for the answers that mean the bot can no longer work.

A revoked token makes every call answer 401. PTB turns that into InvalidToken, and when it is
getUpdates that fails, PTB ends its polling task and leaves the process running, alive and
deaf. This wrapper sees the status first: a 401 from any call, or a 404 from getUpdates (the
base URL no longer leads to a Bot API), stops the bot through FatalStop. From then on
getUpdates is answered "no updates" here, without the network, so PTB's polling loop winds down
quietly instead of logging a traceback per attempt while the application shuts down.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.telegram.fatal import FatalStop
from bot.telegram.request import WrappedRequest
from bot.telegram.startup import display_url

NO_UPDATES = (HTTPStatus.OK.value, b'{"ok":true,"result":[]}')
IDLE_SECONDS = 0.2  # between the local "no updates" answers while the application stops


class GuardedRequest(WrappedRequest):
    """Delegates every request to `inner`; stops the bot on the answers above."""

    def __init__(self, inner: BaseRequest, fatal: FatalStop, base_url: str) -> None:
        super().__init__(inner)
        self._fatal = fatal
        self._base_url = display_url(base_url)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        polling = url.rsplit("/", 1)[-1].lower() == "getupdates"
        if polling and self._fatal.stopping:
            await asyncio.sleep(IDLE_SECONDS)
            return NO_UPDATES
        code, payload = await self._inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if code == HTTPStatus.UNAUTHORIZED:
            self._fatal.trigger(
                f"TELEGRAM_BOT_TOKEN was refused by the Bot API at {self._base_url} (401 "
                "Unauthorized): the token was revoked or replaced; stopping. Put the current "
                "token from @BotFather in TELEGRAM_BOT_TOKEN"
            )
        elif code == HTTPStatus.NOT_FOUND and polling:
            self._fatal.trigger(
                f"TELEGRAM_API_BASE_URL {self._base_url} stopped answering like a Bot API "
                "(getUpdates: 404 Not Found); stopping"
            )
        if polling and self._fatal.stopping:
            return NO_UPDATES
        return code, payload
