"""Operational checks after a publish: figures SNM published elsewhere, freshness, silent sources, the two sources compared.

Each returns warnings, one line each; none raises on what it finds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone

import sqlalchemy as sa

from darien import contract

# Annual totals SNM has published (../shared/snm/README.md, "Figures published elsewhere").
PUBLISHED_ANNUAL: dict[int, int] = {
    2010: 559, 2011: 283, 2012: 1_777, 2013: 3_051, 2014: 6_175, 2015: 29_289, 2016: 30_055,
    2017: 6_780, 2018: 9_222, 2019: 22_102, 2021: 133_726, 2022: 248_284, 2023: 520_085,
    2024: 302_203,
}
PUBLISHED_MONTHLY: dict[int, tuple[int, ...]] = {
    2023: (24_634, 24_657, 38_099, 40_297, 38_962, 29_722, 55_387, 81_946, 75_268, 49_256,
           37_231, 24_626),
}
assert all(sum(months) == PUBLISHED_ANNUAL[y] for y, months in PUBLISHED_MONTHLY.items())


def _totals(engine: sa.Engine) -> dict[int, dict]:
    sql = sa.text(f"""
        SELECT year, month, persons, preliminary FROM {contract.TABLE}
        WHERE breakdown = 'total' AND category = 'total' ORDER BY year, month""")
    years: dict[int, dict] = {}
    with engine.connect() as conn:
        for year, month, persons, preliminary in conn.execute(sql):
            entry = years.setdefault(year, {"months": {}, "preliminary": False})
            entry["months"][month] = persons
            entry["preliminary"] |= bool(preliminary)
    return years


def published_figure_warnings(engine: sa.Engine) -> list[str]:
    """A warning for every final year whose annual (or monthly) total differs from SNM's published figure."""
    warnings = []
    for year, entry in _totals(engine).items():
        if entry["preliminary"] or year not in PUBLISHED_ANNUAL:
            continue  # a preliminary year is expected to differ until its final file
        total = sum(entry["months"].values())
        if total != PUBLISHED_ANNUAL[year]:
            warnings.append(f"{year}: the warehouse's annual total {total:,} differs from SNM's "
                            f"published {PUBLISHED_ANNUAL[year]:,}")
        for month, published in enumerate(PUBLISHED_MONTHLY.get(year, ()), start=1):
            ours = entry["months"].get(month)
            if ours != published:
                shown = "no figure" if ours is None else f"{ours:,}"
                warnings.append(f"{year}-{month:02d}: the warehouse's monthly total {shown} differs "
                                f"from SNM's published {published:,}")
    return warnings


def freshness_warnings(engine: sa.Engine, max_age_days: int, *, today: date | None = None) -> list[str]:
    """A warning when the newest as_of of SNM's own figures is older than `max_age_days`, or there is none.

    Only SNM's documents count: a re-publication's newer figures say nothing of whether SNM still publishes.
    """
    today = today or datetime.now(timezone.utc).date()
    with engine.connect() as conn:
        newest, any_kind = conn.execute(sa.text(f"""
            SELECT MAX(CASE WHEN source_kind = '{contract.SOURCE_KINDS[0]}' THEN as_of END), MAX(as_of)
            FROM (SELECT as_of, source_kind FROM {contract.TABLE}
                  UNION ALL SELECT as_of, source_kind FROM {contract.ANNUAL_TABLE}) figures""")).one()
    if newest is None:
        return ["the warehouse holds no figures of SNM's own yet (a re-publication's do not count)"
                if any_kind is not None else "the warehouse holds no figures yet"]
    if isinstance(newest, datetime):
        newest = newest.date()
    age = (today - newest).days
    if age > max_age_days:
        return [f"SNM's newest figures are as of {newest.isoformat()}, {age} days old "
                f"(more than DARIEN_FRESHNESS_DAYS={max_age_days}): SNM may have stopped publishing "
                "or moved its files"]
    return []


# v_source_comparison's kinds of difference -> how a line of the run names them.
COMPARISON_KINDS = {
    "swapped": "the re-publication gives {n} cell(s) another category's SNM figure (rows swapped)",
    "disagreement": "the re-publication disagrees with SNM's final figures in {n} cell(s)",
    "revision": "the re-publication differs from SNM's preliminary figures in {n} cell(s) (revised since, probably)",
}


def source_comparison_warnings(engine: sa.Engine, few: int = 3) -> tuple[list[str], list[str]]:
    """Where the re-publication and SNM's own files give a cell different figures (v_source_comparison).

    Returns (warnings, revisions): one line each for swapped and disagreeing cells, which end a
    run with a warning, and one line for revisions (SNM's figure preliminary), which are listed
    only; each says how many and the `few` largest by |difference|.
    """
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT year, month, breakdown, category, snm_persons, republished_persons, difference, kind"
            " FROM v_source_comparison WHERE kind IS NOT NULL")).all()
    lines = {}
    for kind, text in COMPARISON_KINDS.items():
        cells = sorted((r for r in found if r.kind == kind),
                       key=lambda r: (-abs(r.difference), r.year, r.month, r.breakdown, r.category))
        if cells:
            largest = ", ".join(_cell(r) for r in cells[:few])
            lines[kind] = f"{text.format(n=len(cells))}, largest: {largest}" + (" …" if len(cells) > few else "")
    warnings = [lines[k] for k in ("swapped", "disagreement") if k in lines]
    return warnings, [lines["revision"]] if "revision" in lines else []


def _cell(r) -> str:
    """'2022-02 country/VEN 40 vs SNM 70' (an annual figure: '2019 country/CUB …')."""
    when = f"{r.year}-{r.month:02d}" if r.month else f"{r.year}"
    return f"{when} {r.breakdown}/{r.category} {r.republished_persons:,} vs SNM {r.snm_persons:,}"


def silent_source_warnings(listed: Mapping[str, int], known: Mapping[str, int]) -> list[str]:
    """A warning for every source that lists fewer documents now than the ledger knows from it (none, say)."""
    return [f"{source}: lists {count or 'no'} documents, the ledger knows {known[source]} from it: "
            "the page may have moved or changed shape"
            for source, count in listed.items() if count < known.get(source, 0)]
