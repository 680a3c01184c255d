"""Bad config files: no code runs from any of them, in any tool that reads configs, and each
ends in one ``error:`` line naming the file (and the including file for a ``_BASE_``), with
nothing created or changed. The cases run in one batch (``run_tools``)."""

import pytest

from gn_det.cli import check_dataset

from ..run_tools import run_tools
from .expect import assert_one_error, tree_digest

TAG = "!!python/object/apply:os.system"


def _reads_configs(tool_module):
    try:
        tool_module.parse_args(["--config-file", "c.yaml", "some_dataset"])
    except SystemExit:
        return False
    return True


# Every tool (and way of passing a config) that reads configs, with arguments that would
# otherwise run it: {label: (tool, arguments of config file c and folder d)}.
TOOLS = {
    "train_net": ("train_net.py", lambda c, d: ["--config-file", c, "OUTPUT_DIR", d / "out"]),
    "evaluate": ("evaluate.py", lambda c, d: ["--config-file", c, "MODEL.WEIGHTS", d / "w.pth"]),
    "visualize": ("visualize.py",
                  lambda c, d: ["--config-file", c, "--output", d / "vis", "MODEL.WEIGHTS", "w"]),
    "sweep": ("sweep.py",
              lambda c, d: ["--config-file", c, "--output-dir", d / "sweep", "--dry-run"]),
    "sweep --configs": ("sweep.py",
                        lambda c, d: ["--configs", c, "--output-dir", d / "sweep", "--dry-run"]),
    "benchmark": ("benchmark.py",
                  lambda c, d: ["--config-file", c, "--norms", "GN", "--json", d / "b.json"]),
    "pretrain_backbone": ("pretrain_backbone.py",
                          lambda c, d: ["--config-file", c, "--output-dir", d / "pretrain"]),
    "check_dataset": ("check_dataset.py", lambda c, d: ["--config-file", c, "shapes_val"]),
}  # fmt: skip
CONFIG_TOOLS = sorted(t for t in TOOLS if t != "check_dataset" or _reads_configs(check_dataset))

EVIL = f"MODEL:\n  WEIGHTS: {TAG} ['touch {{marker}}']\n"
TAG_CASES = {
    "top file": ({"evil.yaml": EVIL}, "config file evil.yaml, line 2, column 12"),
    "_BASE_": ({"evil.yaml": "_BASE_: base/evil_base.yaml\nSEED: 1\n",
                "base/evil_base.yaml": EVIL},
               "config file base/evil_base.yaml (a _BASE_ of evil.yaml), line 2, column 12"),
}  # fmt: skip
FILE_CASES = {
    "syntax": ({"c.yaml": "MODEL:\n  NORM: {TYPE: GN\nSEED: 1\n"},
               "config file c.yaml, line 3, column 5: expected ',' or '}', but got ':'"),
    "missing base": ({"c.yaml": "_BASE_: bases/gone.yaml\n"},
                     "config file bases/gone.yaml (a _BASE_ of c.yaml) does not exist"),
    "base cycle": ({"c.yaml": "_BASE_: b.yaml\n", "b.yaml": "_BASE_: c.yaml\n"},
                   "_BASE_ cycle: c.yaml -> b.yaml -> c.yaml"),
    "empty": ({"c.yaml": ""}, "config file c.yaml is empty; expected a mapping of config keys"),
    "empty base": ({"c.yaml": "_BASE_: b.yaml\n", "b.yaml": "# nothing yet\n"},
                   "config file b.yaml (a _BASE_ of c.yaml) is empty"),
    "list": ({"c.yaml": "- MODEL.NORM.TYPE\n- GN\n"},
             "config file c.yaml holds a list at the top level; expected a mapping"),
    "not text": ({"c.yaml": b"\x89PNG\r\n\x1a\n\x00\x00"}, "c.yaml is not a UTF-8 text"),
    "bad _BASE_": ({"c.yaml": "_BASE_: {file: b.yaml}\n"},
                   "_BASE_ must be a file name or a list of file names"),
    "unknown key": ({"c.yaml": "MODEL:\n  NORM:\n    TYPO: GN\n"},
                    "bad config file c.yaml: Non-existent config key: MODEL.NORM.TYPO"),
    "missing file": ({}, "config file c.yaml does not exist"),
    "folder": ({"c.yaml/README": "a folder named like a config\n"},
               "config file c.yaml is a folder, not a file"),
}  # fmt: skip
# A folder given as the config, to every tool (train_net has it in FILE_CASES): some once
# called it "does not exist".
FOLDER_TOOLS = [t for t in CONFIG_TOOLS if t != "train_net"]


def _write(folder, files, marker):
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace("{marker}", str(marker)))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{case: (CompletedProcess, folder, digest before)} of every case, run in one batch."""
    cases = {(tool, where): (files, "evil.yaml")
             for tool in CONFIG_TOOLS for where, (files, _) in TAG_CASES.items()}  # fmt: skip
    cases.update(
        {("train_net", name): (files, "c.yaml") for name, (files, _) in FILE_CASES.items()}
    )
    cases.update({(tool, "folder"): (FILE_CASES["folder"][0], "c.yaml") for tool in FOLDER_TOOLS})
    calls, state = {}, {}
    for (tool, case), (files, config) in cases.items():
        folder = tmp_path_factory.mktemp("config")
        _write(folder, files, folder / "touched")
        state[tool, case] = folder, tree_digest(folder)
        tool_file, arguments = TOOLS[tool]
        calls[tool, case] = (tool_file, arguments(config, folder), folder, None)
    procs = run_tools(calls)
    return {key: (procs[key], *state[key]) for key in calls}


@pytest.mark.parametrize("where", sorted(TAG_CASES))
@pytest.mark.parametrize("tool", CONFIG_TOOLS)
def test_a_python_tag_runs_no_code(results, tool, where):
    proc, folder, before = results[tool, where]
    assert_one_error(proc, f"{TAG_CASES[where][1]}: the tag {TAG} is not allowed")
    assert not (folder / "touched").exists()
    assert tree_digest(folder) == before


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_a_bad_config_file_is_one_line(results, case):
    proc, folder, before = results["train_net", case]
    assert_one_error(proc, FILE_CASES[case][1])
    assert tree_digest(folder) == before


@pytest.mark.parametrize("tool", FOLDER_TOOLS)
def test_a_folder_is_named_as_such_by_every_tool(results, tool):
    proc, folder, before = results[tool, "folder"]
    assert_one_error(proc, "config file c.yaml is a folder, not a file")
    assert tree_digest(folder) == before
