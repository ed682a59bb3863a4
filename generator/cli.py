"""The ``papers`` command: import listings, check the archive, export it, generate pages without MkDocs."""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import re
import shlex
import signal
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .archive import WRITE_WAIT_SECONDS, Archive, folder_name, problems_in
from .catalog import curated_tags
from .config import Settings, load_settings
from .engines import DEFAULT as DEFAULT_ENGINE
from .engines import ENGINES
from .engines import build as build_with
from .errors import PapersError, Problem, ProblemsError
from .identity import parse_arxiv_id
from .ingest import ImportResult, import_read, import_sources, plan_merges, write_plan
from .records import Record, Source
from .resolve import describe, judge, read_table
from .sources import FORMATS, Found, SourceFile
from .tagging import Taxonomy, load_taxonomy
from .text import plural

if TYPE_CHECKING:
    from .fetch import Network
    from .tagger import Tagging

# The building modules (``site`` and what it imports: scikit-learn, SciPy) are imported by the commands
# that build: an import or a check should not wait a second for them.

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

    imp = sub.add_parser("import", help="add the papers of listings, saved API responses, id lists or BibTeX files to the archive")
    imp.add_argument("listings", nargs="+", type=Path, metavar="FILE", help="a listing, a saved Hugging Face or arXiv response, an id list or a BibTeX file")
    imp.add_argument("--format", choices=FORMATS, help="the files' format (default: recognised by content)")
    when = imp.add_mutually_exclusive_group()
    when.add_argument("--date", type=_date_arg, help="a listing's full date, YYYY-MM-DD (its header has no year); for other formats, the date added")
    when.add_argument("--year", type=int, help="the year of the listing's date header")
    _writer_options(imp)
    _network_options(imp)

    fetch = sub.add_parser("fetch", help="import papers from Hugging Face's daily papers or the arXiv API")
    fetch_sub = fetch.add_subparsers(dest="source", required=True)
    hf = fetch_sub.add_parser("hf", help="a day's (or week's, month's) Hugging Face daily papers; the response is kept in the listings folder")
    period = hf.add_mutually_exclusive_group(required=True)
    period.add_argument("--date", type=_date_arg, help="a day, YYYY-MM-DD")
    period.add_argument("--week", type=_week_arg, help="an ISO week, YYYY-Www (2024-W11)")
    period.add_argument("--month", type=_month_arg, help="a month, YYYY-MM")
    ax = fetch_sub.add_parser("arxiv", help="papers by arXiv id")
    ax.add_argument("ids", nargs="+", type=_arxiv_arg, metavar="ID", help="an arXiv id (2305.13169, cs/0501001) or an arXiv / Hugging Face paper address")
    for command in (hf, ax):
        _writer_options(command)
        _network_options(command)

    res = sub.add_parser("resolve", help="find the arXiv id of records that have none: by title through arXiv, or from a table")
    res.add_argument("--from", dest="table", type=Path, metavar="FILE.tsv", help="take the ids from a table (title, arxiv_id, authors, published)")
    _writer_options(res)
    _network_options(res)

    sub.add_parser("check", help="validate every record of the archive and list every problem")

    exp = sub.add_parser("export", help="print the archive as machine-readable data")
    exp.add_argument("--json", action="store_true", required=True, help="a JSON array, one object per paper")

    tags = sub.add_parser("tags", help="the tag vocabulary and the tagger")
    tags_sub = tags.add_subparsers(dest="tags_command", required=True)
    explain = tags_sub.add_parser("explain", help="why each tag was given to a paper or refused: the rules' evidence and the model's score")
    explain.add_argument("id", metavar="ID", help="the paper's id: its file name in the archive, without .yaml")
    suggest = tags_sub.add_parser("suggest", help="papers without a tag that most likely deserve it, for a curator to confirm")
    suggest.add_argument("tag", metavar="TAG", help="a tag's slug, as in the taxonomy (diffusion-models)")
    suggest.add_argument("--limit", type=int, default=10, metavar="N", help="how many papers (default 10)")

    build = sub.add_parser("build", help="build the site with an engine: MkDocs (the default), ProperDocs or Zensical; strict: a warning fails it")
    build.add_argument("--engine", default=DEFAULT_ENGINE, choices=tuple(ENGINES), help=f"the engine (default: {DEFAULT_ENGINE})")
    build.add_argument("-d", "--site-dir", type=Path, metavar="DIR", help="the folder to build into (default: site_dir of mkdocs.yml)")
    build.add_argument("--dirty", action="store_true", help="MkDocs and ProperDocs: render only what changed since the last build (Zensical always does)")
    gen = sub.add_parser("generate", help="write the generated Markdown pages to a folder, for use without the plugin")
    gen.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write to (created if needed)")
    return parser


def _seconds_arg(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 3600")
    return seconds


def _week_arg(value: str) -> str:
    if not re.fullmatch(r"\d{4}-W\d{2}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO week written YYYY-Www, such as 2024-W11")
    return value


def _month_arg(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month written YYYY-MM")
    return value


def _arxiv_arg(value: str) -> str:
    found = parse_arxiv_id(value)
    if found is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an arXiv id (2305.13169, cs/0501001) or an arXiv / Hugging Face paper address")
    return found


def _writer_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--today", type=_date_arg, help=argparse.SUPPRESS)  # for tests: what "today" is
    command.add_argument("--skip-invalid", action="store_true", help="write the valid entries and list the skipped ones")
    command.add_argument("--verbose", "-v", action="store_true", help="list every id, not the first 10")
    wait = "how long to wait for another writer (default: %(default)g)"
    command.add_argument("--wait", type=_seconds_arg, default=WRITE_WAIT_SECONDS, metavar="SECONDS", help=wait)


def _network_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--hf-endpoint", metavar="URL", help="Hugging Face's address (default: $PAPERS_HF_ENDPOINT, else https://huggingface.co)")
    command.add_argument("--arxiv-api", metavar="URL", help="the arXiv API's address (default: $PAPERS_ARXIV_API, else https://export.arxiv.org/api/query)")


def _network(args: argparse.Namespace) -> Network:
    from .fetch import Network  # the network's libraries load only for the commands that use them

    return Network.from_environment(args.hf_endpoint, args.arxiv_api)


def _holder(args: argparse.Namespace) -> str:
    return shlex.join(["papers", *args.argv])


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config_file)


def summary(ids: Sequence[str], *, verbose: bool, shown: int = 10) -> str:
    """``ids`` as one line: all of them with ``verbose``, else the first ``shown`` and how many more."""
    if verbose or len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} … and {len(ids) - shown} more (--verbose lists them all)"


def print_result(result: ImportResult, verbose: bool) -> None:
    """What an import (or fetch, or resolve) did: added, filled in, already present, skipped, links left out."""
    added = [r.id for r in result.added]
    print(f"added {len(added)}" + (f": {summary(added, verbose=verbose)}" if added else ""))
    if result.updated:
        print(f"identity filled in {len(result.updated)}: {summary(sorted(result.updated), verbose=verbose)}")
    present = sorted({i for _, i in result.present})
    print(f"already present {len(present)}" + (f": {summary(present, verbose=verbose)}" if present else ""))
    if result.problems:
        print(f"skipped {plural(len(result.problems), 'problem')}:")
        for problem in result.problems:
            print(f"  {problem}")
    else:
        print("problems 0")
    if result.left_out:
        print(f"left out {len(result.left_out)} link(s):")
        for problem in result.left_out:
            print(f"  {problem}")


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings(args)

    def lookup(ids: list[str]) -> tuple[list[Found], list[str]]:  # only id lists and BibTeX without abstracts need it
        from .fetch import ArxivClient, arxiv_by_id

        return arxiv_by_id(ArxivClient(_network(args)), ids)

    result = import_sources(
        Archive(settings.archive, log=log),
        args.listings,
        today=args.today or date.today(),
        fmt=args.format,
        on_date=args.date,
        year=args.year,
        skip_invalid=args.skip_invalid,
        lookup=lookup,
        holder=_holder(args),
        wait=args.wait,
    )
    print_result(result, args.verbose)
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch import ArxivClient, arxiv_by_id, hf_daily, save_items

    settings, network, today = _settings(args), _network(args), args.today or date.today()
    archive = Archive(settings.archive, log=log)
    if args.source == "arxiv":
        found, missing = arxiv_by_id(ArxivClient(network), args.ids)
        if missing:
            raise PapersError(f"arXiv has no paper {', '.join(missing)}; check {'the id' if len(missing) == 1 else 'the ids'}: nothing imported")
        source = SourceFile(file="arXiv API", entries=found)
        result = import_read(archive, [source], today=today, skip_invalid=args.skip_invalid, holder=_holder(args), wait=args.wait)
        print_result(result, args.verbose)
        return 0
    when = args.date.isoformat() if args.date else args.week or args.month
    items = hf_daily(network, day=args.date, week=args.week, month=args.month)
    if not items:
        print(f"no papers on Hugging Face for {when}: nothing to import")
        return 0
    saved = settings.listings / f"hf-daily-{when}.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(save_items(items))
    print(f"fetched {plural(len(items))} for {when} into {saved}")
    result = import_sources(archive, [saved], today=today, fmt="hf", skip_invalid=args.skip_invalid, holder=_holder(args), wait=args.wait)
    print_result(result, args.verbose)
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    settings, today = _settings(args), args.today or date.today()
    archive = Archive(settings.archive, log=log)
    records = archive.load()
    if args.table:
        merges, problems, unmatched = read_table(args.table, records)
        origin = Source(args.table.name, today)
        for title in unmatched:
            print(f"no record has the title {title!r}: row skipped")
    else:
        from .fetch import ArxivClient, arxiv_by_title

        unknown = [r for r in records if not r.arxiv]
        searches = arxiv_by_title(ArxivClient(_network(args)), [r.title for r in unknown])
        verdicts = [judge(record, found) for record, (_, found) in zip(unknown, searches, strict=True)]
        merges = [(v.record_id, v.accepted) for v in verdicts if v.accepted is not None]
        problems, origin = [], Source("arXiv API", today)
        unresolved = [v for v in verdicts if v.accepted is None]
        print(f"unresolved {len(unresolved)}" + (": left as they are" if unresolved else ""))
        for verdict in unresolved:
            print("\n".join(f"  {line}" for line in describe(verdict)))
    with archive.writing(_holder(args), args.wait):
        result = plan_merges(archive.load(), merges, origin)
        result.problems += problems
        write_plan(archive, result, skip_invalid=args.skip_invalid)
    print(f"resolved {len(result.updated)}" + (f": {summary(sorted(result.updated), verbose=args.verbose)}" if result.updated else ""))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    archive = Archive(settings.archive, log=log)
    records, problems = archive.scan()
    from .site import generate

    try:  # the valid records are checked further (tags, note links), so every problem shows at once
        generate(settings, records, feeds=False, log=log)
    except ProblemsError as exc:
        problems += exc.problems
    if problems:
        raise ProblemsError(problems, problems_in(len(problems), settings.archive))
    print(f"ok: {plural(len(records), 'record')} in {folder_name(settings.archive)}, no problems")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    settings = _settings(args)
    site_url = settings.require_site_url()  # before the build: permalinks need it
    from .site import export_rows, generate

    catalog = generate(settings, feeds=False, log=log).catalog
    json.dump(export_rows(catalog, site_url), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .site import generate

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
    print(f"wrote {plural(len(site.pages), 'page')} and {plural(len(site.files), 'file')} to {out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    return build_with(args.engine, args.config_file, args.site_dir, dirty=args.dirty)


def cmd_tags(args: argparse.Namespace) -> int:
    settings = _settings(args)
    taxonomy = load_taxonomy(settings.taxonomy)
    archive = Archive(settings.archive, log=log)
    records = archive.load()
    # A mistyped tag or id is told at once, before the tagger reads the whole archive.
    if args.tags_command == "suggest":
        slug = _known_tag(args.tag, taxonomy)
        return _suggest(args, slug, records, *_tagging(settings, taxonomy, archive, records))
    index = _known_paper(args.id, records)
    tagging, curated = _tagging(settings, taxonomy, archive, records)
    record = records[index]
    add, remove = curated[index]
    final = curated_tags(record, tagging.automatic_of(index), add=add, remove=remove)
    print(f"{record.id}: {record.title}")
    print(f"final tags: {', '.join(final) or '(none)'}\n")
    print(tagging.explanation(index, curated[index]))
    return 0


def _tagging(settings: Settings, taxonomy: Taxonomy, archive: Archive, records: list[Record]) -> tuple[Tagging, list]:
    """The tagger's verdicts on every record, and each record's curated (tags_add, tags_remove)."""
    from .site import resolve_curated, usable_cache_dir
    from .tagger import tag_records

    problems: list[Problem] = []
    curated = [resolve_curated(record, taxonomy, archive.locate, problems) for record in records]
    if problems:
        raise ProblemsError(problems)
    return tag_records(records, curated, settings, taxonomy, usable_cache_dir(settings.cache_dir, log)), curated


def did_you_mean(wanted: str, known: Iterable[str], shown: int = 5) -> list[str]:
    """What a mistyped name may have meant: the known names that contain it, then the most alike."""
    names = sorted(set(known))
    containing = [name for name in names if wanted.casefold() in name.casefold()]
    alike = difflib.get_close_matches(wanted.casefold(), names, n=shown, cutoff=0.6)
    return list(dict.fromkeys([*containing, *alike]))[:shown]


def _known_paper(record_id: str, records: list[Record]) -> int:
    """The index of the record ``record_id``, or an error that suggests the ids it may mean."""
    index = next((i for i, r in enumerate(records) if r.id == record_id), None)
    if index is None:
        close = did_you_mean(record_id, (r.id for r in records))
        raise PapersError(f"no paper with id {record_id!r}" + (f"; did you mean {' or '.join(close)}?" if close else "; see `papers export --json`"))
    return index


def _known_tag(tag: str, taxonomy: Taxonomy) -> str:
    """The slug ``tag`` names (a renamed tag's new one), or an error that suggests the tags it may mean."""
    slug = taxonomy.resolve(tag)
    if slug is None:
        close = did_you_mean(tag, [*taxonomy.rules, *taxonomy.aliases])
        known = f"did you mean {' or '.join(close)}?" if close else f"the tags are: {', '.join(taxonomy.rules)}"
        raise PapersError(f"unknown tag {tag!r}; {known}")
    return slug


def _suggest(args: argparse.Namespace, slug: str, records: list[Record], tagging: Tagging, curated: list) -> int:
    automatic = tagging.automatic()
    final = [curated_tags(r, tags, add=a, remove=rm) for r, tags, (a, rm) in zip(records, automatic, curated, strict=True)]
    rows = tagging.suggestions(slug, final, limit=max(args.limit, 1))
    if not rows:
        print(f"no paper without {slug} shows any sign of it")
        return 0
    print(f"papers without {slug} most likely to deserve it (confirm with tags_add: [{slug}], or refuse with tags_remove):")
    for record, score in rows:
        print(f"{score:6.2f}  {record.id}  {record.title}")
    return 0


COMMANDS = {
    "import": cmd_import,
    "fetch": cmd_fetch,
    "resolve": cmd_resolve,
    "check": cmd_check,
    "export": cmd_export,
    "generate": cmd_generate,
    "build": cmd_build,
    "tags": cmd_tags,
}


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
        print(f"papers {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
