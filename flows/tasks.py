"""The run's Prefect tasks, each a thin wrapper over plain functions of a stage package.

Tasks take and return plain values (URLs, paths, dataclasses); none caches its inputs
(`cache_policy=NONE`): engines and DataFrames are not hashable inputs and a rerun must
really look at the source again. One document's task is in `flows.document`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from prefect import task
from prefect.cache_policies import NONE

import extract
import load
from darien.config import Settings
from darien.contract import DocumentVersion, shown_url
from flows.outcomes import failed, run_logger

NETWORK_RETRIES = dict(retries=2, retry_delay_seconds=[2, 10])


@task(name="prepare warehouse", cache_policy=NONE)
def prepare_warehouse(cfg: Settings) -> None:
    """Create or migrate the warehouse tables."""
    try:
        engine = load.connect(cfg.warehouse)
    except load.WarehouseError as err:
        # Expected (a DuckDB file held by another process): one line, not the task engine's traceback.
        return failed(err)
    try:
        load.ensure_schema(engine)
    finally:
        engine.dispose()


@task(name="discover", task_run_name="discover {source}", cache_policy=NONE, **NETWORK_RETRIES)
def discover(cfg: Settings, source: str, session: requests.Session) -> list[extract.Link]:
    """The documents one index page or folder lists."""
    return extract.discover(source, session=session, allowed_hosts=cfg.allowed_hosts)


@task(name="fetch", task_run_name="fetch {source}", cache_policy=NONE)
def fetch_all(cfg: Settings, source: str, links: list[extract.Link],
              previous: dict[str, DocumentVersion], session: requests.Session) -> list[DocumentVersion]:
    """Fetch what changed among one source's documents and record every attempt in the ledger.

    One task per source, not per document: a nightly mostly hears "not modified", and a
    Prefect task run per document would cost more than the requests themselves. Retries
    live in the session (urllib3), per request.
    """
    def one(link: extract.Link) -> DocumentVersion:
        return extract.fetch(link, previous.get(link.url), raw_dir=cfg.raw_dir, session=session,
                             allowed_hosts=cfg.allowed_hosts, max_bytes=cfg.max_document_bytes)

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(one, links))
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.record_fetches(engine, versions)
    finally:
        engine.dispose()
    logger = run_logger()
    for version in versions:
        if version.error:
            logger.warning(version.error)
        elif version.fetch == "downloaded":
            logger.info("downloaded %s (%s)", shown_url(version.url), (version.sha256 or "")[:6])
    return versions
