import pytest

from gn_det.cli.sweep import main
from gn_det.sweep import SweepError, sync_readme

TABLES = """Generated; do not edit.

| norm | batch 32 | batch 2 |
|---|---|---|
| BN | 4.06 ± 2.20 (n=3) | 7.38 ± 2.23 (n=3) |
| GN | 5.25 ± 0.87 (n=5) | 4.30 ± 2.92 (n=3) |

| norm | groups | top-1 error (%) |
|---|---|---|
| GN | G=64 | 4.30 ± 0.76 (n=3) |
| GN | G=32 | 5.25 ± 0.87 (n=5) |
"""

README = """# Study

<!-- rows from results/batch/tables.md -->

| norm | batch 32 | batch 2 |
|---|---|---|
| GN | 5.13 ± 0.96 (n=3) | 4.30 ± 2.92 (n=3) |

Prose between tables.

<!-- rows from results/batch/tables.md -->

| norm | groups | top-1 error (%) |
|---|---|---|
| GN | G=32 | 5.13 ± 0.96 (n=3) |
| GN | G=64 | 4.30 ± 0.76 (n=3) |
"""


def study(tmp_path, readme=README, tables=TABLES):
    (tmp_path / "results" / "batch").mkdir(parents=True)
    (tmp_path / "results" / "batch" / "tables.md").write_text(tables)
    path = tmp_path / "README.md"
    path.write_text(readme)
    return path


def test_copied_rows_take_the_current_numbers_of_their_label(tmp_path):
    path = study(tmp_path)
    assert sync_readme(str(path)) == 2
    text = path.read_text()
    assert "| GN | 5.25 ± 0.87 (n=5) | 4.30 ± 2.92 (n=3) |" in text
    assert "| GN | G=32 | 5.25 ± 0.87 (n=5) |" in text
    assert "5.13" not in text
    assert "| BN |" not in text  # rows the README left out stay out
    assert "Prose between tables." in text
    assert sync_readme(str(path)) == 0


def test_a_row_whose_label_is_gone_is_an_error_naming_the_line(tmp_path):
    path = study(tmp_path, README.replace("| GN | G=64 |", "| GN | G=16 |"))
    with pytest.raises(SweepError, match=r"README.md, line 16 .*2 rows .* start with 'GN'"):
        sync_readme(str(path))
    path = study(tmp_path / "b", README.replace("| GN | G=32 |", "| LN | G=32 |"))
    with pytest.raises(SweepError, match=r"line 15 .*no row .* starts with 'LN'"):
        sync_readme(str(path))
    assert "5.13" in path.read_text()  # nothing written


SCHEDULES = """### error vs batch, schedule epochs

| norm | batch 32 |
|---|---|
| GN | 5.25 ± 0.87 (n=5) |

### error vs batch, schedule epochs_x2

| norm | batch 32 |
|---|---|
| GN | 4.13 ± 0.57 (n=5) |
"""


def test_a_marker_with_a_heading_copies_from_the_tables_under_it(tmp_path):
    copied = "| norm | batch 32 |\n|---|---|\n| GN | 0 |\n"
    marker = "<!-- rows from results/batch/tables.md{} -->\n\n" + copied
    readme = marker.format(' under "schedule epochs_x2"') + "\n" + marker.format("")
    path = study(tmp_path, readme, SCHEDULES)
    with pytest.raises(SweepError, match="line 11 .*2 rows under the same header"):
        sync_readme(str(path))  # the unmarked copy: two tables share its header
    path = study(tmp_path / "b", readme.rsplit("<!--", 1)[0], SCHEDULES)  # the marked one only
    assert sync_readme(str(path)) == 1
    assert "| GN | 4.13 ± 0.57 (n=5) |" in path.read_text()
    path = study(tmp_path / "c", marker.format(' under "schedule epochs"'), SCHEDULES)
    assert sync_readme(str(path)) == 1  # whole words: not "epochs_x2"
    assert "| GN | 5.25 ± 0.87 (n=5) |" in path.read_text()
    path = study(tmp_path / "d", marker.format(' under "schedule iters"'), SCHEDULES)
    with pytest.raises(SweepError, match='no table under a heading with "schedule iters"'):
        sync_readme(str(path))


def test_a_marker_naming_a_missing_tables_file_is_an_error(tmp_path):
    path = study(tmp_path, README.replace("results/batch/", "results/other/"))
    with pytest.raises(SweepError, match="results/other/tables.md, which does not exist"):
        sync_readme(str(path))


def test_a_readme_that_is_not_text_is_an_error(tmp_path):
    path = tmp_path / "README.md"
    path.write_bytes(b"\xff\xfe<!-- rows from results/batch/tables.md -->\n")
    with pytest.raises(SweepError, match="not UTF-8 text"):
        sync_readme(str(path))


def test_the_cli_syncs_with_report_only_and_only_with_it(tmp_path, capsys):
    path = study(tmp_path)
    with pytest.raises(SweepError, match="goes with --report-only"):
        main(["--sync-readme", str(path)])
    main(["--report-only", "--sync-readme", str(path)])
    assert "2 copied rows changed" in capsys.readouterr().out


def test_a_marker_without_a_table_gets_its_table_and_leaves_the_next_one_alone(tmp_path):
    later = '<!-- rows from results/batch/tables.md under "schedule epochs" -->\n\n'
    later += "| norm | batch 32 |\n|---|---|\n| GN | 0 |\n"
    readme = '<!-- rows from results/batch/tables.md under "schedule epochs_x2" -->\n\n'
    readme += "Prose, then the next marker's table.\n\n" + later
    path = study(tmp_path, readme, SCHEDULES)
    assert sync_readme(str(path)) == 2
    first, second = path.read_text().split("Prose")
    assert "| GN | 4.13 ± 0.57 (n=5) |" in first  # filled below its own marker
    assert "| GN | 5.25 ± 0.87 (n=5) |" in second and "4.13" not in second
    assert sync_readme(str(path)) == 0


def test_a_marker_without_a_table_that_names_several_is_an_error(tmp_path):
    path = study(tmp_path, "# Study\n\n<!-- rows from results/batch/tables.md -->\n", SCHEDULES)
    with pytest.raises(SweepError, match=r"line 3 .*no table below the marker.* names 2 tables"):
        sync_readme(str(path))


def test_a_table_whose_grid_grew_takes_the_new_header_and_keeps_its_rows(tmp_path):
    grown = SCHEDULES.replace(
        "| norm | batch 32 |\n|---|---|", "| norm | batch 32 | batch 2 |\n|---|---|---|"
    )
    grown = grown.replace(
        "| GN | 4.13 ± 0.57 (n=5) |",
        "| GN | 4.13 ± 0.57 (n=5) | 3.9 (n=1) |\n| BN | 6.0 (n=1) | 9.1 (n=1) |",
    )
    readme = '<!-- rows from results/batch/tables.md under "schedule epochs_x2" -->\n\n'
    readme += "| norm | batch 32 |\n|---|---|\n| GN | 4.13 ± 0.57 (n=5) |\n"
    path = study(tmp_path, readme, grown)
    assert sync_readme(str(path)) == 3
    text = path.read_text()
    assert (
        "| norm | batch 32 | batch 2 |\n|---|---|---|\n| GN | 4.13 ± 0.57 (n=5) | 3.9 (n=1) |"
        in text
    )
    assert "| BN |" not in text  # rows the README left out stay out
    assert sync_readme(str(path)) == 0


def test_a_header_gone_from_several_named_tables_is_an_error(tmp_path):
    readme = (
        "<!-- rows from results/batch/tables.md -->\n\n| norm | batch 4 |\n|---|---|\n| GN | 1 |\n"
    )
    path = study(tmp_path, readme, SCHEDULES)
    with pytest.raises(SweepError, match=r"line 1 .*no table has the header .* names 2 tables"):
        sync_readme(str(path))
    assert "| GN | 1 |" in path.read_text()  # nothing written
