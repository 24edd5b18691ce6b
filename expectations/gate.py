"""Validate one batch against every suite, and turn GX's results into a Verdict."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from darien.contract import PIPELINE_VERSION, SUITES_VERSION, Batch
from expectations.frames import (
    annual_frame, annual_sums_frame, batch_frame, categories_frame, changes_frame, schema_frame,
)
from expectations.report import offenders, one_line
from expectations.suites import ANNUAL_FRAMES, FRAMES, JUMP_FLOOR, SUITES
from expectations.verdict import Verdict
from expectations.versions import continuity

OFFENDING = 5  # offending rows a verdict keeps for the operator to read (the Data Docs page has them all)


def validate(batch: Batch, *, gx_dir: Path, docs_dir: Path, jump_factor: float = 10.0,
             previous: pd.DataFrame | None = None, accepted: bool = False) -> Verdict:
    """Run every suite on `batch`, keep its Data Docs pages in docs_dir, and say whether it may load.

    The annual suites run only when the batch has annual rows (summary: "skipped" otherwise).

    `previous` is the year_totals of the version loaded from the same URL (None: none was).
    What `batch` would erase of it (expectations.continuity) fails the batch like a critical
    expectation, after the suites' failures, unless an operator `accepted` this exact version:
    then those lines are kept in summary["accepted"]. Either way summary["continuity"] lists
    them; GX's Data Docs do not show them (no suite runs them).
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier)

    from expectations.context import open_gate

    frames = {
        "schema": schema_frame(batch),
        "batch": batch_frame(batch),
        "rows": _with_index_columns(batch.rows, FRAMES["rows"]),
        "categories": categories_frame(batch.rows),
        "reconciliation": _with_index_columns(batch.reconciliation, FRAMES["reconciliation"]),
        "changes": changes_frame(batch.rows),
        "annual": _with_index_columns(annual_frame(batch), FRAMES["annual"]),
        "annual_sums": annual_sums_frame(batch),
    }
    parameters = {"max_year": date.today().year, "jump_factor": float(jump_factor)}
    gate = open_gate(Path(gx_dir), Path(docs_dir))
    # The run name ties every Data Docs page of this validation to its document.
    run_id = RunIdentifier(run_name=f"{batch.year}-{batch.source_sha256[:12]}",
                           run_time=datetime.now(timezone.utc))
    results = {}
    with gate.locked():
        for frame, checkpoint in gate.checkpoints.items():
            if frame in ANNUAL_FRAMES and frames["annual"].empty:
                continue  # no annual rows: nothing for those suites to judge (GX costs ~0.02 s an expectation)
            # What Checkpoint.run does for a checkpoint without actions, less its freshness
            # check (it re-serialises every suite, about a quarter of the cost): open_gate
            # has just made the checkpoints fresh.
            for definition in checkpoint.validation_definitions:
                suite_result = definition.run(
                    checkpoint_id=checkpoint.id, batch_parameters={"dataframe": frames[frame]},
                    expectation_parameters=parameters, result_format=checkpoint.result_format,
                    run_id=run_id)
                identifier = ValidationResultIdentifier(
                    expectation_suite_identifier=ExpectationSuiteIdentifier(name=definition.suite.name),
                    run_id=run_id, batch_identifier=suite_result.batch_id)
                results[definition.suite.name] = (identifier, suite_result)
        names = list(results)
        pages = gate.write_pages([results[n][0] for n in names], [results[n][1] for n in names])
        urls = dict(zip(names, pages))
    return _verdict(results, urls, parameters, run_id.run_name, continuity(batch, previous), accepted)


def _with_index_columns(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`df` as GX should see it: a unique index, and every column that names a row (empty if missing).

    A missing column fails the schema suite first; adding it empty lets the others still run.
    """
    if not df.index.is_unique:
        # GX finds offending rows by index label: a repeated label would name many rows.
        df = df.reset_index(drop=True)
    missing = [c for c in columns if c not in df.columns]
    return df.assign(**{c: None for c in missing}) if missing else df


def _verdict(results: dict, urls: dict, parameters: dict, run_name: str,
             erased: list[str], accepted: bool) -> Verdict:
    failures: list[str] = []
    warnings: list[str] = []
    offending: list[str] = []
    suites: dict[str, dict] = {}
    first_failing_suite = None
    for name, (frame, _) in SUITES.items():
        if name not in results:
            suites[name] = {"success": True, "evaluated": 0, "failed": 0, "docs_url": None,
                            "expectations": [], "skipped": f"the batch has no {frame} rows"}
            continue
        _, suite_result = results[name]
        expectations = []
        for result in suite_result.results:
            config = result.expectation_config
            severity = getattr(config.severity, "value", config.severity) or "critical"
            entry = {
                "type": config.type,
                "column": config.kwargs.get("column") or config.kwargs.get("column_list"),
                "severity": severity,
                "success": bool(result.success),
                "unexpected_count": int((result.result or {}).get("unexpected_count") or 0),
            }
            expectations.append(entry)
            if result.success:
                continue
            found = offenders(name, result)
            if severity == "critical":
                failures.append(one_line(found))
                offending.extend(found[:OFFENDING])
                first_failing_suite = first_failing_suite or name
            else:
                # A warning is a fact about one month of one category: one line each.
                warnings.extend(found)
        suites[name] = {
            "success": all(e["success"] or e["severity"] != "critical" for e in expectations),
            "evaluated": len(expectations),
            "failed": sum(not e["success"] for e in expectations),
            "docs_url": urls.get(name),
            "expectations": expectations,
        }
    # Continuity is no GX suite: its lines follow the suites' failures, and an operator's
    # acceptance of this exact version turns them into a record instead.
    if not accepted:
        failures.extend(erased)
        offending.extend(erased)
    summary = {
        "success": not failures,
        "suites_version": SUITES_VERSION,
        "pipeline_version": PIPELINE_VERSION,
        "run_name": run_name,
        "parameters": {**parameters, "jump_floor": JUMP_FLOOR},
        "failures": len(failures),
        "warnings": len(warnings),
        "suites": suites,
        "continuity": erased,
        "accepted": erased if accepted else [],
    }
    # The page to link: the first failing suite's, else the first suite's (the schema).
    docs_url = urls.get(first_failing_suite or next(iter(SUITES)))
    return Verdict(success=not failures, failures=failures, warnings=warnings,
                   summary=summary, docs_url=docs_url, offending=offending[:OFFENDING])
