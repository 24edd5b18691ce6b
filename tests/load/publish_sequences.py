"""Sequences of publishes whose outcome is kept as golden files: the publish tests' own, plus one on lineage."""

from __future__ import annotations

from datetime import date
from itertools import permutations

from darien import contract
from tests.load.load_batches import make_batch, rows, sha


def three_versions(*, final_table: str = "Cuadro No. 001", final_page: int = 1,
                   year: int = 2023) -> list[contract.Batch]:
    """July and August preliminary and the final of a small country slice (VEN July: 50, 55, 50)."""
    url = f"https://example.test/IRREGULARES_POR_DARIEN_{year}.pdf"
    july = rows((6, "country", "VEN", "Venezuela", 100), (7, "country", "VEN", "Venezuela", 50),
                (7, "country", "NPL", "Nepal", 5), (7, "country", "OTHER", "Otros Países", 9), year=year)
    august = rows((6, "country", "VEN", "Venezuela", 100), (7, "country", "VEN", "Venezuela", 55),
                  (7, "country", "NPL", "Nepal", 5), (7, "country", "OTHER", "Otros Países", 9),
                  (8, "country", "VEN", "Venezuela", 70), year=year)
    final = rows((6, "country", "VEN", "Venezuela", 100), (7, "country", "VEN", "Venezuela", 50),
                 (7, "country", "OTHER", "Otros Países", 14), (8, "country", "VEN", "Venezuela", 70),
                 year=year)
    final["source_table"], final["source_page"] = final_table, final_page
    tag = "" if year == 2023 else str(year)
    return [
        make_batch(july, url=url, sha256=sha(f"jul{tag}"), as_of=date(year, 7, 31), preliminary=True, year=year),
        make_batch(august, url=url, sha256=sha(f"aug{tag}"), as_of=date(year, 8, 31), preliminary=True, year=year),
        make_batch(final, url=url, sha256=sha(f"dec{tag}"), as_of=date(year, 12, 31), preliminary=False, year=year),
    ]


def reparsed(batch: contract.Batch, version: str, changes: dict) -> contract.Batch:
    """The same bytes through another parser version, with `changes` as {(month, category): persons}."""
    frame = batch.rows.copy()
    frame["pipeline_version"] = version
    for (month, category), persons in changes.items():
        frame.loc[(frame.month == month) & (frame.category == category), "persons"] = persons
    return contract.Batch(**{**batch.__dict__, "rows": frame.astype(contract.COLUMNS)})


def sequences(prelim: contract.Batch, final: contract.Batch) -> dict[str, list[contract.Batch]]:
    """Name -> the batches published in that order, on a fresh warehouse."""
    three = july, august, dec = three_versions()  # a publish reads its batches, never changes them
    out = {"prelim_final": [prelim, final], "final_prelim": [final, prelim]}
    for order in permutations(range(3)):
        out["three_" + "".join(map(str, order))] = [three[i] for i in order]
    fixed = reparsed(august, "parser-2+suites-1", {(7, "VEN"): 51})
    out["reparsed_middle"] = [july, august, dec, fixed]
    out["reparsed_middle_back"] = [july, august, dec, fixed, august]
    out["reparsed_top"] = [prelim, final, reparsed(final, "parser-2+suites-1", {(12, "VEN"): 1})]
    # The final prints its table on another page; its July VEN (50) equals July's, not August's.
    own = three_versions(final_table="Cuadro No. 003", final_page=2)
    out["own_table_in_order"] = own
    out["own_table_late_middle"] = [own[0], own[2], own[1]]
    return out
