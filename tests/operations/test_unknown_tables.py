"""Unknown tables kept under the data folder for a person to read, their warning line, and their retention."""

from __future__ import annotations

import os
import time

import transform
from darien.config import settings
from load.drift import unknown_table_warnings
from operations.retention import RetentionPolicy, prune
from operations.unknown_tables import keep_unknown_tables
from report.status import unknown_table_markdown
from tests import snm_documents as snm

URL = "https://www.migracion.gob.pa/wp-content/uploads/IRREGULARES-POR-DARIEN-JUNIO.pdf"
WEEKLY = ["Semana Total 1 2 3 4", "Personas 1,200 300 250 350 300"]


def test_an_unknown_fourth_table_is_warned_of_and_kept_as_printed(tmp_path):
    spec, flow = snm.flow_direction_spec()
    batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "junio.pdf"), source_url=URL)
    title = snm.TITLE.format(number=4, subject="POR SENTIDO DEL FLUJO", year=2025)
    assert unknown_table_warnings(batch) == [
        f"IRREGULARES-POR-DARIEN-JUNIO.pdf: a table the parser does not know: {title} (rows: Sur - Norte, Norte - Sur)"]

    data = tmp_path / "data"
    [path] = keep_unknown_tables(data, batch.source_sha256, batch.unknown)
    assert path == data / "unknown_tables" / batch.source_sha256[:12] / "cuadro-004.csv"
    printed = ["label,Total,Ene,Feb,Mar,Abr,May,Jun,Jul,Ago,Sep,Oct,Nov,Dic"] + [
        ",".join([label, str(total) if total else "-", *(str(m) if m else "-" for m in months)])
        for label, months, total in snm.table_lines(spec, flow)]
    assert path.read_text(encoding="utf-8").splitlines() == printed
    assert printed[2].startswith("Sur - Norte,3070,900,700,650,400,300,120,-,")  # as the PDF prints it
    assert path.with_suffix(".txt").read_text(encoding="utf-8").splitlines() == batch.unknown[0].lines

    # The run's documents artifact: the same rows, narrowed to the six months the file reports.
    shown = [[cell.strip() for cell in line.strip("|").split("|")]
             for line in unknown_table_markdown(batch.unknown[0]).splitlines()]
    assert shown[0] == printed[0].split(",")[:8]
    assert shown[2:] == [line.split(",")[:8] for line in printed[1:]]


def test_a_table_without_rows_is_kept_as_its_lines(tmp_path):
    spec = snm.document_spec(2025, seed=3, months_reported=4, charts=False)
    spec.text_tables.append(snm.TextTableSpec(5, "POR SEMANA", WEEKLY, page=2))
    batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "semanal.pdf"), source_url=URL)
    title = snm.TITLE.format(number=5, subject="POR SEMANA", year=2025)
    assert unknown_table_warnings(batch) == [
        f"IRREGULARES-POR-DARIEN-JUNIO.pdf: a table the parser does not know: {title} (no rows it can read; 3 lines)"]
    [path] = keep_unknown_tables(tmp_path, batch.source_sha256, batch.unknown)
    assert path.name == "cuadro-005.txt" and not path.with_suffix(".csv").exists()
    assert path.read_text(encoding="utf-8").splitlines() == [title, *WEEKLY]


def test_unknown_tables_are_kept_as_long_as_the_quarantine(tmp_path):
    cfg = settings(data_dir=tmp_path)
    old, fresh = (tmp_path / "unknown_tables" / name for name in ("0123456789ab", "ba9876543210"))
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "cuadro-004.csv").write_text("label,Total\n")
    now = time.time()
    os.utime(old, (now - 31 * 86400, now - 31 * 86400))
    assert prune(cfg, RetentionPolicy(quarantine_days=30), now=now) == [old]
    assert fresh.is_dir() and not old.exists()
    assert prune(cfg, RetentionPolicy(quarantine_days=None), now=now + 10**9) == []
