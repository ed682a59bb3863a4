"""The ``papers`` command: import listings, check the archive, export it, generate pages without MkDocs."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .archive import WRITE_WAIT_SECONDS, Archive
from .catalog import curated_tags
from .config import Settings, load_settings
from .errors import PapersError, Problem, ProblemsError
from .ingest import import_sources
from .site import export_rows, generate, resolve_curated
from .tagging import auto_tags, explain, format_explanation, load_taxonomy

log = logging.getLogger("papers")


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papers", description="Curate a Papers Archive and generate its site.")
    parser.add_argument("--config-file", "-f", type=Path, default=Path("mkdocs.yml"), help="the site's mkdocs.yml (default: ./mkdocs.yml)")
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="add the papers of scraped Hugging Face Papers listings to the archive")
    imp.add_argument("listings", nargs="+", type=Path, metavar="LISTING.txt")
    when = imp.add_mutually_exclusive_group()
    when.add_argument("--date", type=_date_arg, help="the listing's full date, YYYY-MM-DD (its header has no year)")
    when.add_argument("--year", type=int, help="the year of the listing's date header")
    imp.add_argument("--today", type=_date_arg, help=argparse.SUPPRESS)  # for tests: the date "today" resolves against
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid entries and list the skipped ones")
    imp.add_argument("--verbose", "-v", action="store_true", help="list every id added or already present, not the first 10")
    imp.add_argument("--wait", type=float, default=WRITE_WAIT_SECONDS, metavar="SECONDS", help="how long to wait for another writer (default: %(default)g)")

    sub.add_parser("check", help="validate every record of the archive and list every problem")

    exp = sub.add_parser("export", help="print the archive as machine-readable data")
    exp.add_argument("--json", action="store_true", required=True, help="a JSON array, one object per paper")

    tags = sub.add_parser("tags", help="the tag vocabulary and the tagger")
    tags_sub = tags.add_subparsers(dest="tags_command", required=True)
    explain = tags_sub.add_parser("explain", help="why each tag was given to a paper or refused")
    explain.add_argument("id", metavar="ID")

    gen = sub.add_parser("generate", help="write the generated Markdown pages to a folder, for use without the plugin")
    gen.add_argument("--out", type=Path, required=True, metavar="DIR")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config_file)


def summary(ids: Sequence[str], *, verbose: bool, shown: int = 10) -> str:
    """``ids`` as one line: all of them with ``verbose``, else the first ``shown`` and how many more."""
    if verbose or len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} … and {len(ids) - shown} more (--verbose lists them all)"


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings(args)
    result = import_sources(
        Archive(settings.archive, log=log),
        args.listings,
        today=args.today or date.today(),
        on_date=args.date,
        year=args.year,
        skip_invalid=args.skip_invalid,
        holder=shlex.join(["papers", *args.argv]),
        wait=args.wait,
    )
    added = [r.id for r in result.added]
    print(f"added {len(added)}" + (f": {summary(added, verbose=args.verbose)}" if added else ""))
    present = sorted({i for _, i in result.present})
    print(f"already present {len(present)}" + (f": {summary(present, verbose=args.verbose)}" if present else ""))
    if result.problems:
        print(f"skipped {len(result.problems)} problem(s):")
        for problem in result.problems:
            print(f"  {problem}")
    else:
        print("problems 0")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    archive = Archive(settings.archive, log=log)
    records, problems = archive.scan()
    try:  # the valid records are checked further (tags, note links), so every problem shows at once
        generate(settings, records, feeds=False, log=log)
    except ProblemsError as exc:
        problems += exc.problems
    if problems:
        raise ProblemsError(problems, f"the archive {archive.display(settings.archive)} has {len(problems)} problem(s)")
    print(f"ok: {len(records)} records in {archive.display(settings.archive)}, no problems")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    catalog = generate(_settings(args), feeds=False, log=log).catalog
    json.dump(export_rows(catalog), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    site = generate(_settings(args), log=log)
    out: Path = args.out
    for src, markdown in site.pages.items():
        target = out / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
    for src, content in site.files.items():
        target = out / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    print(f"wrote {len(site.pages)} pages and {len(site.files)} files to {out}")
    return 0


def cmd_tags(args: argparse.Namespace) -> int:
    settings = _settings(args)
    taxonomy = load_taxonomy(settings.taxonomy)
    archive = Archive(settings.archive, log=log)
    records = {r.id: r for r in archive.load()}
    record = records.get(args.id)
    if record is None:
        close = ", ".join(sorted(i for i in records if args.id in i)[:5])
        raise PapersError(f"no paper with id {args.id!r}" + (f"; did you mean: {close}" if close else "; see `papers export --json`"))
    verdicts = explain(taxonomy, record.title, record.abstract)
    problems: list[Problem] = []
    add, remove = resolve_curated(record, taxonomy, archive.locate, problems)
    if problems:
        raise ProblemsError(problems)
    final = curated_tags(record, auto_tags(taxonomy, record.title, record.abstract), add=add, remove=remove)
    print(f"{record.id}: {record.title}")
    print(f"final tags: {', '.join(final) or '(none)'}\n")
    print(format_explanation(taxonomy, verdicts, added=add, removed=remove))
    return 0


COMMANDS = {"import": cmd_import, "check": cmd_check, "export": cmd_export, "generate": cmd_generate, "tags": cmd_tags}


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM ends us like Ctrl-C does: through the same clean-up, never half-done.
    raise KeyboardInterrupt


def _configure_logging() -> None:
    """What the core says (a recovered write, a cache it cannot use) goes to stderr as ``papers: …``."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("papers: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    _configure_logging()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return COMMANDS[args.command](args)
    except ProblemsError as exc:
        print(f"papers {args.command}: {exc.report()}", file=sys.stderr)
        return 1
    except PapersError as exc:
        print(f"papers {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Whatever was interrupted, the archive holds a whole write or none of it (see journal.py).
        print(f"papers {args.command}: interrupted; nothing was left half-done", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `papers export --json | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"papers {args.command}: {where}{exc.strerror}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
