"""README tables copied from a study's tables.md, found by their marker and brought up to date.

A README marks a copied table with ``<!-- rows from results/<study>/tables.md -->`` (the path
relative to the README), or ``<!-- rows from results/<study>/tables.md under "TEXT" -->`` to
copy only from the tables under a tables.md heading that holds TEXT as whole words (tables of
several schedules share a header; ``under "schedule epochs"`` does not match
``schedule epochs_x2``). ``sync_readme`` replaces each copied row by the row of tables.md
under the same header that shares its leading label cells, so no README number is typed by
hand; a marker with no table below it (blank lines apart) gets the one table it names, and a
table whose header is gone from the one table its marker names (a grid that gained a column)
takes that table's header, its rows matched by their labels.
"""

import os
import re

from ..utils.atomic_file import atomic_open
from .grid import SweepError

MARKER = re.compile(r'<!-- rows from (\S+/tables\.md)(?: under "([^"]+)")? -->')


def row_cells(row):
    """The stripped cells of a markdown table row (the tests read README tables with it too)."""
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _shared_prefix(a, b):
    """How many leading cells rows ``a`` and ``b`` have in common."""
    n = 0
    for x, y in zip(row_cells(a), row_cells(b)):
        if x != y:
            break
        n += 1
    return n


def _read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError as e:
        raise SweepError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def copied_tables(lines):
    """(tables.md path as written, heading text or None, [index of each table line], index
    of the marker) for every marker in ``lines``; the table is the one right below the
    marker, blank lines apart ([] if text comes first)."""
    for i, line in enumerate(lines):
        match = MARKER.search(line)
        if match:
            rows = []
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("|"):
                    rows.append(j)
                elif rows or lines[j].strip():
                    break
            yield match.group(1), match.group(2), rows, i


def markdown_tables(lines, under=None):
    """Every table of ``lines`` (lists of consecutive lines that start with ``|``); with
    ``under``, only those below a ``#`` heading that holds it as whole words."""
    words = re.compile(rf"(?<!\w){re.escape(under)}(?!\w)") if under is not None else None
    tables, current, heading = [], [], ""
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(line)
            continue
        if current and (words is None or words.search(heading)):
            tables.append(current)
        current = []
        if line.startswith("#"):
            heading = line
    return tables


def current_row(row, header, tables, where):
    """The row of ``tables`` under ``header`` that shares the most leading cells (at least
    the first, its label) with ``row``; SweepError if there is none, or a tie."""
    shared = {r: _shared_prefix(row, r) for t in tables if t[0] == header for r in t[2:]}
    best = max(shared.values(), default=0)
    found = [r for r, n in shared.items() if n == best]
    if best == 0:
        label = row_cells(row)[0]
        raise SweepError(f"{where}: no row under the same header starts with {label!r}")
    if len(found) != 1:
        labels = " | ".join(row_cells(row)[:best])
        raise SweepError(
            f"{where}: {len(found)} rows under the same header start with {labels!r}; "
            "expected exactly one"
        )
    return found[0]


def marked_tables(path, lines):
    """(tables.md path as written, the tables its marker copies from, [index of each table
    line], index of the marker) for every marker in ``lines``, the README at ``path``;
    SweepError for a marker whose file or heading does not exist."""
    for tables_path, under, rows, marker in copied_tables(lines):
        source = os.path.join(os.path.dirname(path), tables_path)
        if not os.path.isfile(source):
            raise SweepError(f"{path}: the marker names {tables_path}, which does not exist")
        tables = markdown_tables(_read_lines(source), under)
        if not tables:
            raise SweepError(f'{path}: {tables_path} has no table under a heading with "{under}"')
        yield tables_path, tables, rows, marker


def new_table(tables, where):
    """The lines to put below a marker that has no table yet: its one table, after a blank
    line; SweepError if the marker names several (a heading in the marker picks one)."""
    if len(tables) != 1:
        raise SweepError(
            f"{where}: no table below the marker, and it names {len(tables)} tables; "
            'pick one with under "HEADING TEXT" or put its header row below the marker'
        )
    return [""] + tables[0]


def current_header(header, tables, where):
    """None if a table of ``tables`` has ``header``; else the header and separator of the one
    table ``tables`` holds (its grid grew), so the copied rows can follow; SweepError if the
    marker names several."""
    if any(t[0] == header for t in tables):
        return None
    if len(tables) != 1:
        raise SweepError(
            f"{where}: no table has the header {header!r}, and the marker names "
            f'{len(tables)} tables; pick one with under "HEADING TEXT"'
        )
    return tables[0][:2]


def sync_readme(path):
    """Rewrite the copied tables of the README at ``path`` from their tables.md files, and
    fill a marker that has none; returns the number of rows that changed or were added
    (the file is written only if something changed)."""
    if not os.path.isfile(path):
        raise SweepError(f"{path}: no such README")
    lines = _read_lines(path)
    changed, filled = 0, False
    for tables_path, tables, rows, marker in reversed(list(marked_tables(path, lines))):
        where = f"{path}, line {marker + 1} ({tables_path})"
        if not rows:  # from the last marker up, so the lines above keep their numbers
            table = new_table(tables, where)
            lines[marker + 1 : marker + 1] = table
            changed, filled = changed + len(table) - 3, True
            continue
        grown = current_header(lines[rows[0]], tables, where)
        if grown:
            changed += sum(new != lines[i] for new, i in zip(grown, rows[:2]))
            lines[rows[0]], lines[rows[1]] = grown
        header = lines[rows[0]]
        for i in rows[2:]:
            new = current_row(lines[i], header, tables, f"{path}, line {i + 1} ({tables_path})")
            changed += new != lines[i]
            lines[i] = new
    if changed or filled:
        with atomic_open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
    return changed
