# gn_det: `make demo` trains and evaluates the demo model, `make test` runs the tests.
# Both set everything up first (`make setup`, idempotent).
PYTHON ?= python3
VENV ?= .venv
VENV_ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.gn_det-setup
TORCH := torch==2.14.1 torchvision==0.29.1
# OpenMP's default waits: on a quiet CPU, OMP_WAIT_POLICY=PASSIVE made the demo x1.16 slower
# (projects/Performance/README.md); on a busy one, training warns to set it (utils/cpu_threads.py).
DEMO_CONFIG := configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml
DEMO_OUT := output/demo

.PHONY: setup demo test lint format clean

setup: $(STAMP)

$(STAMP): pyproject.toml tools/install_detectron2.py gn_det/compat/detectron2_C.py Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV_ARGS) $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23" "setuptools<81" wheel
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python tools/install_detectron2.py
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/python tools/train_net.py --config-file $(DEMO_CONFIG) OUTPUT_DIR $(DEMO_OUT)
	@PYTHONWARNINGS=ignore $(BIN)/python -m gn_det.cli.summary $(DEMO_OUT)/metrics.json --label demo

# The suite writes about 3 GB under TMPDIR and trains on every core: the log starts with both.
test: setup
	@df -h $${TMPDIR:-/tmp} | tail -1; nproc
	$(BIN)/python -m pytest -q tests

lint: setup
	$(BIN)/ruff check gn_det tools tests
	$(BIN)/lint-imports
	$(BIN)/ruff format --check gn_det tools tests

format: setup
	$(BIN)/ruff format gn_det tools tests
	$(BIN)/ruff check --fix gn_det tools tests

clean:
	rm -rf output
