"""The file-backed GX context under gx_dir: data source, suites and checkpoints, set up once per process.

Setting up is idempotent across runs and processes: a second run finds what the first one
made and only rewrites a suite whose definition changed in code. A file lock keeps two
processes sharing one gx_dir from setting it up at the same time.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from expectations.suites import FRAMES, SUITES, build_suites, expectation_configs

SITE = "darien"
# The Data Docs index lists this many of the newest validation pages (every page stays on
# disk): GX reads each listed result back from its store whenever the index is rebuilt,
# so an unbounded index makes each validation slower than the last.
INDEX_LIMIT = 210
DATASOURCE = "darien"
BATCH_DEFINITION = "whole"


class GateError(RuntimeError):
    """The GX context under gx_dir cannot be opened or set up (the message names the folder)."""


_cache: dict[tuple[Path, Path], Gate] = {}
_cache_lock = threading.Lock()


@dataclass
class Gate:
    """An open GX context, one checkpoint per frame, and the Data Docs site, ready to run."""

    context: object
    checkpoints: dict[str, object]
    site: object  # GX's SiteBuilder for docs_dir, kept so its Jinja templates compile once

    def write_pages(self, identifiers: list, results: list) -> list[str]:
        """Render one Data Docs page per validation result into the site; their file:// URLs.

        GX's own build_data_docs lists every result ever stored (twice) to render one page,
        which makes each validation slower than the last; rendering the run's own results
        with GX's renderer and view is what it would do for them, without the listing.
        """
        from great_expectations.data_context.types.resource_identifiers import SiteSectionIdentifier

        section = self.site.site_section_builders["validations"]
        urls = []
        for identifier, result in zip(identifiers, results):
            page = section.view_class.render(
                section.renderer_class.render(result),
                data_context_id=section.data_context_id,
                show_how_to_buttons=False,
            )
            key = SiteSectionIdentifier(site_section_name="validations", resource_identifier=identifier)
            section.target_store.set(key, page)
            urls.append(self.site.get_resource_url(resource_identifier=identifier, only_if_exists=False))
        return urls

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the context while a validation runs: a GX context is not thread-safe.

        Processes need no lock here: every file a validation writes (its results, its
        pages) is keyed by its own run, so validator processes run side by side.
        """
        with _cache_lock:
            yield


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_gate(gx_dir: Path, docs_dir: Path) -> Gate:
    """The GX context under gx_dir with its Data Docs site in docs_dir, cached per process."""
    key = (Path(gx_dir).resolve(), Path(docs_dir).resolve())
    with _cache_lock:
        gate = _cache.get(key)
        if gate is None:
            try:
                with _file_lock(key[0] / ".darien.lock"):
                    gate = _cache[key] = _set_up(*key)
            except Exception as error:
                reason = " ".join(str(error).split())[:300] or type(error).__name__
                raise GateError(f"{key[0]}: cannot set up the Great Expectations context: {reason}") from error
        return gate


def _set_up(gx_dir: Path, docs_dir: Path) -> Gate:
    # GX would otherwise send usage statistics: no traffic may leave the machine.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = gx.get_context(mode="file", context_root_dir=gx_dir)
    if _configure(context, docs_dir, ProgressBarsConfig):
        # Some settings (the config variables file) only take effect when the context opens.
        context = gx.get_context(mode="file", context_root_dir=gx_dir)

    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(name=DATASOURCE)
    batch_definitions = {}
    for frame in FRAMES:
        try:
            asset = source.get_asset(frame)
        except LookupError:
            asset = source.add_dataframe_asset(name=frame)
        try:
            batch_definitions[frame] = asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            batch_definitions[frame] = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)

    definitions: dict[str, list] = {frame: [] for frame in FRAMES}
    for suite in build_suites():
        suite = _save_suite(context, suite)
        frame = SUITES[suite.name][0]
        definitions[frame].append(_validation_definition(context, gx, suite, batch_definitions[frame]))

    checkpoints = {}
    for frame, index_columns in FRAMES.items():
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": index_columns}
        checkpoints[frame] = _checkpoint(context, gx, f"darien_{frame}", definitions[frame], result_format)
    site = context._init_site_builder_for_data_docs_site_creation(
        site_name=SITE, site_config=context.variables.data_docs_sites[SITE])
    # Once per process: static assets, the suites' pages and the index of earlier runs'
    # pages (a run's own pages join the index when the next process starts).
    site.build(resource_identifiers=[ExpectationSuiteIdentifier(name=name) for name in SUITES])
    return Gate(context=context, checkpoints=checkpoints, site=site)


def _configure(context, docs_dir: Path, progress_bars_config) -> bool:
    """Point the Data Docs site at docs_dir, turn off analytics and progress bars; say if it changed."""
    sites = {SITE: {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "validation_results_limit": INDEX_LIMIT},
    }}
    variables = context.variables
    quiet = progress_bars_config(globally=False, metric_calculations=False)
    bars = variables.progress_bars  # a ProgressBarsConfig when set here, a dict when read from disk
    bars = dict(vars(bars) if bars is not None and not isinstance(bars, dict) else bars or {})
    if (variables.data_docs_sites != sites or variables.analytics_enabled is not False
            or bars.get("globally", True) or variables.config_variables_file_path):
        variables.data_docs_sites = sites
        variables.analytics_enabled = False
        variables.progress_bars = quiet
        # We keep no secrets there, and GX would re-read and parse that YAML file some
        # 200 times per validation (a fifth of its cost).
        variables.config_variables_file_path = None
        variables.save()
        return True
    return False


def _save_suite(context, suite):
    """Store `suite` unless the stored one already has the same expectations."""
    try:
        stored = context.suites.get(suite.name)
    except Exception:  # GX raises DataContextError for a missing suite
        return context.suites.add(suite)
    if expectation_configs(stored.expectations) == expectation_configs(suite.expectations) and stored.meta == suite.meta:
        return stored
    return context.suites.add_or_update(suite)


def _validation_definition(context, gx, suite, batch_definition):
    """The stored validation definition of `suite` on `batch_definition`, made if missing or stale."""
    try:
        stored = context.validation_definitions.get(suite.name)
        if stored.suite.id == suite.id and stored.data.id == batch_definition.id:
            return stored
    except Exception:  # GX raises DataContextError for a missing definition
        pass
    definition = gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
    return context.validation_definitions.add_or_update(definition)


def _checkpoint(context, gx, name: str, definitions: list, result_format: dict):
    """The stored checkpoint `name`, made if missing or stale."""
    try:
        stored = context.checkpoints.get(name)
        if ([d.id for d in stored.validation_definitions] == [d.id for d in definitions]
                and stored.result_format == result_format and not stored.actions):
            return stored
    except Exception:  # GX raises DataContextError for a missing checkpoint
        pass
    # No UpdateDataDocsAction: it renders each result with a fresh Jinja environment
    # (~0.8 s a page); validate() builds all of a run's pages in one pass instead.
    checkpoint = gx.Checkpoint(name=name, validation_definitions=definitions, actions=[],
                               result_format=result_format)
    return context.checkpoints.add_or_update(checkpoint)
