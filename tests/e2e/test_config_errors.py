"""`python -m bot run` with a wrong configuration: one line naming the setting and its value
(never the token), exit status 1, no traceback; and a token revoked while the bot runs stops
it instead of leaving it alive and deaf."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.e2e import processes
from tests.support.fakeapi import FakeBotAPI

CHECK_URL = (
    "check the URL (Telegram's is https://api.telegram.org/bot, the token is appended to it)"
)
NGINX_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not "
    b"Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class _Page(tornado.web.RequestHandler):
    """What a web server that is not a Bot API answers: an HTML page."""

    def initialize(self, status: int) -> None:
        self.status = status

    def _page(self) -> None:
        self.set_status(self.status)
        self.set_header("Content-Type", "text/html")
        self.finish(NGINX_404 if self.status == 404 else b"<!doctype html><p>Sign in</p>")

    def get(self, *_: str) -> None:
        self._page()

    def post(self, *_: str) -> None:
        self._page()


@pytest.fixture
async def web_server() -> AsyncIterator[str]:
    """An ordinary web server on loopback: /missing/… answers 404, /portal/… a 200 page."""
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application(
            [(r"/missing/.*", _Page, {"status": 404}), (r"/portal/.*", _Page, {"status": 200})]
        )
    )
    server.add_sockets(sockets)
    try:
        yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    finally:
        server.stop()
        await server.close_all_connections()


def startup_cases(api: FakeBotAPI, web_server: str) -> list[tuple[str, dict[str, str], str]]:
    """(what, the variables that differ, the one line `python -m bot run` must print)."""
    json_404 = f"{api.url}/wrong/bot"  # a wrong path behind a proxy (PTB: "invalid token")
    html_404, html_200 = f"{web_server}/missing/bot", f"{web_server}/portal/bot"
    closed = f"http://127.0.0.1:{processes.closed_port()}/bot"
    wrong_token = api.token.split(":", 1)[0] + ":" + "w" * 35
    port = processes.closed_port()
    hook = f"http://127.0.0.1:{port}/hook"
    not_a_bot_api = "TELEGRAM_API_BASE_URL {} does not look like a Bot API: getMe answered {}; "
    return [
        (
            "JSON 404",
            {"TELEGRAM_API_BASE_URL": json_404},
            not_a_bot_api.format(json_404, "404 Not Found") + CHECK_URL,
        ),
        (
            "HTML 404",
            {"TELEGRAM_API_BASE_URL": html_404},
            not_a_bot_api.format(html_404, "HTTP 404 with an HTML page") + CHECK_URL,
        ),
        (
            "HTML 200",
            {"TELEGRAM_API_BASE_URL": html_200},
            not_a_bot_api.format(html_200, "HTTP 200 with an HTML page") + CHECK_URL,
        ),
        (
            "unreachable",
            {"TELEGRAM_API_BASE_URL": closed},
            f"cannot reach the Bot API at {closed} (…); check TELEGRAM_API_BASE_URL and the "
            "network",
        ),
        (
            "refused token",
            {"TELEGRAM_BOT_TOKEN": wrong_token},
            f"TELEGRAM_BOT_TOKEN was refused by the Bot API at {api.base_url} (401 Unauthorized): "
            "the token is invalid or revoked; get the current one from @BotFather",
        ),
        (
            # With Telegram's own Bot API a local http webhook can never work: refused up front.
            "http webhook for Telegram",
            {
                "TELEGRAM_API_BASE_URL": "https://api.telegram.org/bot",
                "WEBHOOK_URL": "http://127.0.0.1:8443/hook",
            },
            "WEBHOOK_URL: 'http://127.0.0.1:8443/hook' must use https:// (Telegram only calls "
            "https webhooks; http works only with a self-hosted Bot API server set in "
            "TELEGRAM_API_BASE_URL)",
        ),
        (
            # A self-hosted or test Bot API may accept a local http webhook; this one, like
            # Telegram, refuses it at setWebhook.
            "http webhook refused by the Bot API",
            {"WEBHOOK_URL": hook, "PORT": str(port), "LISTEN_ADDRESS": "127.0.0.1"},
            f"the Bot API refused WEBHOOK_URL {hook}: Bad webhook: an https url must be provided "
            "for webhook",
        ),
    ]


async def test_each_configuration_error_is_one_line_naming_the_setting(
    api: FakeBotAPI, web_server: str, tmp_path: Path
) -> None:
    cases = startup_cases(api, web_server)
    env = processes.environment(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    results = await processes.run_cases([variables for _, variables, _ in cases], env=env)
    secret = api.token.split(":")[1]
    for (what, _, line), (status, err) in zip(cases, results, strict=True):
        assert status == 1, (what, err)
        printed = processes.messages(err)
        assert len(printed) == 1, (what, err)
        head, _, tail = line.partition("…")  # … stands for the network library's own words
        assert printed[0].startswith(head) and printed[0].endswith(tail), (what, printed)
        assert "Traceback" not in err and secret not in err and "w" * 35 not in err, what
        assert "nginx" not in err and "Sign in" not in err, what  # no page dumped either
    settings_error = results[5][1]
    assert settings_error.splitlines() == [cases[5][2]]  # before any logging: a plain line
    assert [c.params["url"] for c in api.calls_to("setWebhook")] == [cases[6][1]["WEBHOOK_URL"]]


async def test_a_token_revoked_while_running_stops_the_bot(api: FakeBotAPI, tmp_path: Path) -> None:
    """getUpdates starts answering 401: one line and exit status 1, not a deaf process."""
    env = processes.environment(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    process = await processes.start("run", env=env)
    token = api.token
    try:
        await processes.polling(api)
        api.token = "1:" + "revoked_elsewhere_".ljust(35, "r")  # @BotFather issued a new one
        api.send_text("Which exercises were held?", chat_id=9001, user_id=9001)
        err = await processes.finish(process, timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 1, err
    assert processes.messages(err) == [
        f"TELEGRAM_BOT_TOKEN was refused by the Bot API at {api.base_url} (401 Unauthorized): "
        "the token was revoked or replaced; stopping. Put the current token from @BotFather in "
        "TELEGRAM_BOT_TOKEN"
    ]
    assert "Traceback" not in err and token.split(":")[1] not in err
