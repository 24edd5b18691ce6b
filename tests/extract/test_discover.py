"""Discovery over both SNM site generations served on 127.0.0.1, and over local folders."""

from __future__ import annotations

import bz2
import gzip
import logging
import shutil
import time

import pytest

import extract
from tests import snm_documents as snm
import transform
from extract.links import normalize_url
from tests.extract.snm_site import (
    JOOMLA_DOCS, PDF_2022, PDF_2023, RDA_DMG, RDA_NAT, REPUBLICATION, WORDPRESS_DOCS, expected, joomla_site,
    noise, page, requests_to, serve_page, wordpress_site,
)
from tests.real_documents import SAMPLES



def found(links: list[extract.Link]) -> dict[str, int | None]:
    return {link.url: link.year for link in links}


def test_joomla_index_lists_exactly_the_darien_pdfs(server, session):
    source = joomla_site(server)
    links = extract.discover(source, session=session)
    assert found(links) == expected(server, JOOMLA_DOCS)
    assert {link.kind for link in links} == {"pdf"}
    assert {link.source for link in links} == {source}
    assert len(links) == len({link.url for link in links})
    # the second page was read through its "Siguiente" link
    assert [r.query_string for r in requests_to(server, "/inicio/estadisticas")][:2] == [b"", b"start=10"]


def test_wordpress_index_follows_pagination_and_year_pages(server, session):
    source = wordpress_site(server)
    links = extract.discover(source, session=session)
    assert found(links) == expected(server, WORDPRESS_DOCS)
    kinds = {link.url.rsplit("/", 2)[-2] if link.url.endswith("/") else "pdf": link.kind for link in links}
    assert kinds["transito-irregular-por-darien-2024"] == "html"
    # a sub-page that is neither pagination nor a year page is not crawled
    assert requests_to(server, "/estadisticas/otra-seccion/") == []


def test_noise_unrelated_pdfs_are_logged_at_debug(server, session, caplog):
    source = joomla_site(server)
    with caplog.at_level(logging.DEBUG, logger="extract"):
        extract.discover(source, session=session)
    debug = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)
    assert "MOVIMIENTO_MIGRATORIO_2023.pdf" in debug
    assert "RESOLUCION_N_123_DARIEN.pdf" in debug
    # discovery reads index pages only; the documents themselves are left to fetch
    assert [r.path for r, _ in server.log if r.path.startswith("/images/")] == []
    assert len(requests_to(server, "/inicio/estadisticas")) >= 2


def test_pdf_links_dropped_for_their_text_and_name_are_counted_once_per_source(server, session, caplog):
    serve_page(server, "/estadisticas/", page(
        "<a href='/wp-content/uploads/MOVIMIENTO_MIGRATORIO_2023.pdf'>Movimiento migratorio</a>",
        "<a href='/wp-content/uploads/MOVIMIENTO_MIGRATORIO_2023.pdf'>Descargar</a>",  # the same link again
        "<a href='/wp-content/uploads/Residencias_2023.pdf'>Residencias</a>",
        "<a href='/wp-content/uploads/RESOLUCION_12_DARIEN.pdf'>Resolución sobre tránsito por Darién</a>",
        # Dropped by its bare text and name here, kept by the text of its second link.
        "<a href='/wp-content/uploads/Dar_update.pdf'>Descargar</a>",
        "<a href='/wp-content/uploads/Dar_update.pdf'>Tránsito irregular por Darién 2024</a>",
        "<a href='/wp-content/uploads/IRREGULARES_POR_DARIEN.xlsx'>Irregulares por Darién (Excel)</a>",  # not a PDF
        "<a href='http://127.0.0.2:9/otro.pdf'>Otro</a>",  # another host: refused as a URL, not by its name
    ))
    source = server.url_for("/estadisticas/")
    with caplog.at_level(logging.INFO, logger="extract"):
        links = extract.discover(source, session=session)
    assert [link.url for link in links] == [server.url_for("/wp-content/uploads/Dar_update.pdf")]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and "dropped" in r.getMessage()]
    assert said == [f"{source}: 3 PDF links dropped, not Darién transit by their text or name"]


def test_the_historical_summary_is_found_by_its_span_of_years(server, session):
    # SNM's 2010-2019 file is not named for Darién transit: a span of years and "statistics" say what it is.
    serve_page(server, "/inicio/estadisticas", page(
        "<a href='/images/stories/Estadisticas_Darien_2010-2019.pdf'>Descargar</a>",
        "<a href='/images/img2020/pdf/resumen.pdf'>Estadísticas 2010-2019</a>",
        "<a href='/images/img2020/pdf/ESTADISTICAS_2010_2019.pdf'>Histórico</a>",
        "<a href='/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.pdf'>Tránsito irregular por Darién 2023</a>",
        "<a href='/images/img2020/pdf/MOVIMIENTO_2010-2019.pdf'>Estadísticas de movimiento migratorio 2010-2019</a>",
        "<a href='/images/img2020/pdf/Visas_2015-2019.pdf'>Estadísticas de visas 2015-2019</a>",
        "<a href='/images/img2020/pdf/ESTADISTICAS_2019.pdf'>Estadísticas 2019</a>",
        *noise(server),
    ))
    links = extract.discover(server.url_for("/inicio/estadisticas"), session=session)
    assert found(links) == expected(server, {
        # Many years: none is its year, not even the Joomla upload folder's.
        "/images/stories/Estadisticas_Darien_2010-2019.pdf": None,
        "/images/img2020/pdf/resumen.pdf": None,
        "/images/img2020/pdf/ESTADISTICAS_2010_2019.pdf": None,
        "/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.pdf": 2023,
    })


def test_a_source_dropping_no_pdf_link_says_nothing_of_it(server, session, caplog):
    serve_page(server, "/estadisticas/", page("<a href='/u/IRREGULARES_POR_DARIEN_2023.pdf'>2023</a>"))
    with caplog.at_level(logging.INFO, logger="extract"):
        assert len(extract.discover(server.url_for("/estadisticas/"), session=session)) == 1
    assert [r for r in caplog.records if "dropped" in r.getMessage()] == []


def test_index_listing_nothing_warns(server, session, caplog):
    serve_page(server, "/estadisticas/", page("<a href='/wp-content/uploads/otro.pdf'>Otro</a>"))
    with caplog.at_level(logging.WARNING, logger="extract"):
        links = extract.discover(server.url_for("/estadisticas/"), session=session)
    assert links == []
    assert any("lists no Darién transit documents" in r.getMessage() for r in caplog.records)


def test_unreachable_or_broken_index_is_a_one_line_source_error(server, session):
    server.expect_request("/estadisticas/").respond_with_data("gone", status=404)
    with pytest.raises(extract.SourceError, match=r"^http://127\.0\.0\.1:\d+/estadisticas/: HTTP 404$"):
        extract.discover(server.url_for("/estadisticas/"), session=session)
    server.expect_request("/feed").respond_with_data(b"\x89PNG\r\n\x1a\n" + bytes(100), content_type="image/png")
    with pytest.raises(extract.SourceError, match=r"^http://127\.0\.0\.1:\d+/feed: index page has content type "
                                                   r"'image/png', not HTML, and its content is no PDF or R data$"):
        extract.discover(server.url_for("/feed"), session=session)


@pytest.mark.parametrize("path, body, content_type, kind, year", [
    ("/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", PDF_2022, "application/pdf", "pdf", 2022),
    ("/descargas/cuadros", PDF_2023, "application/octet-stream", "pdf", None),  # its bytes say PDF, not its name
    ("/iom/gdidata/master/data/irreg_darien_nat.rda", RDA_NAT, "application/octet-stream", "rdata", None),
    ("/iom/gdidata/master/data/irreg_darien_dmg.rda", RDA_DMG, "application/octet-stream", "rdata", None),
])
def test_a_source_url_serving_one_document_lists_exactly_that(server, session, path, body, content_type, kind, year):
    server.expect_request(path).respond_with_data(body, content_type=content_type)
    source = server.url_for(path)
    links = extract.discover(source, session=session)
    assert [(link.url, link.text, link.source, link.kind, link.year) for link in links] == [
        (normalize_url(source), path.rsplit("/", 1)[-1], source, kind, year)]
    assert len(requests_to(server, path)) == 1  # read once, no crawl from it


def test_a_compressed_file_that_is_no_r_data_is_no_source(server, session):
    server.expect_request("/data/cuadros.csv.gz").respond_with_data(
        gzip.compress(b"Total;Ene.;Feb.\n248284;4702;4262\n"), content_type="application/gzip")
    with pytest.raises(extract.SourceError, match="'application/gzip', not HTML, and its content is no PDF or R data$"):
        extract.discover(server.url_for("/data/cuadros.csv.gz"), session=session)


def test_thousands_of_links_are_handled_without_a_quadratic_walk(server, session):
    junk = [f"<a href='/images/img2023/pdf/OTRO_{i}.pdf'>Otro {i}</a>" for i in range(20_000)]
    junk += [f"<a href='javascript:f({i})'>IRREGULARES POR DARIEN</a>" for i in range(5_000)]
    same = ["<a href='/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.pdf'>Irregulares por Darién</a>"] * 5_000
    serve_page(server, "/inicio/estadisticas", page(*junk, *same))
    started = time.perf_counter()
    links = extract.discover(server.url_for("/inicio/estadisticas"), session=session)
    # Not a speed test (make bench measures speed): a walk quadratic in the links takes minutes here.
    assert time.perf_counter() - started < 60
    assert found(links) == expected(server, {"/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.pdf": 2023})


def test_index_page_carrying_a_darien_table_is_itself_a_document(server, session):
    table = ("<h2>Tránsito irregular por Darién 2024</h2><table><tr><th>País</th><th>Total</th></tr>"
             "<tr><td>Venezuela</td><td>1,000</td></tr></table>")
    serve_page(server, "/estadisticas/", page(body=table, title="Darién 2024"))
    links = extract.discover(server.url_for("/estadisticas/"), session=session)
    assert [(link.url, link.kind, link.year) for link in links] == [(server.url_for("/estadisticas/"), "html", 2024)]


def test_folder_source_finds_the_real_samples(tmp_path):
    archive = tmp_path / "archivo"
    (archive / "2023").mkdir(parents=True)
    shutil.copy(SAMPLES / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", archive)
    shutil.copy(SAMPLES / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf", archive / "2023")
    (archive / "README.md").write_text("not a document")
    (archive / ".IRREGULARES_POR_DARIEN_oculto.pdf").write_bytes(PDF_2022)
    for source in (str(archive), archive.as_uri()):
        links = extract.discover(source)
        assert sorted((l.text, l.year, l.kind, l.source) for l in links) == [
            ("IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", 2022, "pdf", source),
            ("TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf", 2023, "pdf", source),  # year from its folder
        ]
        assert (archive / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf").as_uri() in {l.url for l in links}


def test_folder_of_pdfs_and_r_data_lists_them_all(tmp_path):
    archive = tmp_path / "archivo"
    (archive / "gdidata").mkdir(parents=True)
    (archive / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf").write_bytes(PDF_2022)
    (archive / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf").write_bytes(PDF_2023)
    for name in ("irreg_darien_nat.rda", "irreg_darien_dmg.rda", "LICENSE.md"):
        shutil.copy(REPUBLICATION / name, archive / "gdidata")
    links = extract.discover(str(archive))
    assert sorted((l.url.removeprefix(archive.as_uri() + "/"), l.kind) for l in links) == [
        ("IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", "pdf"),
        ("TR%C3%81NSITO_IRREGULAR_POR_DARI%C3%89N.pdf", "pdf"),
        ("gdidata/irreg_darien_dmg.rda", "rdata"),
        ("gdidata/irreg_darien_nat.rda", "rdata"),
    ]


def test_the_bundled_archive_holds_the_two_pdfs_and_the_republication():
    # `make run` reads samples/, its subfolder republication/ included.
    republication = SAMPLES / "republication"
    for name in ("irreg_darien_nat.rda", "irreg_darien_dmg.rda", "LICENSE.md"):
        assert (republication / name).read_bytes() == (REPUBLICATION / name).read_bytes(), name
    links = extract.discover(str(SAMPLES))
    assert sorted((l.text, l.kind) for l in links) == [
        ("IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", "pdf"),
        ("TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf", "pdf"),
        ("irreg_darien_dmg.rda", "rdata"),
        ("irreg_darien_nat.rda", "rdata"),
    ]


def test_folder_files_are_candidates_by_their_content_whatever_their_name(tmp_path):
    archive = tmp_path / "archivo"
    (archive / "2022").mkdir(parents=True)
    (archive / "Dar_update.pdf").write_bytes(PDF_2022)  # a public copy of SNM's 2024 file is named so
    (archive / "2022" / "Dar_update").write_bytes(PDF_2022)
    (archive / "copia.bin").write_bytes(PDF_2023)
    (archive / "IRREGULARES.PDF").write_bytes(PDF_2022)
    snm.write_html(snm.document_spec(2024, seed=4, style="2024"), archive / "cuadros (1).dat")
    (archive / "tabla.txt").write_text("<h3>Tránsito irregular por Darién</h3><table><tr><td>1</td></tr></table>")
    # A PDF about something else is a candidate too: its text decides, at parse time.
    (archive / "Residencias_2023.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
    (archive / "notas.txt").write_text("Tránsito irregular por Darién: bajar el PDF del 2024")
    (archive / "IRREGULARES_POR_DARIEN_2023.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (archive / "IRREGULARES_POR_DARIEN_2023.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    (archive / ".Dar_update.pdf").write_bytes(PDF_2022)  # hidden
    # R data (a re-publication's file) is a document; other compressed files are none.
    (archive / "irreg_darien_nat.rda").write_bytes(RDA_NAT)
    (archive / "cuadros.csv.gz").write_bytes(gzip.compress(b"Total;Ene.;Feb.\n248284;4702;4262\n"))
    (archive / "respaldo.rda").write_bytes(bz2.compress(PDF_2022))  # a bzip2 stream, but no R data inside
    (archive / ".cache").mkdir()
    (archive / ".cache" / "Dar_update.pdf").write_bytes(PDF_2022)  # in a hidden folder
    outside = tmp_path / "fuera.pdf"
    outside.write_bytes(PDF_2022)
    (archive / "enlace.pdf").symlink_to(outside)  # a link out of the folder

    links = extract.discover(str(archive))

    assert sorted((l.url.removeprefix(archive.as_uri() + "/"), l.kind, l.year) for l in links) == [
        ("2022/Dar_update", "pdf", 2022),  # the year from its folder
        ("Dar_update.pdf", "pdf", None),
        ("IRREGULARES.PDF", "pdf", None),
        ("Residencias_2023.pdf", "pdf", 2023),
        ("copia.bin", "pdf", None),
        ("cuadros%20%281%29.dat", "html", None),
        ("irreg_darien_nat.rda", "rdata", None),
        ("tabla.txt", "html", None),
    ]
    assert {l.text for l in links} >= {"Dar_update", "cuadros (1).dat"}


def test_folder_documents_land_and_parse_like_their_originals(tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    archive = tmp_path / "archivo"
    archive.mkdir()
    (archive / "Dar_update").write_bytes(PDF_2022)
    spec = snm.document_spec(2024, seed=4, style="2024")
    snm.write_html(spec, archive / "cuadros.dat")
    unrelated = Canvas(str(archive / "informe.bin"))  # text, but about something else
    unrelated.drawString(72, 760, "Informe anual de turismo 2023: visitantes por provincia")
    unrelated.showPage()
    unrelated.save()
    raw = tmp_path / "raw"
    outcome = {}
    for link in extract.discover(str(archive)):
        version = extract.fetch(link, None, raw_dir=raw)
        assert (version.fetch, version.kind, version.path.suffix) == ("downloaded", link.kind, f".{link.kind}")
        try:
            batch = transform.parse_document(version.path, source_url=link.url)
        except transform.ParseError as err:
            outcome[link.text] = str(err)
        else:
            outcome[link.text] = (batch.kind, batch.year, int(batch.rows.query("breakdown == 'total'").persons.sum()))
    assert outcome == {
        "Dar_update": ("pdf", 2022, 248_284),  # the real 2022 file's published total
        "cuadros.dat": ("html", 2024, sum(spec.tables[0].totals())),
        "informe.bin": "informe.bin: no Darién transit markers on its first page (not an SNM Darién document)",
    }


def test_missing_folder_is_a_source_error(tmp_path):
    with pytest.raises(extract.SourceError, match="no such file or folder"):
        extract.discover(str(tmp_path / "nada"))
    with pytest.raises(extract.SourceError, match="unsupported scheme"):
        extract.discover("ftp://example.org/estadisticas")
