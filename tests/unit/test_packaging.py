"""Where the knowledge base is found (checkout, installed wheel, Docker image), the Docker
image's contract: what it copies exists, and it runs what the README documents, and the locks in
requirements/: they cover pyproject.toml, with hashes, and are what the image and make install."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import bot.kb.location as location_module
from bot.kb import find_knowledge_dir
from bot.settings import load_settings
from tests.conftest import KNOWLEDGE, ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_checkout_finds_its_knowledge() -> None:
    assert find_knowledge_dir() == KNOWLEDGE
    assert load_settings({}, env_file=None).knowledge_folder == KNOWLEDGE


def test_environment_variable_wins(tmp_path: Path) -> None:
    settings = load_settings({"KNOWLEDGE_DIR": str(tmp_path)}, env_file=None)
    assert settings.knowledge_folder == tmp_path


def test_installed_package_finds_the_wheel_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Installed from a wheel: no checkout around bot/, the data files under sys.prefix."""
    site = tmp_path / "site-packages" / "bot" / "kb"
    site.mkdir(parents=True)
    monkeypatch.setattr(location_module, "__file__", str(site / "location.py"))
    shared = tmp_path / "prefix" / "share" / "milcoop-bot" / "knowledge"
    shared.mkdir(parents=True)
    (shared / "document.txt").write_text("x", encoding="utf-8")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    monkeypatch.chdir(tmp_path)
    assert find_knowledge_dir() == shared


def test_wheel_carries_the_knowledge_base() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = config["tool"]["setuptools"]["data-files"]
    for folder in (KNOWLEDGE, KNOWLEDGE / "i18n"):  # the translations too (issue 11)
        target = f"share/milcoop-bot/{folder.relative_to(ROOT)}"
        covered = {p for pattern in data_files[target] for p in ROOT.glob(pattern)}
        assert covered == {p for p in folder.iterdir() if p.is_file()}


def test_everything_the_image_copies_exists() -> None:
    copies = re.findall(r"^COPY\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)
    assert copies
    for line in copies:
        *sources, _target = shlex.split(line)
        for source in sources:
            if source.startswith("--"):
                continue
            assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for needed in ("bot", "knowledge", "pyproject.toml", "README.md"):
        assert needed not in ignored


def test_image_runs_what_the_readme_documents() -> None:
    command = re.search(r"^CMD\s+(\[.*\])$", DOCKERFILE, flags=re.MULTILINE)
    assert command is not None
    argv = json.loads(command.group(1))
    assert argv == ["python", "-m", "bot", "run"]
    assert "python -m bot run" in README
    assert "docker build" in README and "docker run -e TELEGRAM_BOT_TOKEN=" in README


def test_image_is_slim_non_root_and_exposes_the_webhook_port() -> None:
    assert re.search(r"^FROM python:3\.1[1-9]-slim", DOCKERFILE, flags=re.MULTILINE)
    user = re.search(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert user is not None and not user.group(1).startswith(("root", "0"))
    assert re.search(r"^EXPOSE\s+8443", DOCKERFILE, flags=re.MULTILINE)
    assert "KNOWLEDGE_DIR=/app/knowledge" in DOCKERFILE
    assert "LISTEN_ADDRESS=0.0.0.0" in DOCKERFILE  # in a container the port is the way in


def test_readme_starts_with_the_two_commands() -> None:
    head = "\n".join(README.splitlines()[:8])
    assert "make run" in head and "make test" in head


# --- The locks: requirements/*.txt, written by `make lock` (uv pip compile --generate-hashes) ---

REQUIREMENTS = ROOT / "requirements"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# Each lock, and the pyproject.toml extras it must cover beside the runtime dependencies.
LOCK_EXTRAS = {"runtime.txt": (), "test.txt": ("test",), "bench.txt": ("test", "bench")}


@dataclass(frozen=True)
class Pin:
    """One requirement of a lock: `name==version ; marker` and its --hash options."""

    requirement: Requirement
    hashes: tuple[str, ...]
    where: str  # file:line, for messages

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> Version | None:
        specifiers = list(self.requirement.specifier)
        if len(specifiers) == 1 and specifiers[0].operator == "==":
            return Version(specifiers[0].version)
        return None


def read_lock(name: str) -> list[Pin]:
    """The requirements of a pip-style lock, continuation lines joined, comments dropped."""
    path = REQUIREMENTS / name
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make lock`"
    pins: list[Pin] = []
    entry, start = "", 0
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate([*lines, ""], start=1):
        text = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not entry:
            start = number
        entry += " " + text.removesuffix("\\")
        if text.endswith("\\"):
            continue
        entry = entry.strip()
        if entry:
            where = f"{path.relative_to(ROOT)}:{start}"
            assert not entry.startswith("-"), (
                f"{where}: an option, not a pinned requirement: {entry}"
            )
            hashes = tuple(re.findall(r"--hash=(\S+)", entry))
            requirement = Requirement(re.sub(r"\s*--hash=\S+", "", entry))
            pins.append(Pin(requirement, hashes, where))
        entry = ""
    return pins


def declared(extras: tuple[str, ...]) -> list[Requirement]:
    """pyproject.toml's runtime dependencies plus those of the given extras."""
    strings = list(PROJECT["dependencies"])
    for extra in extras:
        strings += PROJECT["optional-dependencies"][extra]
    return [Requirement(s) for s in strings]


def uncovered(requirement: Requirement, pins: dict[str, list[Pin]], lock: str) -> list[str]:
    """What is wrong with how the lock covers one requirement, as lines for the message."""
    found = pins.get(canonicalize_name(requirement.name), [])
    if not found:
        return [f"{requirement}: not pinned in requirements/{lock}"]
    return [
        f"{requirement}: {pin.where} pins {pin.requirement}, which it does not allow"
        for pin in found
        if pin.version is None or not requirement.specifier.contains(pin.version, prereleases=True)
    ]


def dependencies_of_extras(requirement: Requirement, pin: Pin) -> list[Requirement]:
    """What `requirement`'s extras (python-telegram-bot[job-queue,...]) add, read from the
    installed distribution, which make install put there from the same lock."""
    installed = importlib.metadata.version(requirement.name)
    assert Version(installed) == pin.version, (
        f"{requirement.name} {installed} is installed but {pin.where} pins {pin.version}: "
        "run `make install`"
    )
    added = []
    for string in importlib.metadata.requires(requirement.name) or []:
        dependency = Requirement(string)
        if dependency.marker is None:
            continue
        wanted = any(dependency.marker.evaluate({"extra": extra}) for extra in requirement.extras)
        if wanted and not dependency.marker.evaluate({"extra": ""}):
            added.append(Requirement(f"{dependency.name}{dependency.specifier}"))
    return added


@pytest.mark.parametrize("lock", LOCK_EXTRAS)
def test_lock_pins_every_dependency_pyproject_declares(lock: str) -> None:
    """Every runtime dependency (and each extra the lock is for) pinned at an allowed version."""
    pins: dict[str, list[Pin]] = {}
    for pin in read_lock(lock):
        pins.setdefault(pin.name, []).append(pin)
    problems = []
    for requirement in declared(LOCK_EXTRAS[lock]):
        problems += uncovered(requirement, pins, lock)
        if requirement.extras and not problems:
            for pin in pins[canonicalize_name(requirement.name)]:
                if pin.requirement.marker is None or pin.requirement.marker.evaluate():
                    for dependency in dependencies_of_extras(requirement, pin):
                        problems += uncovered(dependency, pins, lock)
    assert not problems, "pyproject.toml is not covered, run `make lock`:\n" + "\n".join(problems)


def test_uv_lock_pins_the_declared_uv() -> None:
    pins: dict[str, list[Pin]] = {}
    for pin in read_lock("uv.txt"):
        pins.setdefault(pin.name, []).append(pin)
    declared_uv = [
        Requirement(line)
        for line in (REQUIREMENTS / "uv.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert declared_uv
    problems = [problem for r in declared_uv for problem in uncovered(r, pins, "uv.txt")]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lock", [*LOCK_EXTRAS, "uv.txt"])
def test_every_pin_is_exact_and_hashed(lock: str) -> None:
    pins = read_lock(lock)
    assert pins
    problems = [
        f"{pin.where}: {pin.requirement}: not pinned with =="
        for pin in pins
        if pin.version is None or pin.requirement.url
    ]
    problems += [
        f"{pin.where}: {pin.requirement}: no --hash"
        for pin in pins
        if not pin.hashes or not all(h.startswith("sha256:") for h in pin.hashes)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("smaller", "larger"), [("runtime.txt", "test.txt"), ("test.txt", "bench.txt")]
)
def test_each_lock_keeps_the_pins_of_the_one_it_extends(smaller: str, larger: str) -> None:
    """The image runs what the tests ran, and make bench only adds to the test environment.
    (Markers may differ: typing-extensions is needed on more Pythons by the test tools.)"""
    pins = {(pin.name, pin.version): pin for pin in read_lock(larger)}
    problems = []
    for pin in read_lock(smaller):
        other = pins.get((pin.name, pin.version))
        if other is None:
            found = [str(p.requirement) for (name, _), p in pins.items() if name == pin.name]
            problems.append(f"{pin.where}: {pin.requirement}, but requirements/{larger}: {found}")
        elif set(other.hashes) != set(pin.hashes):
            problems.append(f"{pin.where}: {pin.requirement}, other hashes in {other.where}")
    assert not problems, "\n".join(problems)


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    logical = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line.strip() for line in logical.splitlines() if line.strip() and line[0] != "#"]


def test_image_installs_only_the_runtime_lock_hash_checked() -> None:
    instructions = dockerfile_instructions()
    copies_lock = [
        i
        for i, text in enumerate(instructions)
        if text.startswith("COPY") and "requirements/runtime.txt" in shlex.split(text)[1:-1]
    ]
    installs = [
        (i, text)
        for i, text in enumerate(instructions)
        if text.startswith("RUN") and "pip install" in text
    ]
    from_lock = [
        (i, text)
        for i, text in installs
        if re.search(r"(-r|--requirement)\s+requirements/runtime\.txt\b", text)
    ]
    assert from_lock, "no RUN pip install -r requirements/runtime.txt"
    for i, text in from_lock:
        assert "--require-hashes" in text.split(), text
        assert copies_lock and copies_lock[0] < i, "the lock is installed before it is copied in"
    for _, text in installs:
        # Nothing is resolved at build time: the project itself goes on with --no-deps.
        assert "--no-deps" in text.split(), text
    for other in ("test.txt", "bench.txt"):
        assert other not in DOCKERFILE
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert not {"requirements", "requirements/", "*.txt", "requirements/*"} & set(ignored)


def make_dry_run(*arguments: str) -> str:
    """What `make` would run (-n: nothing is run), outside any make that runs these tests."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    done = subprocess.run(
        [make, "--no-print-directory", "-n", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"make -n {' '.join(arguments)}:\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize(
    "changed",
    ["pyproject.toml", "requirements/runtime.txt", "requirements/test.txt", "requirements/uv.txt"],
)
def test_install_is_redone_when_pyproject_or_a_lock_changes(changed: str) -> None:
    """-W: as if `changed` had just been edited."""
    commands = make_dry_run("-W", changed, "install")
    assert re.search(r"--require-hashes --no-deps -r requirements/test\.txt", commands), commands
    assert "bench.txt" not in commands


def test_only_bench_installs_the_bench_lock() -> None:
    assert "bench.txt" not in make_dry_run("-W", "requirements/bench.txt", "install", "test")
    commands = make_dry_run("-W", "requirements/bench.txt", "bench")
    assert re.search(r"--require-hashes --no-deps -r requirements/bench\.txt", commands), commands


def test_make_test_runs_mypy_strict_on_bot() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert mypy["strict"] is True and mypy["files"] == ["bot"]
    assert "-m mypy" in make_dry_run("test")
