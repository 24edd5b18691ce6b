"""Pages shaped like the two SNM site generations, and the real PDFs, for a pytest-httpserver on 127.0.0.1.

The pages follow ../shared/snm/README.md ("Where it is published"): the older Joomla index
`/inicio/estadisticas` links yearly PDFs under `/images/img<YEAR>/pdf/` (encoded spaces and
accents), the WordPress index `/estadisticas/` links `/wp-content/uploads/…/IRREGULARES-POR-DARIEN-<MES>.pdf`.
The PDFs served are the real SNM files in samples/ (original publications of www.migracion.gob.pa);
the R data files, IOM GDI's re-publication of SNM's series (tests/fixtures/republication/, MIT).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from tests.real_documents import REAL_2022, REAL_2023

PDF_2022 = REAL_2022.read_bytes()
PDF_2023 = REAL_2023.read_bytes()
REPUBLICATION = Path(__file__).resolve().parents[1] / "fixtures" / "republication"
RDA_NAT = (REPUBLICATION / "irreg_darien_nat.rda").read_bytes()
RDA_DMG = (REPUBLICATION / "irreg_darien_dmg.rda").read_bytes()


class Publication:
    """A document served like a static file: ETag/Last-Modified, 304 on a matching conditional request."""

    def __init__(self, body: bytes, content_type: str = "application/pdf"):
        self.body = body
        self.content_type = content_type
        self.modified = 1_700_000_000

    def republish(self, body: bytes) -> None:
        self.body = body
        self.modified += 86_400

    def __call__(self, request: Request) -> Response:
        response = Response(self.body, content_type=self.content_type)
        response.set_etag(hashlib.md5(self.body).hexdigest())
        response.last_modified = self.modified
        return response.make_conditional(request)


def page(*anchors: str, title: str = "Estadísticas", body: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{body}<ul>" + "".join(f"<li>{a}</li>" for a in anchors)
            + "</ul></body></html>")


def serve_page(server: HTTPServer, path: str, html: str, query: str | None = None) -> None:
    server.expect_request(path, query_string=query).respond_with_data(html, content_type="text/html; charset=utf-8")


# The documents each index lists, as the crawler should report them (normalized URLs).
JOOMLA_DOCS = {
    "/images/img2023/pdf/IRREGULARES_POR_%20DARI%C3%89N_2023.pdf": 2023,
    "/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": 2022,
    "/images/img2021/pdf/TR%C3%81NSITO%20IRREGULAR%20POR%20DARI%C3%89N%202021.pdf": 2021,
}
WORDPRESS_DOCS = {
    "/wp-content/uploads/2024/09/IRREGULARES-POR-DARIEN-AGOSTO.pdf": 2024,
    "/wp-content/uploads/2024/10/IRREGULARES-POR-DARIEN-SEPTIEMBRE.pdf": None,
    "/wp-content/uploads/2024/08/irregulares-por-darien-julio.pdf": None,
    "/estadisticas/transito-irregular-por-darien-2024/": 2024,
}


def noise(server: HTTPServer) -> list[str]:
    """Links a real index page carries besides the Darién documents; none of them is one."""
    other_host = "http://127.0.0.2:9/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.pdf"
    return [
        "<a href='/images/img2023/pdf/MOVIMIENTO_MIGRATORIO_2023.pdf'>Movimiento migratorio 2023</a>",
        "<a href='/images/img2023/pdf/Residencias_otorgadas_2023.pdf'>Residencias otorgadas</a>",
        "<a href='/images/img2023/pdf/RESOLUCION_N_123_DARIEN.pdf'>Resolución sobre tránsito irregular por Darién</a>",
        "<a href='/images/img2023/pdf/IRREGULARES_POR_DARIEN_2023.xlsx'>Irregulares por Darién (Excel)</a>",
        "<a href='javascript:void(0)'>Irregulares por Darién</a>",
        "<a href='JavaScript:alert(1)//IRREGULARES_POR_DARIEN.pdf'>x</a>",
        "<a href='mailto:estadistica@migracion.gob.pa'>Escríbanos</a>",
        "<a href='tel:+5075071800'>Llámenos</a>",
        "<a href='data:application/pdf;base64,JVBERi0='>IRREGULARES POR DARIEN.pdf</a>",
        "<a href='file:///etc/IRREGULARES_POR_DARIEN_2023.pdf'>Tránsito irregular por Darién</a>",
        f"<a href='{other_host}'>Irregulares por Darién 2023 (espejo)</a>",
        "<a href='//evil.example/IRREGULARES_POR_DARIEN_2023.pdf'>Irregulares por Darién</a>",
        "<a href='http://user:pw@" + server.host + f":{server.port}/IRREGULARES_POR_DARIEN.pdf'>x</a>",
        "<a href='/images/IRREGULARES_POR_DARIEN_" + "A" * 3000 + ".pdf'>Irregulares por Darién</a>",
        "<a href='https://www.facebook.com/migracionpanama'>Facebook</a>",
        "<a href='#top'>Arriba</a>",
        "<a>sin enlace</a>",
    ]


def joomla_site(server: HTTPServer) -> str:
    """The older site: index, its second page (?start=10), and the real PDFs; returns the index URL."""
    first = page(
        "<a href='/images/img2023/pdf/IRREGULARES_POR_%20DARI%C3%89N_2023.pdf'>Tránsito Irregular por Darién 2023</a>",
        # The same document again, this time spelled with a raw space and accent.
        "<a href='/images/img2023/pdf/IRREGULARES_POR_ DARIÉN_2023.pdf'>IRREGULARES POR DARIEN</a>",
        "<a href='../images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf'>irregulares por darien 2022</a>",
        *noise(server),
        "<a class='pagenav' href='/inicio/estadisticas?start=10'>Siguiente</a>",
        title="Estadísticas - Servicio Nacional de Migración",
    )
    second = page(
        f"<a href='{server.url_for('/images/img2021/pdf/TRÁNSITO IRREGULAR POR DARIÉN 2021.pdf')}'>"
        "Tránsito irregular por Darién</a>",
        "<a href='/images/img2021/pdf/Visas_2021.pdf'>Visas 2021</a>",
        "<a class='pagenav' href='/inicio/estadisticas?start=0'>Anterior</a>",
    )
    serve_page(server, "/inicio/estadisticas", second, query="start=10")
    serve_page(server, "/inicio/estadisticas", first)
    return server.url_for("/inicio/estadisticas")


def wordpress_site(server: HTTPServer) -> str:
    """The current site: index, /page/2/, a year sub-page; returns the index URL."""
    first = page(
        "<a href='/wp-content/uploads/2024/09/IRREGULARES-POR-DARIEN-AGOSTO.pdf'>Irregulares por Darién – Agosto 2024</a>",
        f"<a href='{server.url_for('/wp-content/uploads/2024/10/IRREGULARES-POR-DARIEN-SEPTIEMBRE.pdf')}'>Descargar</a>",
        "<a href='/wp-content/uploads/2024/09/ESTADISTICAS-MOVIMIENTO-MIGRATORIO-AGOSTO.pdf'>Movimiento migratorio</a>",
        "<a href='/estadisticas/otra-seccion/'>Otras estadísticas</a>",
        "<a href='/wp-content/uploads/2024/09/IRREGULARES-POR-DARIEN-AGOSTO.pdf#page=2'>ver página 2</a>",
        *noise(server),
        "<a class='next page-numbers' rel='next' href='/estadisticas/page/2/'>»</a>",
    )
    second = page(
        "<a href='/wp-content/uploads/2024/08/irregulares-por-darien-julio.pdf'>julio</a>",
        "<a href='/estadisticas/2023/'>2023</a>",
    )
    year_2023 = page(
        "<a href='/estadisticas/transito-irregular-por-darien-2024/'>Tránsito irregular por Darién 2024 (tabla)</a>",
        "<a href='/wp-content/uploads/2024/09/IRREGULARES-POR-DARIEN-AGOSTO.pdf'>Agosto</a>",
    )
    serve_page(server, "/estadisticas/", first)
    serve_page(server, "/estadisticas/page/2/", second)
    serve_page(server, "/estadisticas/2023/", year_2023)
    return server.url_for("/estadisticas/")


def expected(server: HTTPServer, docs: dict[str, int | None]) -> dict[str, int | None]:
    return {f"http://127.0.0.1:{server.port}{path}": year for path, year in docs.items()}


def landing_names(raw_dir: Path) -> list[str]:
    return sorted(p.name for p in raw_dir.iterdir()) if raw_dir.exists() else []


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    return [req for req, _ in server.log if req.path == path]
