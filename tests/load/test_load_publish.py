"""Publishing: the real 2023 preliminary file, a generated final, in either order, twice, and late."""

from __future__ import annotations

from datetime import date
from itertools import permutations

import pandas as pd
import pytest
import sqlalchemy as sa

import load
from darien import contract
from tests.load.load_batches import MOVED, current, make_batch, rows, sha, snapshot
from tests.load.publish_sequences import reparsed, three_versions


def _expected(batch: contract.Batch) -> pd.DataFrame:
    frame = batch.rows.drop(columns=list(contract.LINEAGE_SET_BY_LOAD))
    return frame.sort_values(list(contract.PRIMARY_KEY)).reset_index(drop=True)


def _assert_current_is(engine, batch) -> None:
    got = current(engine).astype(_expected(batch).dtypes.to_dict())
    pd.testing.assert_frame_equal(got, _expected(batch), check_dtype=False)


def _empty(engine) -> None:
    """Empty every table a publish writes, to publish the same documents again from scratch."""
    with engine.begin() as conn:
        for table in ("darien_transit", "darien_transit_history", "etl_slices", "etl_version_rows",
                      "etl_documents", "etl_loads"):
            conn.execute(sa.text(f"DELETE FROM {table}"))


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def _history(engine, breakdown: str, category: str, month: int) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT persons, valid_from, valid_to, preliminary FROM darien_transit_history"
            " WHERE year = 2023 AND breakdown = :b AND category = :c AND month = :m"
            " ORDER BY valid_from"), {"b": breakdown, "c": category, "m": month})]


def test_preliminary_then_final(engine, prelim_2023, final):
    first = load.publish(engine, prelim_2023)
    assert (first.inserted, first.updated, first.deleted) == (len(prelim_2023.rows), 0, 0)
    # The real file: August 2023 as SNM printed it, and Venezuela's August.
    assert _scalar(engine, "SELECT persons FROM darien_transit WHERE year = 2023 AND month = 8"
                           " AND breakdown = 'total'") == 81_946
    _assert_current_is(engine, prelim_2023)

    second = load.publish(engine, final)
    _assert_current_is(engine, final)
    # Aug: total, VEN, south_america revised; OTHER Jan-Aug gains Nepal; Nepal's 8 months go.
    assert (second.updated, second.deleted) == (3 + 8, 8)
    assert second.inserted == 4 * (len(prelim_2023.rows) // 8) - 4  # Sep-Dec, without Nepal
    assert not second.superseded
    # Every current row carries the final's lineage, even where the number did not change.
    assert _scalar(engine, "SELECT COUNT(*) FROM darien_transit WHERE preliminary"
                           " OR source_sha256 <> :s OR as_of <> :d",
                   s=final.source_sha256, d=date(2023, 12, 31)) == 0

    aug_prelim = 81_946
    assert _history(engine, "total", "total", 8) == [
        (aug_prelim, date(2023, 8, 31), date(2023, 12, 31), True),
        (aug_prelim + 12, date(2023, 12, 31), None, False),
    ]
    # An unchanged cell keeps its one history row, from the preliminary file, still open.
    assert _history(engine, "total", "total", 1) == [(24_634, date(2023, 8, 31), None, True)]
    nepal = _history(engine, "country", MOVED, 3)
    assert len(nepal) == 1 and nepal[0][2] == date(2023, 12, 31)
    assert _scalar(engine, "SELECT COUNT(*) FROM darien_transit WHERE category = :c", c=MOVED) == 0
    n_history = _scalar(engine, "SELECT COUNT(*) FROM darien_transit_history")
    assert n_history == len(prelim_2023.rows) + second.inserted + second.updated

    # The move into OTHER leaves the year's country total equal to the document's total.
    with engine.connect() as conn:
        annual = conn.execute(sa.text(
            "SELECT SUM(persons), SUM(share) FROM v_annual_by_country WHERE year = 2023")).one()
        latest = conn.execute(sa.text("SELECT as_of, preliminary, source_sha256 FROM v_latest_as_of")).all()
        by_region = conn.execute(sa.text(
            "SELECT SUM(persons) FROM v_monthly_by_region WHERE year = 2023 AND month = 1")).scalar()
    document_total = int(final.rows.query("breakdown == 'total'").persons.sum())
    # 333,704 Jan-Aug as printed, August revised by 12, then four more Augusts.
    assert annual[0] == document_total == 333_704 + 12 + 4 * (81_946 + 12)
    assert annual[1] == pytest.approx(1.0)
    assert [tuple(r) for r in latest] == [(date(2023, 12, 31), False, final.source_sha256)]
    assert by_region == 24_634


def test_order_of_publication_does_not_matter(warehouse_url, engine, prelim_2023, final):
    load.publish(engine, prelim_2023)
    load.publish(engine, final)
    forward = snapshot(engine)
    _empty(engine)

    load.publish(engine, final)
    late = load.publish(engine, prelim_2023)
    assert late.superseded and (late.inserted, late.updated, late.deleted) == (0, 0, 0)
    _assert_current_is(engine, final)
    assert snapshot(engine) == forward


def test_same_document_twice_writes_nothing(engine, prelim_2023, final):
    load.publish(engine, prelim_2023)
    first = load.publish(engine, final)
    before = snapshot(engine, ("darien_transit", "darien_transit_history", "etl_loads"))
    with engine.connect() as conn:
        lineage = conn.execute(sa.text("SELECT DISTINCT load_id, loaded_at FROM darien_transit")).all()
    again = load.publish(engine, final)
    assert again.noop and again.load_id == first.load_id
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)
    assert snapshot(engine, ("darien_transit", "darien_transit_history", "etl_loads")) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT DISTINCT load_id, loaded_at FROM darien_transit")).all() == lineage
    assert _scalar(engine, "SELECT COUNT(*) FROM etl_loads") == 2


@pytest.mark.slow
def test_any_order_of_three_versions_gives_one_history(warehouse_url):
    # VEN July goes 50 -> 55 -> 50 and Nepal leaves in the final: a late July in the middle
    # of the ranking must re-create the final's July row (it now differs from August).
    states, versions = [], three_versions()
    for order in permutations(range(3)):
        engine = load.connect(warehouse_url)
        load.ensure_schema(engine)
        _empty(engine)
        for i in order:
            load.publish(engine, versions[i])
        states.append(snapshot(engine))
        engine.dispose()
    assert all(state == states[0] for state in states)
    history = [(r[1], r[4], str(r[9]), str(r[10])) for r in states[0]["darien_transit_history"]
               if r[3] in ("VEN", "NPL") and r[1] == 7]
    assert sorted(history) == [
        (7, 5, "2023-07-31", "2023-12-31"),  # Nepal, until the final drops it
        (7, 50, "2023-07-31", "2023-08-31"),
        (7, 50, "2023-12-31", "None"),
        (7, 55, "2023-08-31", "2023-12-31"),
    ]
    assert [r[:5] for r in states[0]["darien_transit"] if r[1] == 7] == [
        (2023, 7, "country", "OTHER", "Otros Países"), (2023, 7, "country", "VEN", "Venezuela")]


def test_same_bytes_new_pipeline_version_replace_the_documents_rows(engine):
    july, august, final = three_versions()
    for batch in (july, august, final):
        load.publish(engine, batch)
    # Say parser 2 reads August's VEN July as 51 where parser 1 read 55.
    fixed = reparsed(august, "parser-2+suites-1", {(7, "VEN"): 51})
    stats = load.publish(engine, fixed)
    assert not stats.noop and stats.superseded  # the final still wins the slice
    # Rebuilt from scratch, the three versions give the same warehouse.
    replaced = snapshot(engine)
    _empty(engine)
    for batch in (july, fixed, final):
        load.publish(engine, batch)
    assert snapshot(engine) == replaced
    assert sorted(r[4] for r in replaced["darien_transit_history"] if r[3] == "VEN" and r[1] == 7) == [
        50, 50, 51]
    # (history row: pipeline_version is column 16, after the lineage; load_id and loaded_at are not in a snapshot)
    assert {r[16] for r in replaced["darien_transit_history"] if r[13] == sha("aug")} == {
        "parser-2+suites-1"}

    # The same version again writes nothing; the first parser version again replaces again.
    before = snapshot(engine, ("darien_transit", "darien_transit_history", "etl_loads"))
    assert load.publish(engine, fixed).noop
    assert snapshot(engine, ("darien_transit", "darien_transit_history", "etl_loads")) == before
    load.publish(engine, august)
    assert sorted(r[4] for r in snapshot(engine)["darien_transit_history"]
                  if r[3] == "VEN" and r[1] == 7) == [50, 50, 55]


def test_new_pipeline_version_of_the_winning_document_republishes_current(engine, prelim_2023, final):
    load.publish(engine, prelim_2023)
    load.publish(engine, final)
    fixed = reparsed(final, "parser-2+suites-1", {(12, "VEN"): 1})
    stats = load.publish(engine, fixed)
    assert (stats.updated, stats.inserted, stats.deleted, stats.noop) == (1, 0, 0, False)
    _assert_current_is(engine, fixed)
    assert _scalar(engine, "SELECT COUNT(DISTINCT pipeline_version) FROM darien_transit") == 1
    # December VEN: the final's new reading is open, its old one is gone from history.
    assert _history(engine, "country", "VEN", 12) == [(1, date(2023, 12, 31), None, False)]
    assert _scalar(engine, "SELECT COUNT(*) FROM etl_loads WHERE source_sha256 = :s",
                   s=final.source_sha256) == 2
    # Same state as publishing the fixed final straight after the preliminary file.
    again = snapshot(engine)
    _empty(engine)
    load.publish(engine, prelim_2023)
    load.publish(engine, fixed)
    assert snapshot(engine) == again


def test_a_cell_given_twice_is_refused_before_any_write(engine):
    twice = rows((8, "total", "total", "Total", 81_946), (8, "total", "total", "Total", 81_947))
    batch = make_batch(twice, url="https://example.test/twice.pdf", sha256=sha("twice"),
                       as_of=date(2023, 8, 31), preliminary=True)
    with pytest.raises(load.WarehouseError,
                       match=r"^https://example.test/twice.pdf: cell 2023-08 total/total appears more than once$"):
        load.publish(engine, batch)
    assert _scalar(engine, "SELECT COUNT(*) FROM darien_transit_history") == 0
