"""The tables the parser does not know, kept for a person to read before the parser learns them.

`<DARIEN_DATA_DIR>/unknown_tables/<sha256[:12]>/cuadro-004.csv` holds a table's printed rows
(label, Total, the twelve months; counts without separators, `-` an empty cell) and
`cuadro-004.txt` its text lines. Retention keeps them as long as the quarantine.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from darien.contract import UnknownTable

FOLDER = "unknown_tables"
HEADER = ("label", "Total", "Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic")
_CUADRO = re.compile(r"Cuadro\s+No\.?\s*(\d+)", re.IGNORECASE)


def file_stems(titles: list[str]) -> list[str]:
    """The file name (without suffix) of each of a version's unknown tables, from their titles in order:
    `cuadro-004`, `table-2` for one without a number, `cuadro-004-2` for a number printed twice."""
    stems: list[str] = []
    for index, title in enumerate(titles, start=1):
        found = _CUADRO.search(title)
        stem = f"cuadro-{found.group(1)}" if found else f"table-{index}"
        stems.append(stem if stem not in stems else f"{stem}-{index}")
    return stems


def version_folder(data_dir: Path, sha256: str) -> Path:
    return Path(data_dir) / FOLDER / sha256[:12]


def kept_paths(data_dir: Path, sha256: str, titles: list[str], with_rows: list[bool]) -> list[Path]:
    """Where each unknown table of a version is to be read: its CSV when it has rows, else its text lines."""
    folder = version_folder(data_dir, sha256)
    return [folder / f"{stem}.{'csv' if rows else 'txt'}" for stem, rows in zip(file_stems(titles), with_rows)]


def _cell(value) -> str:
    return "-" if value is None else str(int(value))


def keep_unknown_tables(data_dir: Path, sha256: str, tables: list[UnknownTable]) -> list[Path]:
    """Write a version's unknown tables under the data folder; return each table's path to read (CSV or TXT).

    Every table gets its text lines in a .txt; one with rows also gets them as a .csv. Writing
    again replaces the files: a version processed again keeps one copy.
    """
    if not tables:
        return []
    folder = version_folder(data_dir, sha256)
    folder.mkdir(parents=True, exist_ok=True)
    for stem, table in zip(file_stems([t.title for t in tables]), tables):
        (folder / f"{stem}.txt").write_text("\n".join(table.lines) + "\n", encoding="utf-8")
        if table.rows:
            with open(folder / f"{stem}.csv", "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(HEADER)
                for label, *values in table.rows:
                    writer.writerow([label, *(_cell(v) for v in values)])
    return kept_paths(data_dir, sha256, [t.title for t in tables], [bool(t.rows) for t in tables])
