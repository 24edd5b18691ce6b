"""Two source kinds in one warehouse: SNM's chain before the re-publication's, year by year, and the annual table apart."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

import load
from darien import contract
from tests.load.load_batches import make_batch, rows, sha, snapshot

REP_URL = "https://raw.githubusercontent.com/iom/gdidata/master/data/irreg_darien_nat.rda"
SNM_URL = "https://www.migracion.gob.pa/wp-content/uploads/DARIEN-2022.pdf"


def republication(name: str = "rep", *, as_of: date = date(2022, 12, 31),
                  changes: dict[tuple[int, str], int] | None = None) -> contract.Batch:
    """A re-publication of 2021 (December) and 2022 (January, February) by nationality and sex;
    `changes` sets 2022's (month, category) cells."""
    frame = pd.concat([
        rows((12, "total", "total", "Total", 5), (12, "country", "VEN", "VEN", 5), year=2021),
        rows((1, "total", "total", "Total", 100), (2, "total", "total", "Total", 110),
             (1, "country", "VEN", "VEN", 60), (2, "country", "VEN", "VEN", 70),
             (1, "country", "HTI", "HTI", 40), (2, "country", "HTI", "HTI", 40),
             (1, "sex", "male", "men", 50), (2, "sex", "male", "men", 55),
             (1, "sex", "female", "women", 50), (2, "sex", "female", "women", 55), year=2022),
    ], ignore_index=True)
    for (month, category), persons in (changes or {}).items():
        frame.loc[(frame.year == 2022) & (frame.month == month) & (frame.category == category), "persons"] = persons
    frame["source_kind"] = "republication"
    frame["source_table"] = "irreg_darien_nat"
    frame["source_page"] = 0
    return make_batch(frame, url=REP_URL, sha256=sha(name), as_of=as_of, preliminary=False, year=2022)


def snm_2022(name: str = "snm 2022", *, preliminary: bool = False) -> contract.Batch:
    """SNM's own 2022 file: total, region and country for January and February, no sex table."""
    frame = rows((1, "total", "total", "Total", 101), (2, "total", "total", "Total", 110),
                 (1, "region", "south_america", "América del Sur", 61), (2, "region", "south_america",
                                                                          "América del Sur", 70),
                 (1, "region", "caribbean", "Antillas", 40), (2, "region", "caribbean", "Antillas", 40),
                 (1, "country", "VEN", "Venezuela", 61), (2, "country", "VEN", "Venezuela", 70),
                 (1, "country", "HTI", "Haití", 40), (2, "country", "HTI", "Haití", 40), year=2022)
    return make_batch(frame, url=SNM_URL, sha256=sha(name), as_of=date(2022, 2, 28) if preliminary
                      else date(2022, 12, 31), preliminary=preliminary, year=2022)


def _current(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT year, month, breakdown, category, persons, source_kind FROM darien_transit")).all()
    return {(y, m, b, c): (p, k) for y, m, b, c, p, k in found}


def _kinds(engine, table: str) -> dict[int, set[str]]:
    with engine.connect() as conn:
        found = conn.execute(sa.text(f"SELECT DISTINCT year, source_kind FROM {table}")).all()
    out: dict[int, set[str]] = {}
    for year, kind in found:
        out.setdefault(year, set()).add(kind)
    return out


def test_snm_takes_its_year_whole_and_gives_it_back_when_a_reparse_leaves_it_no_rows(engine):
    load.publish(engine, republication())
    assert _kinds(engine, "darien_transit") == {2021: {"republication"}, 2022: {"republication"}}
    assert _current(engine)[(2022, 1, "sex", "male")] == (50, "republication")

    stats = load.publish(engine, snm_2022())
    now = _current(engine)
    assert _kinds(engine, "darien_transit") == {2021: {"republication"}, 2022: {"snm"}}
    # Every 2022 breakdown is SNM's, the sex rows SNM's file lacks included: they are gone.
    assert not [k for k in now if k[0] == 2022 and k[2] == "sex"]
    assert now[(2022, 1, "total", "total")] == (101, "snm")
    assert now[(2022, 1, "region", "south_america")] == (61, "snm")
    # The difference in darien_transit: 4 region cells in, 4 sex cells out; revised: January's
    # total and VEN (persons), and every country cell (the re-publication's label is the code,
    # SNM's the name); February's total alone is the same figure under SNM's lineage.
    assert (stats.inserted, stats.updated, stats.deleted, stats.unchanged) == (4, 5, 4, 1)
    assert not stats.superseded
    # History is kept per kind: the re-publication's rows stay open in its own chain.
    with engine.connect() as conn:
        open_rows = dict(conn.execute(sa.text(
            "SELECT source_kind, COUNT(*) FROM darien_transit_history WHERE year = 2022 AND valid_to IS NULL"
            " GROUP BY source_kind")).all())
    assert open_rows == {"republication": 10, "snm": 10}

    again = snapshot(engine)
    assert load.publish(engine, snm_2022()).noop
    assert snapshot(engine) == again

    # Parser 2 reads SNM's file as 2023's (say its title's year was misread): no SNM rows are
    # left for 2022, which is the re-publication's again.
    moved = snm_2022()
    moved.rows = moved.rows.assign(year=2023, pipeline_version="parser-2+suites-1")
    stats = load.publish(engine, moved)
    assert _kinds(engine, "darien_transit") == {2021: {"republication"}, 2022: {"republication"}, 2023: {"snm"}}
    assert _current(engine)[(2022, 1, "sex", "male")] == (50, "republication")
    assert (stats.inserted, stats.updated, stats.deleted) == (10 + 4, 5, 4)  # 2023's ten cells, 2022's as above


def test_the_order_of_the_two_sources_does_not_matter(engine, tmp_path):
    load.publish(engine, snm_2022())
    stats = load.publish(engine, republication())
    assert not stats.superseded  # it is current for 2021
    assert _kinds(engine, "darien_transit") == {2021: {"republication"}, 2022: {"snm"}}
    snm_first = snapshot(engine, ("darien_transit", "darien_transit_history", "etl_slices"))

    other = load.connect(f"duckdb:///{tmp_path / 'other.duckdb'}")
    load.ensure_schema(other)
    load.publish(other, republication())
    load.publish(other, snm_2022())
    assert snapshot(other, ("darien_transit", "darien_transit_history", "etl_slices")) == snm_first
    other.dispose()


def test_a_republication_of_only_snm_years_is_superseded_and_kept_in_its_own_history(engine):
    load.publish(engine, snm_2022())
    only_2022 = republication()
    only_2022.rows = only_2022.rows[only_2022.rows.year == 2022].reset_index(drop=True)
    before = snapshot(engine, ("darien_transit",))
    stats = load.publish(engine, only_2022)
    assert stats.superseded and (stats.inserted, stats.updated, stats.deleted) == (0, 0, 0)
    assert snapshot(engine, ("darien_transit",)) == before
    # A newer re-publication revising a cell is history of its chain, not a current figure.
    newer = republication("rep 2", as_of=date(2023, 1, 31), changes={(1, "VEN"): 66})
    newer.rows = newer.rows[newer.rows.year == 2022].reset_index(drop=True)
    assert load.publish(engine, newer).superseded
    with engine.connect() as conn:
        ven = conn.execute(sa.text(
            "SELECT persons, valid_to FROM darien_transit_history WHERE source_kind = 'republication'"
            " AND month = 1 AND category = 'VEN' ORDER BY valid_from")).all()
    assert ven == [(60, date(2023, 1, 31)), (66, None)]


def annual(kind: str, name: str, year: int, **persons: int) -> contract.Batch:
    """An annual-only batch: one year's figures by nationality, its total the sum."""
    cells = [("total", "total", "Total", sum(persons.values()))] + [
        ("country", code, code, n) for code, n in persons.items()]
    frame = pd.DataFrame(cells, columns=["breakdown", "category", "label", "persons"])
    frame.insert(0, "year", year)
    batch = make_batch(frame.assign(month=1), url=f"https://example.test/{name}", sha256=sha(name),
                       as_of=date(year, 12, 31), preliminary=False, year=year)
    table = batch.rows.drop(columns="month").assign(source_kind=kind)
    batch.annual = table[list(contract.ANNUAL_COLUMNS)].astype(contract.ANNUAL_COLUMNS)
    batch.rows = contract.empty_rows()
    batch.source_kind = kind
    return batch


def test_annual_figures_have_their_own_precedence_and_never_evict_monthly_rows(engine):
    load.publish(engine, republication())
    load.publish(engine, annual("republication", "rep 2019", 2019, IND=100, CUB=50, OTHER=10))
    summary = annual("snm", "summary", 2019, IND=100, CUB=52, OTHER=10)
    stats = load.publish(engine, summary)
    assert (stats.inserted, stats.updated, stats.deleted, stats.unchanged) == (0, 2, 0, 2)
    assert _kinds(engine, contract.ANNUAL_TABLE) == {2019: {"snm"}}
    # An SNM annual figure for a year the re-publication gives monthly leaves the months alone.
    load.publish(engine, annual("snm", "summary 2022", 2022, VEN=130, HTI=80))
    assert _kinds(engine, "darien_transit") == {2021: {"republication"}, 2022: {"republication"}}
    assert _kinds(engine, contract.ANNUAL_TABLE) == {2019: {"snm"}, 2022: {"snm"}}


def _series(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT year, breakdown, category, persons, basis, months, source_kind, preliminary, derived"
            " FROM v_annual_series")).all()
    return {(y, b, c): tuple(rest) for y, b, c, *rest in found}


def test_the_series_takes_snm_first_then_whole_years_then_annual_figures(engine):
    load.publish(engine, republication())
    load.publish(engine, annual("republication", "rep 2019", 2019, IND=100, CUB=50, OTHER=10))
    load.publish(engine, snm_2022(preliminary=True))
    series = _series(engine)
    # 2019: annual by nationality, regions derived from dim_country; OTHER is unassigned, not "other".
    assert series[(2019, "total", "total")] == (160, "annual", None, "republication", False, False)
    assert series[(2019, "region", "asia")] == (100, "annual", None, "republication", False, True)
    assert series[(2019, "region", "caribbean")][0] == 50
    assert series[(2019, "region", "unassigned")][0] == 10
    assert (2019, "region", "other") not in series
    # 2021: one month of the re-publication; 2022: SNM's two preliminary months, its own regions.
    assert series[(2021, "total", "total")] == (5, "months", 1, "republication", False, False)
    assert series[(2022, "total", "total")] == (211, "months", 2, "snm", True, False)
    assert series[(2022, "region", "south_america")] == (131, "months", 2, "snm", True, False)
    assert not [k for k in series if k[0] == 2022 and k[1] == "sex"]


def _comparison(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT year, month, breakdown, category, snm_persons, snm_preliminary, republished_persons,"
            " difference, kind FROM v_source_comparison")).all()
    return {(y, m, b, c): tuple(rest) for y, m, b, c, *rest in found}


def test_the_comparison_names_revisions_swaps_and_disagreements(engine):
    # SNM 2022 preliminary: January's total and VEN differ from the re-publication by one: revisions.
    load.publish(engine, republication())
    load.publish(engine, snm_2022(preliminary=True))
    found = _comparison(engine)
    assert found[(2022, 1, "total", "total")] == (101, True, 100, -1, "revision")
    assert found[(2022, 1, "country", "VEN")] == (61, True, 60, -1, "revision")
    assert found[(2022, 2, "country", "VEN")] == (70, True, 70, 0, None)
    assert not [k for k in found if k[2] in ("region", "sex")]  # cells only one source gives

    # SNM's final file, and a re-publication that exchanged VEN and HTI in February.
    load.publish(engine, snm_2022("snm final"))
    load.publish(engine, republication("rep swapped", as_of=date(2023, 1, 31),
                                       changes={(2, "VEN"): 40, (2, "HTI"): 70, (1, "HTI"): 45}))
    found = _comparison(engine)
    assert found[(2022, 2, "country", "VEN")] == (70, False, 40, -30, "swapped")
    assert found[(2022, 2, "country", "HTI")] == (40, False, 70, 30, "swapped")
    assert found[(2022, 1, "country", "HTI")] == (40, False, 45, 5, "disagreement")
    assert found[(2022, 1, "total", "total")][-1] == "disagreement"


def test_a_new_version_is_held_against_the_version_of_its_url_published_before(engine):
    assert load.previous_version(engine, REP_URL, sha("rep 2")) is None
    published = republication()
    load.publish(engine, published)
    load.publish(engine, annual("republication", "rep 2019", 2019, IND=100, CUB=50, OTHER=10))  # another URL
    back = load.previous_version(engine, REP_URL, sha("rep 2"))
    assert (back.source_sha256, back.source_kind, len(back.annual)) == (sha("rep"), "republication", 0)
    key = list(contract.PRIMARY_KEY)
    pd.testing.assert_frame_equal(back.rows.sort_values(key, ignore_index=True),
                                  published.rows.sort_values(key, ignore_index=True))
    assert load.previous_version(engine, REP_URL, sha("rep")) is None  # a version is not held against itself
    summary = load.previous_version(engine, "https://example.test/rep 2019", sha("x"))
    assert len(summary.rows) == 0 and summary.annual.set_index("category").persons.to_dict() == {
        "total": 160, "IND": 100, "CUB": 50, "OTHER": 10}
