"""Layout drift against the warehouse: breakdowns a new SNM version no longer gives, the ledger's record of a
version's unknown tables, and what `darien status` shows of both (DuckDB and PostgreSQL)."""

from __future__ import annotations

import dataclasses

import pytest

import load
import report
import transform
from load.drift import drift_recorded, missing_breakdown_warnings
from operations.unknown_tables import keep_unknown_tables
from tests import snm_documents as snm

UPLOADS = "https://www.migracion.gob.pa/wp-content/uploads/"


def _parsed(folder, spec: snm.DocumentSpec, name: str):
    return transform.parse_document(snm.write_pdf(spec, folder / name), source_url=UPLOADS + name)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """The generated SNM-like versions these tests publish, parsed once for both warehouses."""
    folder = tmp_path_factory.mktemp("drift")
    march = snm.document_spec(2025, seed=5, months_reported=3, charts=False)
    may = snm.document_spec(2025, seed=5, months_reported=5, charts=False)
    may.tables = [t for t in may.tables if t.label_header != "Género"]
    year_2024 = snm.document_spec(2024, style="2024", seed=24, charts=False)
    february = snm.document_spec(2025, seed=6, months_reported=2, charts=False)
    year_2022 = snm.document_spec(2022, style="2021", seed=22, charts=False)
    year_2023 = snm.document_spec(2023, seed=23, months_reported=8, charts=False)
    flow, _ = snm.flow_direction_spec()
    return {
        "march": _parsed(folder, march, "IRREGULARES-POR-DARIEN-MARZO-2025.pdf"),
        "may": _parsed(folder, may, "IRREGULARES-POR-DARIEN-MAYO-2025.pdf"),
        "2024": _parsed(folder, year_2024, "IRREGULARES-POR-DARIEN-DICIEMBRE-2024.pdf"),
        "february": _parsed(folder, february, "IRREGULARES-POR-DARIEN-FEBRERO-2025.pdf"),
        "2022": _parsed(folder, year_2022, "IRREGULARES-POR-DARIEN-DICIEMBRE-2022.pdf"),
        "2023": _parsed(folder, year_2023, "IRREGULARES-POR-DARIEN-AGOSTO-2023.pdf"),
        "june": _parsed(folder, flow, "IRREGULARES-POR-DARIEN-JUNIO-2025.pdf"),
    }


def _current(engine, breakdown: str) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            f"SELECT DISTINCT source_sha256, as_of FROM darien_transit WHERE breakdown = '{breakdown}'").all()
    return {(sha, str(as_of)[:10]) for sha, as_of in found}


def test_a_version_without_its_genero_table_is_warned_of_and_the_year_keeps_the_older_rows(engine, documents):
    march, may = documents["march"], documents["may"]
    assert missing_breakdown_warnings(engine, march) == []  # nothing published of 2025 nor of 2024
    load.publish(engine, march)
    assert "sex_age" not in set(may.rows.breakdown)
    assert missing_breakdown_warnings(engine, may) == [
        "IRREGULARES-POR-DARIEN-MAYO-2025.pdf: no sex_age figures for 2025; they were in Cuadro No. 002 of "
        "IRREGULARES-POR-DARIEN-MARZO-2025.pdf, and 2025's sex_age figures still come from that version "
        "(as of 2025-03-31)"]
    load.publish(engine, may)
    assert _current(engine, "sex_age") == {(march.source_sha256, "2025-03-31")}
    assert _current(engine, "region") == {(may.source_sha256, "2025-05-31")}

    mixed = report.status(engine).mixed_years
    as_of = mixed.columns.index("as_of")
    shown = {(row[1], str(row[as_of])[:10]) for row in mixed.rows}
    assert shown == {("sex_age", "2025-03-31")} | {
        (b, "2025-05-31") for b in ("total", "region", "country", "age_status")}
    assert "### Years whose breakdowns come from versions of different dates" in report.status(engine).markdown()


def test_a_new_year_lacking_a_breakdown_the_year_before_had_is_warned_of(engine, documents):
    load.publish(engine, documents["2024"])
    assert missing_breakdown_warnings(engine, documents["february"]) == [
        "IRREGULARES-POR-DARIEN-FEBRERO-2025.pdf: 2025 has no age_group figures; 2024 had "
        "(Cuadro No. 005 of IRREGULARES-POR-DARIEN-DICIEMBRE-2024.pdf, as of 2024-12-31)"]
    # 2023's Género table (sex and age) took the place of 2022's Condición (sex): not a loss.
    load.publish(engine, documents["2022"])
    assert {"sex"} <= set(documents["2022"].rows.breakdown) and "sex" not in set(documents["2023"].rows.breakdown)
    assert missing_breakdown_warnings(engine, documents["2023"]) == []


@pytest.mark.slow
def test_the_same_version_again_finds_its_drift_already_recorded(engine, documents, tmp_path):
    june = documents["june"]
    assert not drift_recorded(engine, june)  # never processed: its drift is news
    load.ledger.set_status(engine, june.source_url, june.source_sha256, "new")
    assert not drift_recorded(engine, june)  # fetched, not yet parsed and recorded
    load.publish(engine, june)
    assert drift_recorded(engine, june)  # processed again (a reprocess, a backfill): no second warning
    assert not drift_recorded(engine, dataclasses.replace(june, unknown=[]))  # its tables changed: news again

    paths = keep_unknown_tables(tmp_path, june.source_sha256, june.unknown)
    state = report.status(engine, data_dir=tmp_path)
    sha = june.source_sha256[:12]
    assert state.unknown_tables.rows == [(UPLOADS + "IRREGULARES-POR-DARIEN-JUNIO-2025.pdf", sha, 1)]
    assert state.unknown_list == [f"IRREGULARES-POR-DARIEN-JUNIO-2025.pdf ({sha}): {june.unknown[0].title}: {paths[0]}"]
    assert paths[0].is_file() and "POR SENTIDO DEL FLUJO" in state.markdown()
