"""The plain-YAML config reader: no code runs from a config, and every bad file is one line."""

import pytest
from detectron2.config import CfgNode

from gn_det.engine.setup import load_config
from gn_det.utils.yaml_config import ConfigFileError, read_yaml_config

from ..conftest import REPO
from ..test_configs import CONFIGS


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_configs_read_as_detectron2_merges_them(path):
    assert read_yaml_config(str(path)) == CfgNode.load_yaml_with_base(str(path))


def write(folder, files):
    for name, text in files.items():
        (folder / name).write_text(text)
    return str(folder / next(iter(files)))


TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/tuple [1, 2]",
    "!!binary aGVsbG8=",
    "!!set {{a: null}}",
    "!custom 1",
]


@pytest.mark.parametrize("tag", TAGS)
def test_a_tag_is_refused_naming_file_line_and_tag(tmp_path, tag):
    marker = tmp_path / "ran"
    top = write(tmp_path, {"top.yaml": f"MODEL:\n  WEIGHTS: {tag.format(marker=marker)}\n"})
    with pytest.raises(ConfigFileError) as info:
        read_yaml_config(top)
    shown = tag.split()[0].replace("{{", "{")
    assert str(info.value).startswith(f"config file {top}, line 2, column 12: the tag {shown} ")
    assert "is not allowed" in str(info.value) and not marker.exists()


def test_a_tag_in_a_base_names_the_base_and_who_includes_it(tmp_path):
    marker = tmp_path / "ran"
    top = write(tmp_path, {
        "top.yaml": "_BASE_: base.yaml\nSEED: 1\n",
        "base.yaml": f"SEED: !!python/object/apply:os.system ['touch {marker}']\n",
    })  # fmt: skip
    with pytest.raises(ConfigFileError, match=r"base\.yaml \(a _BASE_ of .*top\.yaml\), line 1"):
        read_yaml_config(top)
    with pytest.raises(ConfigFileError, match="is not allowed"):
        load_config(top)  # every tool's loader
    assert not marker.exists()


def test_plain_yaml_features_work(tmp_path):
    top = write(tmp_path, {
        "top.yaml": "_BASE_: [a.yaml, b.yaml]\nX: &x {A: 1}\nY:\n  <<: *x\n  B: 2\nD: 2020-01-02\n",
        "a.yaml": "Z: {P: 1, Q: 1}\n",
        "b.yaml": "Z: {Q: 2}\n",
    })  # fmt: skip
    assert read_yaml_config(top) == {
        "Z": {"P": 1, "Q": 2}, "X": {"A": 1}, "Y": {"A": 1, "B": 2}, "D": "2020-01-02",
    }  # fmt: skip


@pytest.mark.parametrize(
    "files,expected",
    [
        ({"c.yaml": ""}, "c.yaml is empty; expected a mapping"),
        ({"c.yaml": "# only a comment\n"}, "c.yaml is empty"),
        ({"c.yaml": "- a\n- b\n"}, "c.yaml holds a list at the top level"),
        ({"c.yaml": "just text\n"}, "c.yaml holds a str at the top level"),
        ({"c.yaml": "A: [1, 2\nB: 3\n"}, "c.yaml, line 2, column 2: expected ',' or ']'"),
        ({"c.yaml": "A: 1\n\tB: 2\n"}, "c.yaml, line 2, column 1: found character '\\t'"),
        ({"c.yaml": "_BASE_: nope.yaml\n"}, "nope.yaml (a _BASE_ of "),
        ({"c.yaml": "_BASE_: c.yaml\n"}, "_BASE_ cycle: "),
        ({"c.yaml": "_BASE_: 3\n"}, "_BASE_ must be a file name or a list of file names"),
        ({"c.yaml": "_BASE_: [a.yaml, null]\n"}, "_BASE_ must be a file name or a list"),
        ({"c.yaml": "_BASE_: https://x.org/b.yaml\n"}, "is a URL; configs are not downloaded"),
        ({"c.yaml": "MODEL:\n  1: x\n"}, "key 1 under MODEL is not a name"),
        ({"c.yaml": "_BASE_: b.yaml\nA: {B: 1}\n", "b.yaml": "A: 3\n"},
         "c.yaml: A is a mapping in one file and a value in another"),
    ],
)  # fmt: skip
def test_bad_files_are_one_line(tmp_path, files, expected):
    with pytest.raises(ConfigFileError) as info:
        read_yaml_config(write(tmp_path, files))
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_a_cycle_shows_the_chain(tmp_path):
    top = write(tmp_path, {"a.yaml": "_BASE_: b.yaml\n", "b.yaml": "_BASE_: a.yaml\n"})
    with pytest.raises(ConfigFileError) as info:
        read_yaml_config(top)
    assert str(info.value) == f"_BASE_ cycle: {top} -> {tmp_path}/b.yaml -> {tmp_path}/a.yaml"


def test_folder_missing_and_binary_files(tmp_path):
    with pytest.raises(ConfigFileError, match="is a folder, not a file"):
        read_yaml_config(str(tmp_path))
    with pytest.raises(ConfigFileError, match="nope.yaml does not exist"):
        read_yaml_config(str(tmp_path / "nope.yaml"))
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigFileError, match="is not a UTF-8 text file"):
        read_yaml_config(str(tmp_path / "bin.yaml"))
