"""The `darien` command: run, backfill, parse, status.

Exit codes, the same for every command: 0 done; 1 failed; 2 usage or configuration error;
3 finished but some documents were quarantined or failed (named on stderr); 75 another
run holds the warehouse. Errors are one line on stderr; a traceback only with --debug.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from cli import backup
from darien.config import ConfigError, settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_LOCKED = 0, 1, 2, 3, 75


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors already; keep one line
        self.exit(EXIT_USAGE, f"darien: {message}\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", help="index URL(s) or folder(s), comma-separated (DARIEN_SOURCE_URL)")
    p.add_argument("--warehouse", help="SQLAlchemy URL of the warehouse (DARIEN_WAREHOUSE_URL)")
    p.add_argument("--data-dir", help="raw files, quarantine, docs (DARIEN_DATA_DIR)")


def _warehouse_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", help="SQLAlchemy URL of the warehouse (DARIEN_WAREHOUSE_URL)")
    p.add_argument("--data-dir", help="(DARIEN_DATA_DIR)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="darien", description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="the nightly job once: crawl, parse, validate, publish")
    _common(run)
    run.set_defaults(func=cmd_run)

    backfill = sub.add_parser("backfill", help="publish a range of years from a source")
    _common(backfill)
    backfill.add_argument("--from-year", type=int, required=True)
    backfill.add_argument("--to-year", type=int, required=True)
    backfill.add_argument("--force", action="store_true",
                          help="re-parse and re-validate documents already loaded")
    backfill.set_defaults(func=cmd_backfill)

    parse = sub.add_parser("parse", help="print the contract rows of local documents")
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.add_argument("--format", choices=("csv", "json"), default="csv")
    parse.set_defaults(func=cmd_parse)

    report = sub.add_parser("report", help="write a chart and a news-style summary of a year, or the series since 2010")
    _warehouse_options(report)
    what = report.add_mutually_exclusive_group()
    what.add_argument("--year", type=int, help="default: the newest year loaded")
    what.add_argument("--series", action="store_true",
                      help="annual totals by region from 2010 to the newest year: series.png and series.md")
    report.add_argument("--out", default="report", help="folder to write into (default: report/)")
    report.set_defaults(func=cmd_report)

    status = sub.add_parser("status", help="last loads, newest as_of per year, quarantined documents")
    _warehouse_options(status)
    status.set_defaults(func=cmd_status)

    reprocess = sub.add_parser("reprocess", help="parse, validate and publish stored documents again")
    reprocess.add_argument("sha256", nargs="*", help="sha256 (or a unique prefix) of document versions")
    reprocess.add_argument("--quarantined", action="store_true", help="every quarantined or failed document")
    reprocess.add_argument("--accept", action="append", default=[], metavar="SHA256",
                           help="publish this version (sha256 or a unique prefix) despite the years it drops or the"
                                " final totals it changes against the version of its URL loaded before it")
    _warehouse_options(reprocess)
    reprocess.set_defaults(func=cmd_reprocess)

    verify = sub.add_parser("verify", help="re-hash the landing zone against the ledger; exit 3 if a file is missing or damaged")
    _warehouse_options(verify)
    verify.set_defaults(func=cmd_verify)

    serve = sub.add_parser("serve", help="serve the nightly and backfill deployments to PREFECT_API_URL")
    serve.set_defaults(func=cmd_serve)

    backup.add_parser(sub)

    deploy = sub.add_parser("deploy", help="register the deployments for the workers of a Prefect work pool")
    deploy.add_argument("--work-pool", required=True, help="a process work pool on PREFECT_API_URL's server")
    deploy.set_defaults(func=cmd_deploy)
    return parser


def _flow_settings(args) -> dict:
    """Flow parameters from the options. The warehouse URL travels in the environment instead:
    Prefect stores and shows flow-run parameters, and the URL may carry a password."""
    if args.warehouse:
        os.environ["DARIEN_WAREHOUSE_URL"] = args.warehouse
    return dict(source=getattr(args, "source", None), data_dir=args.data_dir)


def _finish(summary) -> int:
    from darien.contract import shown_url

    for line in summary.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for problem in summary.problems:
        print(f"{problem.status}: {shown_url(problem.url)}: {problem.reason}", file=sys.stderr)
    for line in summary.lines():
        print(line)
    return EXIT_PARTIAL if summary.problems else EXIT_OK


def cmd_run(args) -> int:
    settings(sources=args.source, warehouse_url=args.warehouse, data_dir=args.data_dir)  # fail early
    from flows.nightly import nightly

    return _finish(_call_flow(nightly, **_flow_settings(args)))


def cmd_backfill(args) -> int:
    if args.from_year > args.to_year:
        raise ConfigError(f"--from-year {args.from_year} is after --to-year {args.to_year}")
    from flows import progress
    from flows.backfill import backfill

    with progress.shown(f"backfill {args.from_year}-{args.to_year}"):
        summary = _call_flow(backfill, from_year=args.from_year, to_year=args.to_year,
                             force=args.force, **_flow_settings(args))
    return _finish(summary)


def _call_flow(flow: Callable, **params):
    """Run a flow and hand back its result, or raise the exception that failed it.

    Tagged as the deployments' runs are, so that the alert automations match it too.
    """
    from prefect import tags

    from flows.alerts import TAG

    with tags(TAG):
        state = flow(return_state=True, **params)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return result


def cmd_parse(args) -> int:
    import pandas as pd

    import transform

    frames, status = [], EXIT_OK
    for name in args.files:
        try:
            frames.append(transform.parse_document(_existing(name)).rows)
        except (transform.ParseError, FileNotFoundError) as err:
            print(str(err), file=sys.stderr)
            status = EXIT_FAILED
    if frames:
        rows = pd.concat(frames, ignore_index=True)
        if args.format == "csv":
            rows.to_csv(sys.stdout, index=False)
        else:
            rows.to_json(sys.stdout, orient="records", date_format="iso", force_ascii=False)
            sys.stdout.write("\n")
    return status


def cmd_report(args) -> int:
    from pathlib import Path

    import load
    import report

    cfg = settings(warehouse_url=args.warehouse, data_dir=args.data_dir)
    with load.connected(cfg.warehouse) as engine:
        if args.series:
            png, md = report.series.write(engine, Path(args.out))
        else:
            png, md = report.write(engine, Path(args.out), args.year)
    print(md.read_text(encoding="utf-8"))
    print(f"wrote {md} and {png}")
    return EXIT_OK


def cmd_status(args) -> int:
    import extract
    import load
    import report

    cfg = settings(warehouse_url=args.warehouse, data_dir=args.data_dir)
    with load.connected(cfg.warehouse) as engine:
        load.ensure_schema(engine)
        print(report.status(engine, present=extract.landing.listing(cfg.raw_dir), data_dir=cfg.data_dir).markdown())
    return EXIT_OK


def cmd_verify(args) -> int:
    import extract
    import load
    from darien.contract import published_name

    cfg = settings(warehouse_url=args.warehouse, data_dir=args.data_dir)
    with load.connected(cfg.warehouse) as engine:
        load.ensure_schema(engine)
        versions = {row.sha256: row for row in load.ledger.kept(engine)}  # skipped and pruned: no file on purpose
    files = extract.landing.listing(cfg.raw_dir)
    bad = 0
    for sha256, row in versions.items():
        path = files.get(sha256)
        trouble = "missing" if path is None else None if extract.landing.intact(path, sha256) else "damaged"
        if trouble:
            bad += 1
            expected = cfg.raw_dir / f"{sha256}.{row.kind or 'pdf'}"
            print(f"{trouble}: {published_name(row.url) or row.url} (sha256 {sha256}) from {row.url}: "
                  f"restore {expected} from a backup, or a run fetches it again when it must read it")
    print(f"verified {len(versions)} raw file(s) in {cfg.raw_dir}: {bad} missing or damaged")
    return EXIT_PARTIAL if bad else EXIT_OK


def cmd_reprocess(args) -> int:
    if not args.sha256 and not args.quarantined and not args.accept:
        raise ConfigError("name a sha256 or use --quarantined or --accept SHA256")
    from flows.reprocess import reprocess

    params = _flow_settings(args)
    params.pop("source")
    return _finish(_call_flow(reprocess, sha256=args.sha256, quarantined=args.quarantined, accept=args.accept,
                              **params))


def cmd_serve(args) -> int:
    from flows import alerts
    from flows.deployments import nightly_schedule, serve

    nightly_schedule(), alerts.webhook_url()  # a bad setting stops here, before the server is touched
    print(alerts.configure(), flush=True)
    serve()
    return EXIT_OK


def cmd_deploy(args) -> int:
    from flows import alerts
    from flows.deployments import nightly_schedule, register

    nightly_schedule(), alerts.webhook_url()  # a bad setting stops here, before the server is touched
    print(alerts.configure())
    for deployment_id in register(args.work_pool):
        print(f"registered deployment {deployment_id} for work pool {args.work_pool}")
    return EXIT_OK


def _existing(name: str):
    from pathlib import Path

    path = Path(name)
    if not path.is_file():
        raise FileNotFoundError(f"{name}: no such file")
    return path


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "extract,transform,load,expectations")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or a usage error (2), already printed
        return int(done.code or 0)
    try:
        return args.func(args)
    except Exception as err:  # one line for the user; the traceback with --debug
        if args.debug:
            raise
        code = exit_code(err)
        print(f"darien: {err}", file=sys.stderr)
        return code


def exit_code(err: BaseException) -> int:
    """The exit code an exception stands for."""
    if isinstance(err, ConfigError):
        return EXIT_USAGE
    from load import WarehouseLocked

    if isinstance(err, WarehouseLocked):
        return EXIT_LOCKED
    return EXIT_FAILED

