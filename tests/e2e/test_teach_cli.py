"""`python -m bot teach` and `python -m bot taught` (issue 12): the same checks and the same
store as teaching from Telegram, the export ready to paste, and the overlay cleared once the
YAML holds what was taught."""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from bot.store import Store
from bot.store.records import AskedQuestion
from tests.conftest import KNOWLEDGE
from tests.e2e.test_cli import run_bot

GRANDPA = "my grandpa keeps quoting that line about soldiers holding up the whole nation"
RUSSIAN = "в 17м году встреча командующих аз тур груз в какой стране будет"


def test_teach_taught_export_and_clear_exported(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    env = {"DATABASE_PATH": str(database), "KNOWLEDGE_DIR": str(knowledge)}
    with Store(database) as store:
        asyncio.run(store.questions.log([AskedQuestion(GRANDPA, None, False, 0.1, "private")]))

    empty = run_bot("taught", env=env)
    assert (empty.returncode, empty.stdout) == (0, "no taught phrasings\n")
    taught = run_bot("teach", "--intent", "quote", GRANDPA, env=env)
    assert taught.returncode == 0, taught.stderr
    assert taught.stdout == f"taught #1 (en): {GRANDPA} → quote\n"
    assert run_bot("teach", "--intent", "trilateral_2017", RUSSIAN, env=env).returncode == 0
    # `ask` and `chat` answer as the bot does, taught phrasings included; `evaluate` scores
    # the YAML alone.
    # These change nothing: run side by side, as several operators' scripts might.
    with ThreadPoolExecutor(max_workers=5) as pool:
        asked, plain, again, nato, wrong = pool.map(
            lambda args: run_bot(*args[1:], env=args[0]),
            [
                (env, "ask", "--json", GRANDPA),
                ({**env, "DATABASE_PATH": str(tmp_path / "x")}, "ask", "--json", GRANDPA),
                (env, "teach", "--intent", "quote", GRANDPA),
                (env, "teach", "--intent", "partner_group", "Which partners are in NATO?"),
                (env, "teach", "--intent", "exercises_2016", "Which countries are partners?"),
            ],
        )
    assert '"intent": "quote"' in asked.stdout and '"matched": true' in asked.stdout
    assert '"matched": false' in plain.stdout
    assert again.returncode == 1
    assert again.stderr == "refused: the bot already answers it with “quote”: nothing to teach\n"
    assert nato.returncode == 1 and "it names “nato”" in nato.stderr
    assert wrong.returncode == 1 and "answers it with “partners”" in wrong.stderr

    listed = run_bot("taught", env=env)
    assert listed.stdout.splitlines() == [
        f"#1\tquote\ten\t{GRANDPA}",
        f"#2\ttrilateral_2017\tru\t{RUSSIAN}",
    ]
    exported = run_bot("taught", "--export", env=env)
    assert exported.returncode == 0
    assert yaml.safe_load(exported.stdout) == {
        str(knowledge / "facts.yaml"): {"quote": [GRANDPA]},
        str(knowledge / "i18n" / "ru.yaml"): {"trilateral_2017": [RUSSIAN]},
    }
    with Store(database) as store:  # taught: no longer in the list to review
        assert asyncio.run(store.questions.to_review()) == []

    # The operator pastes the English one into the YAML; clearing removes that one only.
    facts = knowledge / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    anchor = "    - What is the quote at the start of the document?\n"
    assert anchor in text
    facts.write_text(text.replace(anchor, anchor + f"    - {GRANDPA}\n"), encoding="utf-8")
    assert run_bot("check", env=env).returncode == 0
    cleared = run_bot("taught", "--clear-exported", env=env)
    assert cleared.stdout == "removed 1 exported phrasing(s) from the store\n"
    assert run_bot("taught", env=env).stdout.splitlines() == [f"#2\ttrilateral_2017\tru\t{RUSSIAN}"]
    with Store(database) as store:  # exported, it stays answered: not back in the list
        assert asyncio.run(store.questions.to_review()) == []
