"""The session's politeness: User-Agent, per-host pacing, default timeouts, connection-error retries."""

from __future__ import annotations

import socket
import time

import pytest
import requests

import extract
from darien.config import DEFAULT_SOURCES
from extract.hosts import allowed_set, check_web_url
from extract.links import is_darien_transit, kind_of, normalize_url, year_of


def test_requests_to_one_host_are_paced(server):
    server.expect_request("/estadisticas/").respond_with_data("<html></html>", content_type="text/html")
    session = extract.make_session("darien-test/1", min_interval=0.2, timeout=(1, 1))
    started = time.perf_counter()
    for _ in range(4):
        assert session.get(server.url_for("/estadisticas/")).status_code == 200
    assert time.perf_counter() - started >= 0.6
    agents = [r.headers["User-Agent"] for r, _ in server.log if r.path == "/estadisticas/"]
    assert agents == ["darien-test/1"] * 4


def test_default_read_timeout_applies_without_asking(server):
    server.expect_request("/slow").respond_with_handler(lambda r: time.sleep(0.6) or "late")
    session = extract.make_session(retries=0, timeout=(1, 0.2), min_interval=0)
    started = time.perf_counter()
    with pytest.raises(requests.RequestException, match="(?i)timed out"):
        session.get(server.url_for("/slow"))
    assert time.perf_counter() - started < 0.5


def test_refused_connection_is_retried_then_reported(session, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/IRREGULARES_POR_DARIEN_2023.pdf"
    link = extract.Link(url, "x", f"http://127.0.0.1:{port}/inicio/estadisticas", "pdf", 2023)
    version = extract.fetch(link, None, raw_dir=tmp_path, session=session)
    assert version.fetch == "failed" and version.error.startswith(f"{url}: failed: ")
    assert "\n" not in version.error and "Max retries exceeded" in version.error


def test_each_default_source_is_read_on_its_own_host_only():
    for source in DEFAULT_SOURCES:
        check_web_url(source, allowed_set([source], ()))  # never refused
    gdidata = [s for s in DEFAULT_SOURCES if "gdidata" in s]
    assert len(gdidata) == 2 and allowed_set(gdidata, ()) == {"raw.githubusercontent.com"}
    with pytest.raises(extract.Refused, match="outside the allowed hosts"):
        check_web_url("https://www.migracion.gob.pa/estadisticas/", allowed_set(gdidata, ()))


def test_spellings_of_the_darien_documents():
    for text, name in [
        ("", "IRREGULARES_POR_%20DARI%C3%89N_2023.pdf"),
        ("", "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"),
        ("", "IRREGULARES-POR-DARIEN-SEPTIEMBRE.pdf"),
        ("", "irregulares por darien julio.pdf"),
        ("Tránsito irregular por Darién", "descarga.pdf"),
        ("", "TRANSITO IRREGULAR POR DARIÃ\x89N.pdf"),  # UTF-8 read as Latin-1
        # SNM's historical summary, 2010-2019 by year, named for its span
        ("Estadísticas 2010-2019", "descarga.pdf"),
        ("Tránsito irregular por Darién 2010-2019", "historico.pdf"),
        ("Descargar", "Estadisticas_Darien_2010-2019.pdf"),
        ("Descargar", "ESTADISTICAS_2010_2019.pdf"),
        ("Darién 2010 – 2019", "resumen.pdf"),
        ("Estadística histórica", "Resumen%202010%20al%202019.pdf"),
    ]:
        assert is_darien_transit(text, name), (text, name)
    for text, name in [
        ("Movimiento migratorio", "MOVIMIENTO_MIGRATORIO_2023.pdf"),
        ("Resolución", "RESOLUCION_TRANSITO_IRREGULAR_DARIEN.pdf"),
        ("Darién", "mapa.pdf"),
        ("Estadísticas 2023", "ESTADISTICAS_2023.pdf"),  # one year: no summary
        ("Estadísticas 2019", "2020.pdf"),  # a year in the text and another in the name make no range
        ("Estadísticas de movimiento migratorio 2010-2019", "MOVIMIENTO_2010-2019.pdf"),
        ("Estadísticas", "ESTADISTICAS-VISAS-2015-2019.pdf"),
        ("Resolución sobre el Darién 2010-2019", "RESOLUCION_2010-2019.pdf"),
        ("Informe 2010-2019", "informe_2010-2019.pdf"),  # a span, but neither Darién nor statistics
        ("Estadísticas 2019-2010", "x.pdf"),
    ]:
        assert not is_darien_transit(text, name), (text, name)


def test_kind_from_a_link_file_name():
    names = ["a.pdf", "A.PDF", "irreg_darien_nat.rda", "datos.RData", "objeto.rds", "cuadro.xlsx", "estadisticas", "p.php"]
    assert [kind_of(n) for n in names] == ["pdf", "pdf", "rdata", "rdata", None, None, "html", "html"]


def test_year_from_text_then_name_then_joomla_folder():
    assert year_of("Irregulares por Darién 2022", "IRREGULARES_2023.pdf") == 2022
    assert year_of("Descargar", "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf") == 2022
    assert year_of("Descargar", "TRANSITO.pdf", "https://x/images/img2021/pdf/TRANSITO.pdf") == 2021
    assert year_of("2010 - 2019", "HISTORICO.pdf") is None
    assert year_of("Estadísticas 2010-2019", "resumen.pdf", "https://x/images/img2020/pdf/resumen.pdf") is None
    # WordPress upload folders say when a file was uploaded, not what year it covers
    assert year_of("", "IRREGULARES-POR-DARIEN-DICIEMBRE.pdf", "https://x/wp-content/uploads/2025/01/a.pdf") is None


def test_one_spelling_per_url():
    assert normalize_url("HTTPS://WWW.Migracion.gob.pa:443/images/img2023/pdf/IRREGULARES_POR_ DARIÉN_2023.pdf#p2") == \
        normalize_url("https://www.migracion.gob.pa/images/img2023/pdf/IRREGULARES_POR_%20DARI%c3%89N_2023.pdf") == \
        "https://www.migracion.gob.pa/images/img2023/pdf/IRREGULARES_POR_%20DARI%C3%89N_2023.pdf"
