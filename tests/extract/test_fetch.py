"""Fetching real SNM PDFs (and a re-publication's R data) from a real HTTP server on 127.0.0.1: conditional requests, versions, faults."""

from __future__ import annotations

import gzip
import hashlib
import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

import extract
from tests.extract.snm_site import (
    PDF_2022, PDF_2023, RDA_DMG, RDA_NAT, Publication, landing_names, requests_to,
)
from tests.real_documents import SAMPLES

sha = lambda body: hashlib.sha256(body).hexdigest()  # noqa: E731
PATH_2023 = "/images/img2023/pdf/IRREGULARES_POR_ DARIÉN_2023.pdf"  # as the server sees it, decoded


def link_to(server, path: str, kind: str = "pdf", year: int | None = None) -> extract.Link:
    source = server.url_for("/inicio/estadisticas")
    return extract.Link(url=server.url_for(path), text=path.rsplit("/", 1)[-1], source=source, kind=kind, year=year)


def test_download_lands_the_body_by_sha256(server, session, tmp_path):
    server.expect_request(PATH_2023).respond_with_handler(Publication(PDF_2023))
    raw = tmp_path / "raw"
    version = extract.fetch(link_to(server, PATH_2023, year=2023), None, raw_dir=raw, session=session)
    assert version.fetch == "downloaded" and version.error is None
    assert version.sha256 == sha(PDF_2023)
    assert version.path == raw / f"{sha(PDF_2023)}.pdf"
    assert version.path.read_bytes() == PDF_2023
    assert (version.bytes, version.content_type, version.kind, version.year) == (len(PDF_2023), "application/pdf", "pdf", 2023)
    assert version.etag and version.last_modified
    assert landing_names(raw) == [f"{sha(PDF_2023)}.pdf"]
    user_agent = requests_to(server, PATH_2023)[0].headers["User-Agent"]
    assert user_agent.startswith("darien-etl/")


def test_second_fetch_is_conditional_and_downloads_nothing(server, session, tmp_path):
    server.expect_request(PATH_2023).respond_with_handler(Publication(PDF_2023))
    link, raw = link_to(server, PATH_2023), tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw, session=session)
    second = extract.fetch(link, first, raw_dir=raw, session=session)
    assert second.fetch == "not_modified"
    assert (second.sha256, second.path, second.etag) == (first.sha256, first.path, first.etag)
    request, response = [(q, r) for q, r in server.log if q.path == PATH_2023][-1]
    assert request.headers["If-None-Match"] == first.etag
    assert request.headers["If-Modified-Since"] == first.last_modified
    assert response.status_code == 304  # werkzeug sends a 304 without a body
    assert landing_names(raw) == [f"{sha(PDF_2023)}.pdf"]


def test_republished_url_is_a_new_version_and_both_stay(server, session, tmp_path):
    document = Publication(PDF_2022)
    server.expect_request(PATH_2023).respond_with_handler(document)
    link, raw = link_to(server, PATH_2023), tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw, session=session)
    document.republish(PDF_2023)  # the year-to-date file grew: same URL, new bytes
    second = extract.fetch(link, first, raw_dir=raw, session=session)
    assert second.fetch == "downloaded" and second.sha256 == sha(PDF_2023) != first.sha256
    assert first.path.read_bytes() == PDF_2022 and second.path.read_bytes() == PDF_2023
    assert landing_names(raw) == sorted([f"{sha(PDF_2022)}.pdf", f"{sha(PDF_2023)}.pdf"])


def test_same_bytes_without_validators_are_not_modified(server, session, tmp_path):
    server.expect_request(PATH_2023).respond_with_data(PDF_2023, content_type="application/pdf")
    link, raw = link_to(server, PATH_2023), tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw, session=session)
    second = extract.fetch(link, first, raw_dir=raw, session=session)
    assert (first.fetch, second.fetch) == ("downloaded", "not_modified")
    assert "If-None-Match" not in requests_to(server, PATH_2023)[-1].headers
    assert landing_names(raw) == [f"{sha(PDF_2023)}.pdf"]


def test_lost_raw_file_is_fetched_again_unconditionally(server, session, tmp_path):
    server.expect_request(PATH_2023).respond_with_handler(Publication(PDF_2023))
    link, raw = link_to(server, PATH_2023), tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw, session=session)
    first.path.unlink()
    again = extract.fetch(link, first, raw_dir=raw, session=session)
    assert again.fetch == "downloaded" and again.path.read_bytes() == PDF_2023
    assert "If-None-Match" not in requests_to(server, PATH_2023)[-1].headers


def flaky(*failures: Response, then: bytes = PDF_2022):
    calls = []

    def handler(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) <= len(failures):
            return failures[len(calls) - 1]
        return Response(then, content_type="application/pdf")

    return handler, calls


@pytest.mark.parametrize("name, body", [("irreg_darien_nat.rda", RDA_NAT), ("irreg_darien_dmg.rda", RDA_DMG)])
def test_r_data_lands_by_sha256_and_is_asked_for_conditionally_again(server, session, tmp_path, name, body):
    # raw.githubusercontent.com serves .rda files as application/octet-stream.
    path = f"/iom/gdidata/master/data/{name}"
    server.expect_request(path).respond_with_handler(Publication(body, "application/octet-stream"))
    link, raw = link_to(server, path, "rdata"), tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw, session=session)
    assert (first.fetch, first.kind, first.content_type) == ("downloaded", "rdata", "application/octet-stream")
    assert first.path == raw / f"{sha(body)}.rdata" and first.path.read_bytes() == body
    second = extract.fetch(link, first, raw_dir=raw, session=session)
    assert (second.fetch, second.path, second.kind) == ("not_modified", first.path, "rdata")
    request, response = [(q, r) for q, r in server.log if q.path == path][-1]
    assert request.headers["If-None-Match"] == first.etag and response.status_code == 304
    assert landing_names(raw) == [f"{sha(body)}.rdata"]


@pytest.mark.parametrize("content_type, body, refused", [
    ("text/plain", RDA_NAT, "content type 'text/plain' is not R data"),  # a text label: an error page, not R data
    ("application/gzip", gzip.compress(b"Total;Ene.;Feb.\n248284;4702;4262\n", mtime=0), "content is not R data (starts"),
    ("application/octet-stream", PDF_2022, "content is not R data (starts '%PDF-"),
])
def test_r_data_link_to_anything_else_is_refused(server, session, tmp_path, content_type, body, refused):
    server.expect_request("/data/x.rda").respond_with_data(body, content_type=content_type)
    version = extract.fetch(link_to(server, "/data/x.rda", "rdata"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "refused" and version.error.startswith(f"{server.url_for('/data/x.rda')}: refused: {refused}")
    assert landing_names(tmp_path) == []


def test_500_then_success_is_retried(server, session, tmp_path):
    handler, calls = flaky(Response("oops", status=500))
    server.expect_request("/a.pdf").respond_with_handler(handler)
    version = extract.fetch(link_to(server, "/a.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "downloaded" and version.sha256 == sha(PDF_2022)
    assert len(calls) == 2


def test_persistent_500_fails_after_the_retries(server, session, tmp_path, caplog):
    server.expect_request("/a.pdf").respond_with_data("oops", status=503)
    version = extract.fetch(link_to(server, "/a.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "failed"
    assert version.error == f"{server.url_for('/a.pdf')}: failed: HTTP 503 SERVICE UNAVAILABLE"
    assert len(requests_to(server, "/a.pdf")) == 3  # the first try and two retries
    assert [r.getMessage() for r in caplog.records if r.name.startswith("extract")] == [version.error]
    assert landing_names(tmp_path) == []


def test_429_waits_for_retry_after(server, session, tmp_path):
    handler, calls = flaky(Response("slow down", status=429, headers={"Retry-After": "1"}))
    server.expect_request("/a.pdf").respond_with_handler(handler)
    version = extract.fetch(link_to(server, "/a.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "downloaded"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


def test_read_timeout_fails(server, session, tmp_path):
    def stalls(request):
        time.sleep(0.8)
        return Response(PDF_2022, content_type="application/pdf")

    server.expect_request("/slow.pdf").respond_with_handler(stalls)
    version = extract.fetch(link_to(server, "/slow.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "failed"
    assert "timed out" in version.error.lower() and version.error.startswith(server.url_for("/slow.pdf"))
    assert landing_names(tmp_path) == []


def truncated(request: Request) -> Response:
    response = Response(PDF_2022[:100_000], content_type="application/pdf")
    response.headers["Content-Length"] = str(len(PDF_2022))
    response.headers["Connection"] = "close"
    return response


def test_truncated_body_fails_and_lands_nothing(server, session, tmp_path):
    server.expect_request("/cut.pdf").respond_with_handler(truncated)
    version = extract.fetch(link_to(server, "/cut.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "failed"
    assert f"truncated: 100000 of {len(PDF_2022)} bytes" in version.error
    assert landing_names(tmp_path) == []  # not even a temp file


def test_wrong_content_type_is_refused(server, session, tmp_path):
    server.expect_request("/a.pdf").respond_with_data("<html>No encontrado</html>", content_type="text/html")
    version = extract.fetch(link_to(server, "/a.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "refused"
    assert version.error == f"{server.url_for('/a.pdf')}: refused: content type 'text/html' is not a PDF"


def test_body_that_is_not_a_pdf_is_refused(server, session, tmp_path):
    server.expect_request("/a.pdf").respond_with_data(b"PK\x03\x04 a zip" * 200, content_type="application/pdf")
    version = extract.fetch(link_to(server, "/a.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "refused" and "content is not a PDF" in version.error
    assert landing_names(tmp_path) == []


@pytest.mark.parametrize("path, kind, body, refused", [
    ("/b.pdf", "pdf", b"<!DOCTYPE html><html><body>No encontrado</body></html>", "content is not a PDF"),
    ("/t/", "html", PDF_2022, "content is not a HTML"),
    # What darien.sniff reads as HTML lands as HTML, as transform reads it: a bare table, a BOM.
    ("/f/", "html", "<table><caption>Tránsito irregular por Darién</caption></table>".encode(), None),
    ("/s/", "html", b"\xef\xbb\xbf\n\n<!-- guardado -->\n<!doctype html><html></html>", None),
])
def test_body_is_kept_only_when_darien_sniff_reads_it_as_the_link_kind(server, session, tmp_path,
                                                                         path, kind, body, refused):
    server.expect_request(path).respond_with_data(body, content_type="application/octet-stream" if kind == "pdf"
                                                  else "text/html")
    version = extract.fetch(link_to(server, path, kind), None, raw_dir=tmp_path, session=session)
    if refused:
        assert version.fetch == "refused" and refused in version.error
        assert landing_names(tmp_path) == []
    else:
        assert version.fetch == "downloaded" and landing_names(tmp_path) == [f"{sha(body)}.html"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_file_is_refused(server, session, tmp_path, chunked):
    body = (lambda: iter([PDF_2022[i:i + 65536] for i in range(0, len(PDF_2022), 65536)])) if chunked else None
    if chunked:
        server.expect_request("/big.pdf").respond_with_handler(
            lambda request: Response(body(), content_type="application/pdf"))
    else:
        server.expect_request("/big.pdf").respond_with_data(PDF_2022, content_type="application/pdf")
    version = extract.fetch(link_to(server, "/big.pdf"), None, raw_dir=tmp_path, max_bytes=300_000, session=session)
    assert version.fetch == "refused"
    assert "300000-byte limit" in version.error
    assert landing_names(tmp_path) == []


def test_redirect_off_the_allowed_hosts_never_connects(server, elsewhere, session, tmp_path):
    elsewhere.expect_request("/a.pdf").respond_with_data(PDF_2022, content_type="application/pdf")
    server.expect_request("/moved.pdf").respond_with_data(
        "", status=302, headers={"Location": elsewhere.url_for("/a.pdf")})
    version = extract.fetch(link_to(server, "/moved.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "refused"
    assert f"redirect to {elsewhere.url_for('/a.pdf')} refused" in version.error
    assert elsewhere.log == []
    # the same redirect is followed once that host is allowed
    allowed = [f"127.0.0.1:{elsewhere.port}"]
    version = extract.fetch(link_to(server, "/moved.pdf"), None, raw_dir=tmp_path, session=session,
                            allowed_hosts=allowed)
    assert version.fetch == "downloaded" and len(elsewhere.log) == 1


def test_redirect_to_a_private_address_is_refused_before_connecting(server, session, tmp_path):
    # 10.255.255.1 is unroutable here: a connection attempt would hang until the connect timeout.
    server.expect_request("/moved.pdf").respond_with_data(
        "", status=301, headers={"Location": "http://10.255.255.1/latest/meta-data.pdf"})
    started = time.perf_counter()
    version = extract.fetch(link_to(server, "/moved.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "refused" and "outside the allowed hosts" in version.error
    assert time.perf_counter() - started < 0.5


def test_redirect_within_the_host_is_followed(server, session, tmp_path):
    server.expect_request("/old.pdf").respond_with_data("", status=301, headers={"Location": "/new.pdf"})
    server.expect_request("/new.pdf").respond_with_data(PDF_2022, content_type="application/octet-stream")
    version = extract.fetch(link_to(server, "/old.pdf"), None, raw_dir=tmp_path, session=session)
    assert version.fetch == "downloaded" and version.sha256 == sha(PDF_2022)


def test_link_to_another_host_is_refused_without_connecting(elsewhere, session, tmp_path):
    link = extract.Link(url=elsewhere.url_for("/a.pdf"), text="a", source="https://www.migracion.gob.pa/estadisticas/",
                        kind="pdf")
    version = extract.fetch(link, None, raw_dir=tmp_path, session=session)
    assert version.fetch == "refused" and elsewhere.log == []


def test_local_file_is_copied_into_the_landing_zone(tmp_path):
    folder = tmp_path / "archivo"
    folder.mkdir()
    (folder / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf").write_bytes(PDF_2023)
    (link,) = extract.discover(folder.as_uri())
    raw = tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw)
    assert first.fetch == "downloaded" and first.path == raw / f"{sha(PDF_2023)}.pdf"
    assert first.path.read_bytes() == PDF_2023
    again = extract.fetch(link, first, raw_dir=raw)
    assert again.fetch == "not_modified" and again.path == first.path
    (folder / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf").write_bytes(PDF_2022)
    changed = extract.fetch(link, again, raw_dir=raw)
    assert changed.fetch == "downloaded" and changed.sha256 == sha(PDF_2022)
    assert landing_names(raw) == sorted([f"{sha(PDF_2022)}.pdf", f"{sha(PDF_2023)}.pdf"])


def test_local_r_data_is_copied_into_the_landing_zone(tmp_path):
    folder = tmp_path / "gdidata"
    folder.mkdir()
    (folder / "irreg_darien_nat.rda").write_bytes(RDA_NAT)
    (link,) = extract.discover(str(folder / "irreg_darien_nat.rda"))  # one file as the source
    raw = tmp_path / "raw"
    first = extract.fetch(link, None, raw_dir=raw)
    assert (first.fetch, first.kind, first.content_type) == ("downloaded", "rdata", "application/octet-stream")
    assert first.path == raw / f"{sha(RDA_NAT)}.rdata" and first.path.read_bytes() == RDA_NAT
    assert extract.fetch(link, first, raw_dir=raw).fetch == "not_modified"


def test_local_file_faults_are_reported_not_raised(tmp_path):
    (tmp_path / "IRREGULARES_POR_DARIEN.pdf").write_text("<html>not a pdf</html>")
    bad = extract.Link((tmp_path / "IRREGULARES_POR_DARIEN.pdf").as_uri(), "x", str(tmp_path), "pdf")
    gone = extract.Link((tmp_path / "nada.pdf").as_uri(), "x", str(tmp_path), "pdf")
    on_web = extract.Link(Path(SAMPLES / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf").as_uri(), "x",
                          "https://www.migracion.gob.pa/estadisticas/", "pdf")
    raw = tmp_path / "raw"
    assert extract.fetch(bad, None, raw_dir=raw).fetch == "refused"
    assert extract.fetch(gone, None, raw_dir=raw).error == f"{tmp_path / 'nada.pdf'}: failed: no such file"  # its path
    assert "file: link found on a web page" in extract.fetch(on_web, None, raw_dir=raw).error
    assert landing_names(raw) == []
