"""One `darien run` on PostgreSQL (URL with a password) over an index mixing good, broken and hostile things.

The index lists the real 2022 PDF; a CRLF-mangled copy; an encrypted PDF; a zero-byte "PDF"; an
HTML page whose country label is an SQL injection; a redirect chain ending at the cloud metadata
address; and thousands of links no crawl may follow (javascript:, data:, file:, ../, other hosts,
very long URLs). One run, several tests: each checks one promise against the same outcome.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests import snm_documents as snm
from tests.reliability.runs import darien, finish, query, run_args, statuses
from tests.warehouse import pg_schema

from tests.real_documents import REAL_2022
PASSWORD = "s3cret-pw"
INJECTION = "Robert'); DROP TABLE darien_transit;--"
VENEZUELA_2022 = 150_327  # Cuadro No. 003 of the 2022 PDF


def hostile_links(host: str) -> list[str]:
    long_name = "IRREGULARES_POR_DARIEN_" + "9" * 5000 + ".pdf"
    return [
        "<a href='javascript:fetch(\"http://169.254.169.254/\")'>Irregulares por Darién 2024</a>",
        "<a href='data:application/pdf;base64,JVBERi0xLjQK'>IRREGULARES_POR_DARIEN_2024.pdf</a>",
        "<a href='file:///etc/passwd#IRREGULARES_POR_DARIEN.pdf'>Tránsito irregular por Darién</a>",
        "<a href='../../../../etc/IRREGULARES_POR_DARIEN_2024.pdf'>Tránsito irregular por Darién</a>",
        "<a href='http://10.0.0.1/IRREGULARES_POR_DARIEN_2024.pdf'>Irregulares por Darién (espejo)</a>",
        "<a href='http://169.254.169.254/latest/IRREGULARES_POR_DARIEN_2024.pdf'>Irregulares por Darién</a>",
        "<a href='//evil.example/IRREGULARES_POR_DARIEN_2024.pdf'>Irregulares por Darién</a>",
        f"<a href='http://user:{PASSWORD}@{host}/IRREGULARES_POR_DARIEN_2024.pdf'>Irregulares por Darién</a>",
        f"<a href='/images/{long_name}'>Irregulares por Darién</a>",
        *(f"<a href='/images/otros/MOVIMIENTO_{i}.pdf'>Movimiento migratorio {i}</a>" for i in range(3000)),
    ]


@pytest.fixture(scope="module")
def outcome(request, prefect_api, tmp_path_factory):
    site = request.getfixturevalue("site_server")
    pg = request.getfixturevalue("pg_module_url")
    folder = tmp_path_factory.mktemp("hostile-run")
    good = REAL_2022.read_bytes()
    spec = snm.document_spec(2023, seed=7, countries=8)
    country_rows = spec.tables[2].rows
    country_rows[0] = (INJECTION, country_rows[0][1])
    page = snm.write_html(spec, folder / "injection.html").read_bytes()
    locked = snm.write_pdf(snm.document_spec(2023, seed=2), folder / "locked.pdf", encrypt_password="x").read_bytes()
    served = {
        "/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": (good, "application/pdf"),
        "/images/img2021/pdf/IRREGULARES_POR_DARIEN_2021.pdf": (good.replace(b"\n", b"\r\n"), "application/pdf"),
        "/images/img2020/pdf/IRREGULARES_POR_DARIEN_2020.pdf": (locked, "application/pdf"),
        "/images/img2019/pdf/IRREGULARES_POR_DARIEN_2019.pdf": (b"", "application/pdf"),
        "/estadisticas/transito-irregular-por-darien-2023.html": (page, "text/html; charset=utf-8"),
    }
    # `../` cannot climb above the site's root: it stays on the allowed host, which has no such file.
    site.expect_request("/etc/IRREGULARES_POR_DARIEN_2024.pdf").respond_with_data("", status=404)
    for path, (body, kind) in served.items():
        site.expect_request(path).respond_with_data(body, content_type=kind)
    redirect = "/images/img2018/pdf/IRREGULARES_POR_DARIEN_2018.pdf"
    site.expect_request(redirect).respond_with_data("", status=302, headers={"Location": "/hop"})
    site.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/IRREGULARES_POR_DARIEN.pdf"})
    anchors = [f"<a href='{p}'>Tránsito irregular por Darién {p.split('img')[-1][:4]}</a>" for p in [*served, redirect]]
    anchors += hostile_links(f"127.0.0.1:{site.port}")
    site.expect_request("/inicio/estadisticas").respond_with_data(
        "<!DOCTYPE html><html><body><ul>" + "".join(f"<li>{a}</li>" for a in anchors) + "</ul></body></html>",
        content_type="text/html; charset=utf-8")
    warehouse = pg.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    data = folder / "data"
    code, out, err = finish(darien(*run_args(site.url_for("/inicio/estadisticas"), warehouse, data),
                                   # Two at a time: a good document's parse goes on beside a worker a hostile one kills.
                                   env={**request.getfixturevalue("darien_env"), "DARIEN_WORKERS": "2"}),
                            timeout=240)
    flow_run = re.search(r"/runs/flow-run/([0-9a-f-]{36})", err)
    yield dict(code=code, out=out, err=err, warehouse=pg, data=data, api=prefect_api,
               flow_run=flow_run.group(1) if flow_run else None, site=site)
    site.clear()


@pytest.fixture(scope="module")
def pg_module_url():
    """A fresh PostgreSQL schema for the module's one run (the pg_url fixture, module-wide)."""
    with pg_schema() as url:
        yield url


pytestmark = [pytest.mark.prefect, pytest.mark.postgres]


def test_good_published_broken_named_exit_3(outcome):
    assert outcome["code"] == 3, outcome["err"][-3000:]
    ledger = statuses(outcome["warehouse"])
    assert ledger["IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf"] == "loaded"
    assert ledger["IRREGULARES_POR_DARIEN_2021.pdf"] == "failed"  # CRLF: no text left
    assert ledger["IRREGULARES_POR_DARIEN_2020.pdf"] == "failed"  # encrypted
    assert ledger["IRREGULARES_POR_DARIEN_2019.pdf"] == "refused"  # zero bytes: refused on arrival
    problems = [line for line in outcome["err"].splitlines() if line.startswith(("failed: ", "quarantined: "))]
    assert any("IRREGULARES_POR_DARIEN_2021.pdf" in p and "CRLF" in p for p in problems)
    assert any("IRREGULARES_POR_DARIEN_2020.pdf" in p and "encrypted" in p for p in problems)
    assert "IRREGULARES_POR_DARIEN_2019.pdf: refused: content is not a PDF" in outcome["err"]
    venezuela = query(outcome["warehouse"], "SELECT SUM(persons) FROM darien_transit"
                      " WHERE year = 2022 AND breakdown = 'country' AND category = 'VEN'")
    assert venezuela == [(VENEZUELA_2022,)]


def test_injected_label_is_quarantined_as_unmapped_and_the_table_is_intact(outcome):
    ledger = statuses(outcome["warehouse"])
    assert ledger["transito-irregular-por-darien-2023.html"] == "quarantined"
    error = query(outcome["warehouse"], "SELECT error FROM etl_documents WHERE url LIKE '%.html'")[0][0]
    assert "UNMAPPED" in error or INJECTION in error
    assert query(outcome["warehouse"], "SELECT COUNT(*) FROM darien_transit WHERE year = 2022") == [(612,)]
    assert query(outcome["warehouse"], "SELECT COUNT(*) FROM darien_transit WHERE year = 2023") == [(0,)]


def test_redirect_to_a_private_address_is_refused_before_connecting(outcome):
    rows = query(outcome["warehouse"], "SELECT status, error FROM etl_documents WHERE url LIKE '%2018.pdf'")
    assert len(rows) == 1 and rows[0][0] == "refused"
    assert "redirect to http://169.254.169.254/" in rows[0][1] and "refused" in rows[0][1]
    hops = [r.path for r, _ in outcome["site"].log]
    assert hops.count("/hop") == 1  # the hop on the allowed host was followed once, the next one refused


def test_hostile_links_are_not_followed(outcome):
    urls = [u for (u,) in query(outcome["warehouse"], "SELECT url FROM etl_documents")]
    assert all(u.startswith("http://127.0.0.1:") for u in urls), urls
    assert len(urls) == 7  # the six served, and `../` resolved on the allowed host (a 404 there)
    asked = {r.path for r, _ in outcome["site"].log}
    assert not [p for p in asked if "passwd" in p or "MOVIMIENTO" in p or "9999" in p]
    assert "documents: 7 found" in outcome["out"]


def test_the_password_appears_nowhere(outcome):
    assert PASSWORD not in outcome["out"] and PASSWORD not in outcome["err"]
    for table in ("etl_documents", "etl_loads", "darien_transit"):
        assert PASSWORD not in repr(query(outcome["warehouse"], f"SELECT * FROM {table}")), table
    for path in outcome["data"].rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    assert outcome["flow_run"], "no flow run id in the logs"
    where = {"flow_run_id": {"any_": [outcome["flow_run"]]}}
    artifacts = requests.post(f"{outcome['api']}/artifacts/filter", json={"artifacts": where}, timeout=10).json()
    logs = requests.post(f"{outcome['api']}/logs/filter", json={"logs": where}, timeout=10).json()
    assert artifacts and logs
    assert PASSWORD not in json.dumps([artifacts, logs])


def test_the_password_is_not_a_stored_flow_parameter(outcome):
    runs = requests.post(f"{outcome['api']}/flow_runs/filter",
                         json={"flow_runs": {"id": {"any_": [outcome["flow_run"]]}}}, timeout=10).json()
    assert runs and PASSWORD not in json.dumps(runs)

