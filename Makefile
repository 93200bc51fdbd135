# Two commands on a fresh machine with Python 3.11 and Node 20: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
FORGE  := node_modules/@foundry-rs/forge-linux-amd64/bin/forge
STAMP  := build/.installed

.PHONY: install compile test test-python test-anvil test-hardhat test-forge test-schemathesis prove prove-quick test-faults demo deploy node lint fuzz-deep clean risk-default

install: $(STAMP)

# Reinstall only when the dependency manifests change.
$(STAMP): pyproject.toml package.json package-lock.json
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p build && touch $(STAMP)

compile: install
	$(BIN)/python -m scf_ledger.cli.main compile

test: compile test-python test-anvil test-forge

# Two workers, each test file on one (its module fixtures, a deployed world or a node, built once): much of the
# suite waits on nodes, servers and databases, so two processes keep both cores busy.
test-python: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15

# The chain-facing tests again, on a real node (anvil from the npm lock) the suite starts and stops itself.
test-anvil: install
	SCF_TEST_CHAIN=anvil $(BIN)/python -m pytest -q tests/contract

# The chain-facing tests, the served stories and webhooks through kill -9 on the second EVM implementation, Hardhat's node (npm `hardhat`
# 2.x and its EDR engine, from the lock; `hardhat.config.js`), which the suite starts and stops like anvil.
test-hardhat: install
	SCF_TEST_CHAIN=hardhat $(BIN)/python -m pytest -q tests/contract tests/e2e/test_operator_story.py tests/e2e/test_serve.py \
		tests/e2e/test_webhooks_served.py

# Schemathesis, all checks, as every kind of party, longer than the suite's bounded run (8 examples per operation).
test-schemathesis: install
	SCF_SCHEMATHESIS_EXAMPLES=200 $(BIN)/python -m pytest -q tests/e2e/test_schemathesis.py

# The full exactly-once matrix: every write route with each fault at every one of its sends, and kill -9 of the
# server on both sides of every send (CI runs each fault at the first send and one kill per route).
test-faults: install
	SCF_FAULTS=full $(BIN)/python -m pytest -q tests/e2e/test_exactly_once.py tests/e2e/test_crash.py

# A local real node on 127.0.0.1:8545 whose state survives restarts.
node: install
	node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil --host 127.0.0.1 --port 8545 --state build/anvil-state.json

test-forge: install
	$(FORGE) test

demo: compile
	$(BIN)/scf demo

deploy: compile
	$(BIN)/scf deploy --json

lint: install
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(FORGE) fmt --check contracts
	PATH="$(CURDIR)/$(dir $(FORGE)):$$PATH" $(BIN)/slither . --fail-medium

# Symbolic proofs of the money math (halmos and Bitwuzla from PyPI, installed on first use; forge on PATH).
# Bitwuzla proves all eight checks in about 10 minutes here (SECURITY.md has each one's time); z3 does not finish
# the residue bound. PROVE_CHECKS (a regex of check names) selects some; CI runs prove-quick, the four that take
# seconds.
PROVE_CHECKS ?= .
prove-quick:
	$(MAKE) prove PROVE_CHECKS='shareAddsUp|priceAtMost|schedule|repaymentSettles'

prove: install
	@{ test -x $(BIN)/halmos && $(BIN)/python -c "import bitwuzla" 2>/dev/null; } || $(BIN)/python -m pip install --quiet "halmos>=0.3.3,<0.4" "bitwuzla>=0.10,<0.11"
	$(FORGE) build --ast --force -q
	PATH="$(CURDIR)/$(dir $(FORGE)):$$PATH" $(BIN)/halmos --forge-build-out build/forge-out --contract ReceivableMathProofs --match-test "$(PROVE_CHECKS)" --loop 24 --solver-timeout-assertion 300s --solver-command "$(BIN)/python scripts/bitwuzla_smt2.py"

fuzz-deep: install
	FOUNDRY_PROFILE=deep $(FORGE) test -q

clean:
	rm -rf build .pytest_cache .hypothesis

# The shipped scorecard, refitted from the German credit data (the base keeps bands, limits, rules and the
# hand-set behaviour features); tests check that the shipped file is exactly this command's output.
risk-default: install
	cp src/scf_ledger/domain/risk/default_risk.toml build/risk-base.toml
	$(BIN)/scf risk fit --data data/germancredit.csv --spec data/engine-spec.toml --base-config build/risk-base.toml --carry-features --out src/scf_ledger/domain/risk/default_risk.toml
	$(BIN)/scf risk validate --data data/germancredit.csv --scorecard src/scf_ledger/domain/risk/default_risk.toml --folds 5
