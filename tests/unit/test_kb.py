"""The knowledge base: every fact of the document, sourced verbatim, and a checker that finds
every kind of mistake with its file and line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.kb import KnowledgeBase, KnowledgeError, Problem, load_knowledge
from bot.kb.loader import NOT_FACT_FILES
from bot.kb.model import ASKING_KINDS
from bot.text import collapse_whitespace
from tests.conftest import KNOWLEDGE, ROOT

DOCUMENT = collapse_whitespace((KNOWLEDGE / "document.txt").read_text(encoding="utf-8"))


def check_knowledge(directory: Path) -> list[Problem]:
    """Every problem the loader finds in a folder; empty when it loads."""
    try:
        load_knowledge(directory)
    except KnowledgeError as error:
        return list(error.problems)
    return []


def test_document_is_the_shared_document_verbatim() -> None:
    shared = ROOT.parent / "shared" / "document" / "military-cooperation.txt"
    if not shared.exists():
        pytest.skip("shared document not present on this machine")
    assert (KNOWLEDGE / "document.txt").read_bytes() == shared.read_bytes()


def raw_facts() -> list[dict[str, object]]:
    """The fact files read with plain YAML, not through the loader, so the tests below check
    the knowledge itself and would still fail if a loader rule were dropped."""
    facts: list[dict[str, object]] = []
    for path in sorted(KNOWLEDGE.glob("*.yaml")):
        if path.name not in NOT_FACT_FILES:
            facts += yaml.safe_load(path.read_text(encoding="utf-8"))
    return facts


def as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def test_every_source_is_verbatim_in_the_document() -> None:
    sources = [(fact["id"], s) for fact in raw_facts() for s in as_list(fact.get("source"))]
    assert len(sources) >= 20
    for fact_id, source in sources:
        assert collapse_whitespace(source) in DOCUMENT, (fact_id, source)


def test_every_document_fact_has_a_source_and_phrasings() -> None:
    facts = [fact for fact in raw_facts() if fact.get("kind", "fact") == "fact"]
    assert len(facts) >= 19
    for fact in facts:
        assert as_list(fact.get("source")), fact["id"]
        assert len(as_list(fact.get("questions"))) >= 12, fact["id"]
        assert fact.get("title") and (fact.get("answer") or fact.get("answers")), fact["id"]


def test_every_sentence_of_the_document_is_covered(kb: KnowledgeBase) -> None:
    sources = " ".join(collapse_whitespace(s) for fact in kb.facts for s in fact.sources)
    sentences = re.split(r"(?<=[.!;])\s+", DOCUMENT)
    headings = {"Bilateral military cooperation"}
    for sentence in sentences:
        for part in (p.strip(' "“”') for p in sentence.split("\n")):
            if part and part not in headings and len(part) > 12:
                fragment = part[:40]
                assert fragment in sources, f"no fact cites: {part!r}"


@pytest.mark.parametrize(
    ("fact_id", "figures"),
    [
        ("quote", ["pillar of our country", "Heydar Aliyev"]),
        ("cooperation_growth", ["develops and expands every year"]),
        ("agreements_signed", ["34 countries"]),
        ("agreements_2016", ["2016", "7 countries"]),
        ("agreements_pending", ["21", "11 countries"]),
        ("trilateral_meetings", ["Azerbaijan, Turkey and Georgia"]),
        ("trilateral_2017", ["2017", "Georgia"]),
        ("partnership_goals", ["Partnership Goals", "Individual"]),
        ("events_2016", ["250-300", "overseas"]),
        ("events_attendance", ["900"]),
        ("french_courses", ["French", "Embassy of France"]),
        ("english_courses", ["English", "Academy of the Armed Forces"]),
        ("exercises_2017", ["2017"]),
    ],
)
def test_facts_keep_the_documents_figures(kb: KnowledgeBase, fact_id: str, figures: list) -> None:
    answer = collapse_whitespace(re.sub(r"<[^>]+>", "", kb.fact(fact_id).answer))
    for figure in figures:
        assert figure in answer, (fact_id, figure)


def test_partner_list_is_the_documents_36_countries(kb: KnowledgeBase) -> None:
    assert len(kb.partners) == 36
    listed = kb.fact("partners").answer
    for country in kb.partners:
        assert country.spelling in DOCUMENT
        assert country.spelling in collapse_whitespace(listed)


def test_exercises_are_the_documents_six(kb: KnowledgeBase) -> None:
    names = [exercise.name for exercise in kb.exercises]
    assert len(names) == 6
    answer = kb.fact("exercises_2016").answer
    for name in names:
        assert name in answer


def test_commands_cover_the_topics(kb: KnowledgeBase) -> None:
    commands = {fact.command for fact in kb.commands}
    wanted = {"exercises", "partners", "agreements", "events", "courses", "trilateral"}
    assert wanted | {"partnership", "quote", "about"} <= commands


def test_facts_never_mention_what_the_document_does_not(kb: KnowledgeBase) -> None:
    for fact in kb.facts:
        for text in (fact.answer, *fact.answers.values()):
            assert "NATO" not in text, fact.id


# -- the checker: each kind of problem, with file and line ---------------------------------


def _append_fact(directory: Path, text: str) -> int:
    """Append a fact to facts.yaml; returns the line where it starts."""
    path = directory / "facts.yaml"
    current = path.read_text(encoding="utf-8")
    if not current.endswith("\n"):
        current += "\n"
    start = current.count("\n") + 2
    path.write_text(current + "\n" + text, encoding="utf-8")
    return start


def _fact(
    *,
    fact_id: str = "extra_fact",
    command: str | None = None,
    source: str = "In 2017 such meetings are planned to be held in Georgia.",
    related: str = "[]",
    questions: list[str] | None = None,
    answer: bool = True,
) -> str:
    phrasings = questions or [f"made up question number {n} about zebras" for n in range(12)]
    lines = [f"- id: {fact_id}", "  title: Extra fact"]
    if command:
        lines.append(f"  command: {command}")
    if answer:
        lines.append("  answer: Something the document says.")
    lines.append(f"  source: {source}")
    lines.append("  questions:")
    lines += [f"    - {q}" for q in phrasings]
    lines.append(f"  related: {related}")
    return "\n".join(lines) + "\n"


def _problems_at(directory: Path, start: int) -> list[str]:
    """Problems reported inside the fact that starts at this line of facts.yaml."""
    found = check_knowledge(directory)
    return [
        p.message
        for p in found
        if Path(p.file).name == "facts.yaml" and start <= p.line <= start + 20
    ]


def test_clean_knowledge_has_no_problems() -> None:
    assert check_knowledge(KNOWLEDGE) == []


def test_yaml_syntax_error_is_located(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, "- id: broken\n  title: [unclosed\n  answer: x\n")
    problems = check_knowledge(knowledge_copy)
    assert len(problems) == 1
    assert Path(problems[0].file).name == "facts.yaml"
    assert "YAML syntax error" in problems[0].message
    assert start <= problems[0].line <= start + 3


def test_missing_field_is_located(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, _fact(answer=False))
    assert any("missing field 'answer'" in m for m in _problems_at(knowledge_copy, start))


def test_duplicate_id_is_located(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, _fact(fact_id="quote"))
    assert any("duplicate id 'quote'" in m for m in _problems_at(knowledge_copy, start))


def test_unknown_related_id_is_located(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, _fact(related="[no_such_fact]"))
    assert any("unknown id 'no_such_fact'" in m for m in _problems_at(knowledge_copy, start))


def test_source_not_in_document_is_located(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, _fact(source="Azerbaijan joined NATO in 2016."))
    assert any("not verbatim in the document" in m for m in _problems_at(knowledge_copy, start))


def test_same_phrasing_under_two_facts_is_located(knowledge_copy: Path, kb: KnowledgeBase) -> None:
    taken = kb.fact("exercises_2016").questions[0]
    phrasings = [taken] + [f"made up question number {n} about zebras" for n in range(12)]
    start = _append_fact(knowledge_copy, _fact(questions=phrasings))
    assert any("also under 'exercises_2016'" in m for m in _problems_at(knowledge_copy, start))


@pytest.mark.parametrize("command", ["Bad-Command", "x" * 33, "start"])
def test_command_telegram_would_refuse_is_located(knowledge_copy: Path, command: str) -> None:
    start = _append_fact(knowledge_copy, _fact(command=command))
    messages = _problems_at(knowledge_copy, start)
    assert any("refused by Telegram" in m or "reserved" in m for m in messages), messages


def test_too_few_phrasings_is_reported(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, _fact(questions=["just one zebra question"]))
    assert any("at least 12" in m for m in _problems_at(knowledge_copy, start))


def test_load_raises_with_every_problem(knowledge_copy: Path) -> None:
    _append_fact(knowledge_copy, _fact(fact_id="quote", related="[nowhere]"))
    with pytest.raises(Exception) as raised:
        load_knowledge(knowledge_copy)
    assert "duplicate id" in str(raised.value) and "nowhere" in str(raised.value)


def test_cli_check_reports_file_and_line_and_exits_1(knowledge_copy: Path) -> None:
    start = _append_fact(knowledge_copy, _fact(related="[nowhere]"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--knowledge", str(knowledge_copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert f"facts.yaml:{start}: 'extra_fact' relates to unknown id 'nowhere'" in result.stdout


def test_cli_check_passes_on_the_real_knowledge() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


def test_unquoted_yaml_booleans_in_the_lexicon_are_reported(knowledge_copy: Path) -> None:
    lexicon = knowledge_copy / "lexicon.yaml"
    lexicon.write_text(
        lexicon.read_text(encoding="utf-8") + "\nweak_words: [what, no]\n", encoding="utf-8"
    )
    problems = [str(p) for p in check_knowledge(knowledge_copy)]
    assert any("lexicon.yaml" in p and "quote them" in p for p in problems), problems


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("asking_kinds: [когда]", "asking_kinds must be a mapping"),
        ("asking_kinds:\n  how much: [сколько]", "asking_kinds: 'how much' is none of how many"),
        ("asking_kinds:\n  when: когда", "when must be a list"),
    ],
)
def test_a_lexicons_asking_kinds_are_checked(
    knowledge_copy: Path, entry: str, problem: str
) -> None:
    """Each kind one of the matcher's, each a list of words: a wrong one is named, not
    skipped (a kind left out would let a per-name fact answer questions it is never asked)."""
    lexicon = knowledge_copy / "i18n" / "ru.lexicon.yaml"
    text = lexicon.read_text(encoding="utf-8")
    start = text.index("asking_kinds:")
    end = text.index("joiners:", start)
    lexicon.write_text(text[:start] + entry + "\n" + text[end:], encoding="utf-8")
    problems = [str(p) for p in check_knowledge(knowledge_copy)]
    assert any("ru.lexicon.yaml" in p and problem in p for p in problems), problems


def test_every_language_names_its_asking_kinds(kb: KnowledgeBase) -> None:
    kinds = kb.lexicon.asking_kinds
    assert set(kinds["en"]) == set()  # English asks with the matcher's own phrases
    assert set(kinds["ru"]) == set(ASKING_KINDS)
    assert set(kinds["az"]) == set(ASKING_KINDS) - {"how many"}  # "nece" is also "necə"
