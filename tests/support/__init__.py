"""Test support: a fake Telegram Bot API (``fakeapi``) and the real bot started against it
(``harness``), so end-to-end tests run offline with the real Application and real HTTP."""
