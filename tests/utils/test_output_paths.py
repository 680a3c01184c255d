"""Output paths are checked before any work, and the checks create nothing."""

import pytest

from gn_det.utils.output_paths import OutputPathError, check_output_dir, check_output_file


def test_usable_paths_pass_and_nothing_is_created(tmp_path):
    (tmp_path / "old").mkdir()
    check_output_dir(str(tmp_path / "old"), "OUTPUT_DIR")
    check_output_dir(str(tmp_path / "new" / "deeper"), "OUTPUT_DIR")
    check_output_file(str(tmp_path / "new" / "m.json"), "--out")
    (tmp_path / "old" / "m.json").write_text("{}")
    check_output_file(str(tmp_path / "old" / "m.json"), "--out")  # replaced later
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


@pytest.mark.parametrize(
    "check,path,expected",
    [
        (check_output_dir, "afile", "OUTPUT_DIR {p}/afile exists and is not a folder"),
        (check_output_dir, "afile/sub", "{p}/afile/sub cannot be created: {p}/afile is a file"),
        (check_output_dir, "", "OUTPUT_DIR is empty"),
        (check_output_file, "adir", "--out {p}/adir is a folder; give a file name"),
        (check_output_file, "afile/m.json", "m.json cannot be written: {p}/afile is a file"),
        (check_output_file, "afile/x/m.json", "cannot be written: {p}/afile is a file"),
    ],
)  # fmt: skip
def test_unusable_paths_are_one_line(tmp_path, check, path, expected):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    what = "OUTPUT_DIR" if check is check_output_dir else "--out"
    with pytest.raises(OutputPathError) as info:
        check(str(tmp_path / path) if path else "", what)
    assert expected.format(p=tmp_path) in str(info.value)
