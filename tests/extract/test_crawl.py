"""A whole crawl of both site generations, faults mixed in: each document ends as described, the rest go on."""

from __future__ import annotations

import hashlib
import re
import time

from werkzeug.wrappers import Request, Response

import extract
from tests.extract.snm_site import (
    PDF_2022, PDF_2023, RDA_DMG, RDA_NAT, Publication, joomla_site, landing_names, page, requests_to, serve_page,
    wordpress_site,
)

sha = lambda body: hashlib.sha256(body).hexdigest()  # noqa: E731
DARIEN_TABLE = page(body="<h2>Tránsito irregular por Darién 2024</h2><table><tr><th>País</th><th>Total</th></tr>"
                         "<tr><td>Venezuela</td><td>1,000</td></tr></table>")


def once(failure: Response, then: Response):
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request)
        return failure if len(calls) == 1 else then

    return handler


def stalls(request: Request) -> Response:
    time.sleep(0.8)
    return Response(PDF_2022, content_type="application/pdf")


def truncated(request: Request) -> Response:
    response = Response(PDF_2022[:50_000], content_type="application/pdf")
    response.headers["Content-Length"] = str(len(PDF_2022))
    response.headers["Connection"] = "close"
    return response


def crawl(sources, session, raw_dir, previous=None):
    previous = previous or {}
    versions = {}
    for source in sources:
        for link in extract.discover(source, session=session):
            versions[link.url] = extract.fetch(link, previous.get(link.url), raw_dir=raw_dir, session=session)
    return versions


def test_crawl_of_both_generations_with_faults(server, elsewhere, session, tmp_path):
    sources = [joomla_site(server), wordpress_site(server)]
    pdf = lambda body: Response(body, content_type="application/pdf")  # noqa: E731
    routes = {
        "/images/img2023/pdf/IRREGULARES_POR_ DARIÉN_2023.pdf": Publication(PDF_2023),
        "/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": once(Response("", status=500), pdf(PDF_2022)),
        "/images/img2021/pdf/TRÁNSITO IRREGULAR POR DARIÉN 2021.pdf": truncated,
        "/wp-content/uploads/2024/09/IRREGULARES-POR-DARIEN-AGOSTO.pdf":
            once(Response("", status=429, headers={"Retry-After": "1"}), pdf(PDF_2022)),
        "/wp-content/uploads/2024/10/IRREGULARES-POR-DARIEN-SEPTIEMBRE.pdf":
            lambda r: Response("", status=302, headers={"Location": elsewhere.url_for("/x.pdf")}),
        "/wp-content/uploads/2024/08/irregulares-por-darien-julio.pdf": stalls,
        "/estadisticas/transito-irregular-por-darien-2024/": Publication(DARIEN_TABLE.encode(), "text/html"),
    }
    for path, handler in routes.items():
        server.expect_request(path).respond_with_handler(handler)
    raw = tmp_path / "raw"

    versions = crawl(sources, session, raw)
    outcome = {url.rsplit("/", 2)[-2 if url.endswith("/") else -1]: v.fetch for url, v in versions.items()}
    assert outcome == {
        "IRREGULARES_POR_%20DARI%C3%89N_2023.pdf": "downloaded",
        "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": "downloaded",  # after a 500
        "TR%C3%81NSITO%20IRREGULAR%20POR%20DARI%C3%89N%202021.pdf": "failed",  # truncated
        "IRREGULARES-POR-DARIEN-AGOSTO.pdf": "downloaded",  # after a 429
        "IRREGULARES-POR-DARIEN-SEPTIEMBRE.pdf": "refused",  # redirect off the host
        "irregulares-por-darien-julio.pdf": "failed",  # read timeout
        "transito-irregular-por-darien-2024": "downloaded",
    }
    assert elsewhere.log == []
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/[^%]+: (failed|refused): .+", v.error)  # names as published
               for v in versions.values() if v.fetch in ("failed", "refused"))
    # No URL or file name from a page ever became a path: only sha-named files, only in raw/.
    assert landing_names(raw) == sorted([f"{sha(PDF_2022)}.pdf", f"{sha(PDF_2023)}.pdf",
                                         f"{sha(DARIEN_TABLE.encode())}.html"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]

    # The next night: what was stored is asked for conditionally and not downloaded again.
    before = len(server.log)
    again = crawl(sources, session, raw, previous=versions)
    assert again[versions_url(versions, "2023.pdf")].fetch == "not_modified"
    assert again[versions_url(versions, "darien-2024/")].fetch == "not_modified"
    assert again[versions_url(versions, "DICIEMBRE_2022.pdf")].fetch == "not_modified"  # same bytes, no ETag
    conditional = [r for r, _ in server.log[before:] if "If-None-Match" in r.headers]
    assert {r.path for r in conditional} == {"/images/img2023/pdf/IRREGULARES_POR_ DARIÉN_2023.pdf",
                                             "/estadisticas/transito-irregular-por-darien-2024/"}
    assert len(landing_names(raw)) == 3


def test_sources_that_are_single_documents_beside_an_index_page(server, session, tmp_path):
    # gdidata's raw files as raw.githubusercontent.com serves them, a PDF given by its URL, and an index page.
    documents = {
        "/iom/gdidata/master/data/irreg_darien_nat.rda": Publication(RDA_NAT, "application/octet-stream"),
        "/iom/gdidata/master/data/irreg_darien_dmg.rda": Publication(RDA_DMG, "application/octet-stream"),
        "/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": Publication(PDF_2022),
        "/wp-content/uploads/IRREGULARES-POR-DARIEN-AGOSTO.pdf": Publication(PDF_2023),
    }
    for path, handler in documents.items():
        server.expect_request(path).respond_with_handler(handler)
    serve_page(server, "/estadisticas/", page(
        "<a href='/wp-content/uploads/IRREGULARES-POR-DARIEN-AGOSTO.pdf'>Irregulares por Darién 2023</a>"))
    sources = [server.url_for(p) for p in list(documents)[:3]] + [server.url_for("/estadisticas/")]
    raw = tmp_path / "raw"

    versions = crawl(sources, session, raw)

    assert {url.rsplit("/", 1)[-1]: (v.fetch, v.kind, v.source) for url, v in versions.items()} == {
        "irreg_darien_nat.rda": ("downloaded", "rdata", sources[0]),
        "irreg_darien_dmg.rda": ("downloaded", "rdata", sources[1]),
        "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": ("downloaded", "pdf", sources[2]),
        "IRREGULARES-POR-DARIEN-AGOSTO.pdf": ("downloaded", "pdf", sources[3]),  # found on the page
    }
    assert landing_names(raw) == sorted([f"{sha(RDA_NAT)}.rdata", f"{sha(RDA_DMG)}.rdata",
                                         f"{sha(PDF_2022)}.pdf", f"{sha(PDF_2023)}.pdf"])

    # The next night each is read once by discovery, then asked for conditionally: nothing new lands.
    before = len(server.log)
    again = crawl(sources, session, raw, previous=versions)
    assert {v.fetch for v in again.values()} == {"not_modified"}
    conditional = {r.path for r, response in server.log[before:]
                   if "If-None-Match" in r.headers and response.status_code == 304}
    assert conditional == set(documents)
    assert len(landing_names(raw)) == 4
    assert len(requests_to(server, "/iom/gdidata/master/data/irreg_darien_nat.rda")) == 4  # two a night


def versions_url(versions: dict, ending: str) -> str:
    (url,) = [u for u in versions if u.endswith(ending)]
    return url
