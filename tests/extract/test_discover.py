"""Discovery over both SNM site generations served on 127.0.0.1, and over local folders."""

from __future__ import annotations

import logging
import shutil
import time

import pytest

import extract
from snm_site import (
    JOOMLA_DOCS, SAMPLES, WORDPRESS_DOCS, expected, joomla_site, page, requests_to, serve_page, wordpress_site,
)


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
    server.expect_request("/feed").respond_with_data("%PDF-1.4", content_type="application/pdf")
    with pytest.raises(extract.SourceError, match="not HTML"):
        extract.discover(server.url_for("/feed"), session=session)


def test_thousands_of_links_are_handled_quickly(server, session):
    junk = [f"<a href='/images/img2023/pdf/OTRO_{i}.pdf'>Otro {i}</a>" for i in range(20_000)]
    junk += [f"<a href='javascript:f({i})'>IRREGULARES POR DARIEN</a>" for i in range(5_000)]
    same = ["<a href='/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.pdf'>Irregulares por Darién</a>"] * 5_000
    serve_page(server, "/inicio/estadisticas", page(*junk, *same))
    started = time.perf_counter()
    links = extract.discover(server.url_for("/inicio/estadisticas"), session=session)
    assert time.perf_counter() - started < 5
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
    (archive / "Residencias_2023.pdf").write_bytes(b"%PDF-1.4 other statistics")
    (archive / "README.md").write_text("not a document")
    (archive / ".IRREGULARES_POR_DARIEN_oculto.pdf").write_bytes(b"%PDF-1.4")
    for source in (str(archive), archive.as_uri()):
        links = extract.discover(source)
        assert sorted((l.text, l.year, l.kind, l.source) for l in links) == [
            ("IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", 2022, "pdf", source),
            ("TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf", 2023, "pdf", source),  # year from its folder
        ]
        assert (archive / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf").as_uri() in {l.url for l in links}


def test_missing_folder_is_a_source_error(tmp_path):
    with pytest.raises(extract.SourceError, match="no such file or folder"):
        extract.discover(str(tmp_path / "nada"))
    with pytest.raises(extract.SourceError, match="unsupported scheme"):
        extract.discover("ftp://example.org/estadisticas")
