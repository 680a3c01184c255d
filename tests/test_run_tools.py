"""run_tools (tool servers that run each case in a fork) gives what a fresh interpreter gives."""

from .conftest import TINY_CONFIG
from .run_tools import run_tools

CASES = {
    "error": ("evaluate.py", ["--config-file", "missing.yaml"]),
    "usage": ("visualize.py", ["--config-file", TINY_CONFIG, "--output", "v", "--num", -3]),
    "success": ("evaluate.py", ["--help"]),
}  # fmt: skip
# An environment variable makes run_tools start a fresh interpreter for the case.
FRESH = {"PYTHONDONTWRITEBYTECODE": "1"}


def test_a_served_case_is_a_fresh_run(tmp_path):
    calls = {}
    for case, (tool, args) in CASES.items():
        for how, env in (("served", None), ("fresh", FRESH)):
            (tmp_path / how / case).mkdir(parents=True)
            calls[case, how] = (tool, args, tmp_path / how / case, env)
    procs = run_tools(calls)
    for case in CASES:
        served, fresh = procs[case, "served"], procs[case, "fresh"]
        assert (served.returncode, served.stdout, served.stderr) == (
            fresh.returncode, fresh.stdout, fresh.stderr,
        ), case  # fmt: skip
    assert [procs[c, "served"].returncode for c in CASES] == [1, 2, 0]
    assert procs["success", "served"].stdout.startswith("usage: evaluate.py")
