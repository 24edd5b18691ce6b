"""The synthetic SNM archive the benchmark crawls: generated yearly PDFs re-published every month, and the real ones.

16 synthetic years (2010-2025), each published as a growing year-to-date file every month
(192 documents, 2 pages each, with charts), laid out as the WordPress site does
(`/wp-content/uploads/<Y>/<M>/IRREGULARES-POR-DARIEN-<MES>-<Y>.pdf`, listed on a paginated
`/estadisticas/` index), plus the two real SNM PDFs on an older Joomla index
(`/inicio/estadisticas`, `/images/img<YEAR>/pdf/…`). `scale=2` adds a revised version of
every monthly file (twice the documents). Generated files are cached under bench/corpus/,
keyed by GENERATOR_VERSION and the parameters, so reruns reuse them.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / "corpus"
SAMPLES = ROOT / "samples"
REAL = {  # site path -> file in samples/ (original publications of www.migracion.gob.pa)
    "/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf":
        "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf",
    "/images/img2023/pdf/IRREGULARES_POR_%20DARI%C3%89N_2023.pdf": "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf",
}
GENERATOR_VERSION = "1"
YEARS = tuple(range(2010, 2026))
MESES = ("ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO", "JULIO", "AGOSTO",
         "SEPTIEMBRE", "OCTUBRE", "NOVIEMBRE", "DICIEMBRE")
LINKS_PER_PAGE = 20  # WordPress lists a page of posts at a time


def _style(year: int) -> str:
    return "2021" if year <= 2022 else "2023" if year == 2023 else "2024"


def _documents(years: tuple[int, ...], months: int, scale: int) -> list[tuple[str, int, int, int]]:
    """(site path, year, months reported, seed) of every synthetic document, oldest first."""
    docs = []
    for year in years:
        for month in range(1, months + 1):
            folder = f"/wp-content/uploads/{year + (month == 12)}/{month % 12 + 1:02d}"
            name = f"IRREGULARES-POR-DARIEN-{MESES[month - 1]}-{year}"
            docs.append((f"{folder}/{name}.pdf", year, month, year))
            for revision in range(2, scale + 1):
                docs.append((f"{folder}/{name}-REV{revision}.pdf", year, month, year * 10 + revision))
    return docs


def _index_page(title: str, anchors: list[str], next_href: str | None) -> str:
    items = "".join(f"<li>{a}</li>" for a in anchors)
    nav = f"<a class='next page-numbers' rel='next' href='{next_href}'>»</a>" if next_href else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1><ul>{items}</ul>{nav}</body></html>")


def _site_pages(docs: list[tuple[str, int, int, int]], reals: dict[str, str]) -> dict[str, str]:
    """Site path -> HTML of every index page: the paginated WordPress index and the Joomla one."""
    pages = {}
    newest_first = list(reversed(docs))
    chunks = [newest_first[i:i + LINKS_PER_PAGE] for i in range(0, len(newest_first), LINKS_PER_PAGE)]
    for n, chunk in enumerate(chunks, start=1):
        path = "/estadisticas/" if n == 1 else f"/estadisticas/page/{n}/"
        anchors = [f"<a href='{p}'>Irregulares por Darién – {MESES[m - 1].capitalize()} {y}</a>"
                   for p, y, m, _ in chunk]
        anchors.append("<a href='/wp-content/uploads/2024/09/ESTADISTICAS-MOVIMIENTO-MIGRATORIO.pdf'>"
                       "Movimiento migratorio</a>")
        following = f"/estadisticas/page/{n + 1}/" if n < len(chunks) else None
        pages[path] = _index_page("Estadísticas", anchors, following)
    joomla = [f"<a href='{path}'>Tránsito Irregular por Darién {path.split('/')[2][3:]}</a>"
              for path in reals]
    joomla.append("<a href='/images/img2023/pdf/MOVIMIENTO_MIGRATORIO_2023.pdf'>Movimiento migratorio 2023</a>")
    pages["/inicio/estadisticas"] = _index_page("Estadísticas - Servicio Nacional de Migración", joomla, None)
    return pages


def build(*, years: tuple[int, ...] = YEARS, months: int = 12, scale: int = 1, real: bool = True) -> Path:
    """The folder of a generated archive (site/ tree and manifest.json), generating it once."""
    key = f"v{GENERATOR_VERSION}-y{years[0]}-{years[-1]}-m{months}-x{scale}{'-real' if real else ''}"
    folder = CACHE / key
    if (folder / "manifest.json").exists():
        return folder
    sys.path.insert(0, str(ROOT / "tests"))
    import snm_documents

    work = CACHE / f".{key}.partial"
    shutil.rmtree(work, ignore_errors=True)
    site = work / "site"
    docs = _documents(years, months, scale)
    for path, year, reported, seed in docs:
        target = site / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        spec = snm_documents.document_spec(year, seed=seed, style=_style(year), months_reported=reported)
        snm_documents.write_pdf(spec, target)
    reals = REAL if real else {}
    for path, sample in reals.items():
        target = site / _unquoted(path).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / sample, target)
    pages = _site_pages(docs, reals)
    manifest = {"generator": GENERATOR_VERSION, "documents": [p for p, *_ in docs] + list(reals),
                "pages": pages}
    (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    work.rename(folder)
    return folder


def _unquoted(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path)


def sources(base_url: str) -> str:
    """The --source value naming both index pages of a served archive."""
    return f"{base_url}/estadisticas/,{base_url}/inicio/estadisticas"
