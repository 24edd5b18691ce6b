"""The landing zone under a file-size limit (RLIMIT_FSIZE): a clear error, and no partial file under a final name."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from tests.real_documents import REAL_2022
FETCH = """
import sys
from pathlib import Path
import extract
link = extract.Link(url=sys.argv[1], text="IRREGULARES POR DARIEN 2022", source=sys.argv[1], kind="pdf", year=2022)
version = extract.fetch(link, None, raw_dir=Path(sys.argv[2]))
print(version.fetch, version.error, flush=True)
"""


def limit_file_size(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_landing_write_failing_part_way_leaves_no_partial_file(site, tmp_path):
    big = REAL_2022.read_bytes() * 4  # 2.8 MB: larger than the limit below
    site.expect_request("/images/img2022/pdf/IRREGULARES_POR_DARIEN_2022.pdf").respond_with_data(
        big, content_type="application/pdf")
    raw = tmp_path / "raw"
    done = subprocess.run(
        [sys.executable, "-c", FETCH, site.url_for("/images/img2022/pdf/IRREGULARES_POR_DARIEN_2022.pdf"), str(raw)],
        capture_output=True, text=True, cwd=ROOT, preexec_fn=limit_file_size(1024 * 1024), timeout=60)
    message = (done.stdout + done.stderr).strip().splitlines()[-1]
    assert "IRREGULARES_POR_DARIEN_2022.pdf" in message and ("File too large" in message or "EFBIG" in message), \
        done.stdout + done.stderr
    names = [p.name for p in raw.iterdir()] if raw.exists() else []
    assert not [n for n in names if n.endswith(".pdf")], names  # no partial file under a final name
