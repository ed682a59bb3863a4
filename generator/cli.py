"""The ``papers`` command: import listings, check the archive, export it, generate pages without MkDocs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .archive import Archive
from .catalog import curated_tags
from .config import Settings, load_settings
from .errors import PapersError, Problem, ProblemsError
from .ingest import import_listings
from .site import export_rows, generate, resolve_curated
from .tagging import auto_tags, explain, format_explanation, load_taxonomy


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


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings(args)
    result = import_listings(
        Archive(settings.archive),
        args.listings,
        today=args.today or date.today(),
        on_date=args.date,
        year=args.year,
        skip_invalid=args.skip_invalid,
    )
    print(f"added {len(result.added)}" + (f": {', '.join(r.id for r in result.added)}" if result.added else ""))
    present = sorted({i for _, i in result.present})
    print(f"already present {len(present)}" + (f": {', '.join(present)}" if present else ""))
    if result.problems:
        print(f"skipped {len(result.problems)} problem(s):")
        for problem in result.problems:
            print(f"  {problem}")
    else:
        print("problems 0")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    archive = Archive(settings.archive)
    records, problems = archive.scan()
    try:  # the valid records are checked further (tags, note links), so every problem shows at once
        generate(settings, records, feeds=False)
    except ProblemsError as exc:
        problems += exc.problems
    if problems:
        raise ProblemsError(problems, f"the archive {archive.display(settings.archive)} has {len(problems)} problem(s)")
    print(f"ok: {len(records)} records in {archive.display(settings.archive)}, no problems")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    catalog = generate(_settings(args), feeds=False).catalog
    json.dump(export_rows(catalog), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    site = generate(_settings(args))
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
    records = {r.id: r for r in Archive(settings.archive).load()}
    record = records.get(args.id)
    if record is None:
        close = ", ".join(sorted(i for i in records if args.id in i)[:5])
        raise PapersError(f"no paper with id {args.id!r}" + (f"; did you mean: {close}" if close else "; see `papers export --json`"))
    verdicts = explain(taxonomy, record.title, record.abstract)
    problems: list[Problem] = []
    add, remove = resolve_curated(record, taxonomy, record.id, problems)
    if problems:
        raise ProblemsError(problems)
    final = curated_tags(record, auto_tags(taxonomy, record.title, record.abstract), add=add, remove=remove)
    print(f"{record.id}: {record.title}")
    print(f"final tags: {', '.join(final) or '(none)'}\n")
    print(format_explanation(taxonomy, verdicts, added=add, removed=remove))
    return 0


COMMANDS = {"import": cmd_import, "check": cmd_check, "export": cmd_export, "generate": cmd_generate, "tags": cmd_tags}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ProblemsError as exc:
        print(f"papers {args.command}: {exc.report()}", file=sys.stderr)
        return 1
    except PapersError as exc:
        print(f"papers {args.command}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `papers export --json | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"papers {args.command}: {where}{exc.strerror}", file=sys.stderr)
        return 1
