"""Contract-conformant Batches for the suites' tests, with figures read off the real 2022 PDF.

Source: samples/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf (SNM, final 2022), page 1,
"Cuadro No. 001 ... POR REGIÓN SEGÚN ORDEN DE IMPORTANCIA: AÑO 2022", and page 2,
"Cuadro No. 003 ... POR PAÍS" for the two country rows. `-` is printed for 0.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from darien.contract import COLUMNS, PIPELINE_VERSION, RECONCILIATION_COLUMNS, Batch

SHA_2022 = "7b05a39a3b640952fd89f9f64a4154f1f11fc31f7ecba32499fe03ccbe52435a"
URL_2022 = "https://www.migracion.gob.pa/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf"

# label, category, printed Total column, Ene..Dic
TOTAL_2022 = ("Total", "total", 248284,
              (4702, 4262, 4827, 6134, 13894, 15633, 22822, 31104, 48204, 59773, 16632, 20297))
REGIONS_2022 = (
    ("América del Sur", "south_america", 191436,
     (1780, 1991, 2099, 3147, 10900, 12490, 18737, 26439, 43173, 51978, 8210, 10492)),
    ("Antillas", "caribbean", 30883, (1012, 817, 876, 1311, 1493, 1369, 1789, 2501, 3049, 4926, 5531, 6209)),
    ("Asia", "asia", 13664, (576, 378, 588, 600, 734, 808, 1252, 1145, 1131, 1886, 2087, 2479)),
    ("África", "africa", 12168, (1316, 1056, 1259, 1072, 764, 942, 1031, 1012, 841, 967, 799, 1109)),
    ("Europa", "europe", 60, (12, 7, 2, 1, 0, 19, 8, 1, 2, 3, 1, 4)),
    ("América Central", "central_america", 38, (1, 2, 1, 1, 1, 2, 5, 4, 7, 10, 1, 3)),
    ("Eurasia", "eurasia", 16, (3, 4, 0, 0, 2, 2, 0, 0, 1, 2, 2, 0)),
    ("Oceanía", "oceania", 10, (0, 7, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0)),
    ("América del Norte", "north_america", 6, (2, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0)),
    ("Otras regiones", "other", 3, (0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1)),
)
COUNTRIES_2022 = (
    ("Venezuela", "VEN", 150327,
     (1421, 1573, 1704, 2694, 9844, 11359, 17066, 23632, 38399, 40593, 668, 1374)),
    ("Haití", "HTI", 22435, (630, 471, 485, 628, 810, 860, 1021, 1538, 2170, 3713, 4607, 5502)),
)

Row = tuple[str, str, str, int, int]  # breakdown, category, label, month, persons


def make_batch(rows: list[Row], reconciliation: list[tuple], *, year: int = 2022,
               sha256: str = SHA_2022, url: str = URL_2022) -> Batch:
    """A Batch whose frames have exactly the contract's columns and dtypes."""
    tables = {"total": ("Cuadro No. 001", 1), "region": ("Cuadro No. 001", 1), "country": ("Cuadro No. 003", 2)}
    records = []
    for breakdown, category, label, month, persons in rows:
        table, page = tables.get(breakdown, ("Cuadro No. 002", 1))
        records.append({
            "year": year, "month": month, "breakdown": breakdown, "category": category,
            "label": label, "persons": persons, "note": None, "preliminary": False,
            "as_of": pd.Timestamp(date(year, 12, 31)), "source_url": url, "source_sha256": sha256,
            "source_table": table, "source_page": page, "pipeline_version": PIPELINE_VERSION,
            "load_id": None, "source_kind": "snm",
        })
    frame = pd.DataFrame.from_records(records, columns=[c for c in COLUMNS if c != "loaded_at"])
    frame["loaded_at"] = pd.Series(pd.NaT, index=frame.index, dtype=COLUMNS["loaded_at"])  # set by load/
    frame = frame.astype(COLUMNS)[list(COLUMNS)]
    recon = pd.DataFrame.from_records(reconciliation, columns=list(RECONCILIATION_COLUMNS))
    return Batch(source_url=url, source_sha256=sha256, year=year, as_of=date(year, 12, 31),
                 preliminary=False, rows=frame, reconciliation=recon.astype(RECONCILIATION_COLUMNS))


def _rows(breakdown: str, table) -> list[Row]:
    return [(breakdown, cat, label, m, n) for label, cat, _, months in table for m, n in enumerate(months, 1)]


def region_2022(*, countries: bool = False) -> Batch:
    """The 2022 region table and its Total row (optionally two country rows), with its reconciliation."""
    rows = _rows("total", [TOTAL_2022]) + _rows("region", REGIONS_2022)
    recon = []
    label, _, total, months = TOTAL_2022
    for m in range(12):
        recon.append(("Cuadro No. 001", "rows_sum", label, m + 1, months[m],
                      sum(r[3][m] for r in REGIONS_2022)))
    for label, _, total, months in (TOTAL_2022, *REGIONS_2022):
        recon.append(("Cuadro No. 001", "total_column", label, 0, total, sum(months)))
    if countries:
        rows += _rows("country", COUNTRIES_2022)
        recon += [("Cuadro No. 003", "total_column", label, 0, total, sum(months))
                  for label, _, total, months in COUNTRIES_2022]
    return make_batch(rows, recon)


def with_rows(batch: Batch, mutate) -> Batch:
    """`batch` with its rows replaced by `mutate(copy of the rows)`."""
    batch.rows = mutate(batch.rows.copy())
    return batch


def set_where(rows: pd.DataFrame, where: str, column: str, value) -> pd.DataFrame:
    """`rows` with `column` set to `value` where the pandas expression `where` holds."""
    rows.loc[rows.eval(where), column] = value
    return rows
