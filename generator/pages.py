"""Rendering the catalog as Markdown pages: ``{docs-relative path: Markdown}``.

Every piece of record text goes through ``text.markdown_text`` (or, in raw
HTML blocks such as abstracts and lists of papers, ``text.html_text``) so that
it shows exactly as written. Internal links are Markdown links to ``.md`` files,
which MkDocs checks in ``--strict`` builds, except in lists of papers, where
they are written as MkDocs would write them (``href``) for speed.
"""

from __future__ import annotations

import html
import importlib.util
import json
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import quote_plus

from . import charts
from .catalog import Catalog, Paper, Tag
from .config import Settings
from .dates import Month, day_text, month_text
from .errors import PapersError
from .identity import abs_url, bibtex_entry, hf_url, pdf_url
from .metadata import description
from .records import NOTE_LINK_RE, Record
from .text import html_text, markdown_text, plural, readable

LINK_LABELS = {"code": "Code", "huggingface": "Hugging Face", "project": "Project page"}
#: Material's icons of the reading buttons, by link kind (``code-braces`` is ``:material-code-braces:``).
LINK_ICONS = {"arxiv": "alpha-a-box-outline", "pdf": "file-pdf-box", "code": "code-braces", "huggingface": "robot-happy-outline", "project": "web"}
#: Themes that ship Material's icons (the same files), where ``.icons/material/`` is: Material's, and Zensical's (no Material there).
ICON_THEMES = ("material", "zensical_ui")
AUTHORS_FOLD = 12  # more authors than this: the first AUTHORS_SHOWN, and a "show all" disclosure
AUTHORS_SHOWN = 10
#: Authors a list row names before "et al."; its hover text (and a feed item) names up to ``AUTHORS_LISTED`` (a row's size stays bounded).
ROW_AUTHORS = 3
AUTHORS_LISTED = 50


def rel(src: str, target: str) -> str:
    """A link from page ``src`` to file ``target`` (both docs-relative)."""
    return _relative(target, posixpath.dirname(src))


def _relative(target: str, base: str) -> str:
    """``posixpath.relpath`` for clean relative paths (no ``.``, ``..`` or ``//``), without its
    ``abspath`` calls: a site makes several per paper, a quarter of a million at 100,000 papers."""
    parts, here = target.split("/"), base.split("/") if base else []
    common = 0
    while common < min(len(parts) - 1, len(here)) and parts[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + parts[common:]) or "."


def paper_src(paper_id: str) -> str:
    return f"papers/{paper_id}.md"


def tag_src(slug: str, page: int = 1) -> str:
    return f"tags/{slug}/index.md" if page == 1 else f"tags/{slug}/page/{page}.md"


def tag_feed_src(slug: str) -> str:
    return f"tags/{slug}/feed.xml"


def month_src(year: int, month: int, page: int = 1) -> str:
    return f"archive/{year:04d}/{month:02d}/index.md" if page == 1 else f"archive/{year:04d}/{month:02d}/page/{page}.md"


def undated_src(page: int = 1) -> str:
    """The archive's page of papers whose date is unknown."""
    return "archive/undated/index.md" if page == 1 else f"archive/undated/page/{page}.md"


def papers_src(page: int = 1) -> str:
    return "papers/index.md" if page == 1 else f"papers/page/{page}.md"


# --- front matter and small pieces ---------------------------------------------


def front_matter(title: str, description: str = "", **extra: str) -> str:
    """Front matter that sets the page title and description, HTML-escaped, and any ``extra`` fields.

    Themes print ``page.title`` and ``page.meta.description`` unescaped
    (``<title>``, ``<meta name="description">``); left to MkDocs, a title taken
    from the H1 is unescaped again, so ``</title><script>`` in a paper title
    would become markup.
    """
    fields = {"title": html_text(title), **({"description": html_text(description)} if description else {}), **extra}
    return "---\n" + _yaml_flow(fields) + "\n---\n\n"


# JSON is YAML: a flow mapping of double-quoted strings, written by json (fast) instead of
# PyYAML's dumper (about 1 ms a page, a minute and a half at 100,000 papers). Line and
# paragraph separators would be line breaks to YAML inside quotes, so they are escaped.
_YAML_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _yaml_flow(fields: dict[str, str]) -> str:
    return json.dumps(fields, ensure_ascii=False).translate(_YAML_BREAKS)


def split_front_matter(page: str) -> tuple[dict, str]:
    """A generated page's front matter (one line of JSON: ``front_matter``; none on the home page) and the rest, for ``join_front_matter``."""
    if not page.startswith("---\n"):
        return {}, "\n" + page
    head, _, rest = page.removeprefix("---\n").partition("\n---\n")
    return json.loads(head), rest


def join_front_matter(fields: dict, rest: str) -> str:
    return "---\n" + _yaml_flow(fields) + "\n---\n" + rest


def with_front_matter(page: str, **fields: str) -> str:
    """``page`` (a generated page) with ``fields`` added to its front matter."""
    meta, rest = split_front_matter(page)
    return join_front_matter({**meta, **fields}, rest)


def html_block(tag: str, text: str, css_class: str) -> str:
    """``text`` as a raw HTML block: Markdown leaves it alone, so only HTML escaping is needed.

    Used for long text (abstracts): an escaped block costs Markdown nothing,
    where ``markdown_text``'s many character references each cost an inline match.
    """
    return f'<{tag} class="{css_class}">{html_text(" ".join(text.split()))}</{tag}>\n'


def subscribe_link(src: str, feed: str) -> str:
    return f"[:material-rss: Subscribe (RSS)]({rel(src, feed)}){{ .papers-subscribe }}"


def tag_chips(src: str, tags: Sequence[Tag]) -> str:
    """Tags as Material tag chips, each a link to its tag page."""
    if not tags:
        return ""
    chips = " ".join(f"[{markdown_text(t.name)}]({rel(src, tag_src(t.slug))}){{ .md-tag }}" for t in tags)
    return f"{chips}\n{{ .md-tags }}\n"


def page_url(src: str) -> str:
    """The address MkDocs gives a page (directory URLs), from the site's root: ``papers/x.md`` -> ``papers/x/``."""
    stem = src[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def href(src: str, target: str) -> str:
    """A link from page ``src`` to page ``target`` (both docs-relative ``.md``), as MkDocs would write it."""
    there = page_url(target)  # "" or ends in "/"
    path = _relative(there + "index.html", page_url(src).rstrip("/"))
    return path[: -len("index.html")] or "./"


def short_authors(authors: Sequence[str]) -> str:
    """The first ``ROW_AUTHORS`` names, and "et al." for the rest."""
    names = [readable(name) for name in authors[:ROW_AUTHORS]]
    return ", ".join(names) + (" et al." if len(authors) > ROW_AUTHORS else "")


def listed_authors(authors: Sequence[str]) -> str:
    """Every name up to ``AUTHORS_LISTED``, then how many more: a row's hover text, a feed item's author."""
    names = ", ".join(readable(name) for name in authors[:AUTHORS_LISTED])
    return names + (f" and {len(authors) - AUTHORS_LISTED} more" if len(authors) > AUTHORS_LISTED else "")


def _row_authors(authors: Sequence[str]) -> str:
    """A row's authors: the first three and "et al.", every name (``listed_authors``) on hover."""
    if len(authors) <= ROW_AUTHORS:
        return f'<span class="papers-row__authors">{html_text(short_authors(authors))}</span>'
    return f'<span class="papers-row__authors" title="{html_text(listed_authors(authors))}">{html_text(short_authors(authors))}</span>'


def paper_item(src: str, paper: Paper, catalog: Catalog, row: Callable[[Paper, Catalog], str] | None = None) -> str:
    """One row of a list of papers (``paper_list``): title link, authors, published date, tags, the first sentence.

    Its size is bounded whatever the paper's (three authors, one sentence of about 200 characters),
    so the bytes a listing page costs per paper stay flat. All but the link's address
    is the same on every list (``paper_row``), so a host may reuse it (``row``).
    """
    return f'<li><a href="{href(src, paper_src(paper.id))}' + (row or paper_row)(paper, catalog)


def paper_row(paper: Paper, catalog: Catalog) -> str:
    """A list row from the end of its link's address: the title, a featured star, authors, date, tags, the lead."""
    record = paper.record
    star = ' <span class="papers-featured" role="img" aria-label="Featured" title="Featured">★</span>' if record.featured else ""
    meta = [_row_authors(record.authors)] if record.authors else []
    if paper.published:
        meta.append(paper.published.html())
    if paper.tags:
        meta.append(html_text(", ".join(catalog.tags[t].name for t in paper.tags)))
    line = f'<br>\n<small class="papers-row__meta">{" · ".join(meta)}</small>' if meta else ""
    lead = f'<br>\n<span class="papers-row__lead">{html_text(paper.lead)}</span>' if paper.lead else ""
    return f'">{html_text(paper.title)}</a>{star}{line}{lead}</li>'


def paper_rows(src: str, papers: Sequence[Paper], catalog: Catalog) -> str:
    """The list of ``papers`` on the page ``src`` (``paper_list`` of ``paper_item``)."""
    return paper_list([paper_item(src, p, catalog) for p in papers])


#: Makes the list of papers of one page (``paper_rows``), or reuses it: a host's (``generator.session``).
RowsOf = Callable[[str, Sequence[Paper], Catalog], str]


def paper_list(items: Sequence[str]) -> str:
    """List items as one raw HTML block.

    Lists are most of what MkDocs renders (a listing page has 50 items, a paper
    five related papers): as Markdown each title's escapes and each link cost
    inline matches, about 0.2 ms an item, while Markdown passes an HTML block
    through. The links are written as MkDocs writes them (``href``), and
    ``make linkcheck`` and the site tests check them.
    """
    return '<ul class="papers-list">\n' + "\n".join(items) + "\n</ul>\n"


@dataclass(frozen=True)
class Pager:
    """Which slice of a list one page of a paginated listing shows."""

    page: int
    pages: int
    per_page: int

    def window(self, items: Sequence[Paper]) -> Sequence[Paper]:
        start = (self.page - 1) * self.per_page
        return items[start : start + self.per_page]


def pages_of(items: Sequence[Paper], per_page: int) -> Iterator[Pager]:
    pages = max(1, -(-len(items) // per_page))
    for page in range(1, pages + 1):
        yield Pager(page, pages, per_page)


def pager_nav(src: str, pager: Pager, src_of: Callable[[int], str]) -> str:
    """Newer/older links and a window of page numbers: constant size, whatever the page count."""
    if pager.pages == 1:
        return ""
    shown = sorted({1, pager.pages, *range(max(1, pager.page - 2), min(pager.pages, pager.page + 2) + 1)})
    parts: list[str] = []
    if pager.page > 1:
        parts.append(f"[← Newer]({rel(src, src_of(pager.page - 1))})")
    previous = 0
    for number in shown:
        if number - previous > 1:
            parts.append("…")
        parts.append(f"**{number}**" if number == pager.page else f"[{number}]({rel(src, src_of(number))})")
        previous = number
    if pager.page < pager.pages:
        parts.append(f"[Older →]({rel(src, src_of(pager.page + 1))})")
    return f"Page {pager.page} of {pager.pages}: " + " · ".join(parts) + "\n{ .papers-pager }\n"


def paginated(
    items: Sequence[Paper],
    catalog: Catalog,
    settings: Settings,
    src_of: Callable[[int], str],
    head: Callable[[str, Pager], str],
    rows: RowsOf | None = None,
) -> Iterator[tuple[str, str]]:
    """The pages of a paginated list of papers: ``head`` then the items (``rows``: see ``paper_rows``) then the pager."""
    for pager in pages_of(items, settings.per_page):
        src = src_of(pager.page)
        nav = pager_nav(src, pager, src_of)
        window = pager.window(items)
        body = (rows or paper_rows)(src, window, catalog) if window else "*No papers yet.*"
        yield src, f"{head(src, pager)}\n{body}\n\n{nav}"


# --- pages ------------------------------------------------------------------------


def _short(url: str) -> str:
    """``https://github.com/a/b`` -> ``github.com/a/b``: enough to tell two links apart."""
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


# Where a link's target starts: after ``](`` (inline), or ``[name]:`` (a reference definition).
_LINK_OPENER_RE = re.compile(r"\]\(|^[ \t]*\[[^\]\n]*\]:", re.MULTILINE)
_SAFE_TARGET_RE = re.compile(r"[\x00-\x20]*(?:https?://|mailto:)", re.IGNORECASE)
_REFERENCE_TARGET_RE = re.compile(r"\s*\S*")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")


def _target(text: str, start: int, inline: bool) -> str:
    """The text from ``start`` that a link's target may take: never less than Markdown takes.

    An inline target runs to its unmatched ``)`` (Markdown allows nested brackets and
    parentheses, and newlines) or to the end of its paragraph; a reference's is one word.
    """
    if not inline:
        return _REFERENCE_TARGET_RE.match(text, start).group()  # type: ignore[union-attr]
    blank = _BLANK_LINE_RE.search(text, start)
    end = blank.start() if blank else len(text)
    depth, at = 0, start
    while at < end:
        char = text[at]
        if char == ")" and depth == 0:
            break
        depth += {"(": 1, ")": -1}.get(char, 0)
        at += 2 if char == "\\" else 1  # an escaped bracket counts for nothing
    return text[start:at]


def _unsafe(target: str) -> bool:
    """Whether a link target may be read as another scheme than http(s) or mailto.

    A browser decodes character references (``java&#115;cript:``) and drops tabs and
    newlines (``java\nscript:``); Markdown drops markup (`` `java`script: ``, ``[java](x)script:``).
    So any colon is suspect, unless the target starts as an http(s) or mailto address.
    """
    url = html.unescape(target).replace("\t", "").replace("\n", "").replace("\r", "")
    return ":" in url and not _SAFE_TARGET_RE.match(url)


def _break_unsafe_links(text: str) -> str:
    """Each link whose target may not be http(s), mailto or relative, with its ``(`` or ``:`` written
    as a character reference: Markdown no longer reads a link there, and the reader sees its text.

    Every opener is looked at, those inside another link's target too (``[a]([b](javascript:…)``).
    """
    parts, last = [], 0
    for match in _LINK_OPENER_RE.finditer(text):
        inline = match.group().endswith("(")
        if _unsafe(_target(text, match.end(), inline)):
            parts += [text[last : match.end() - 1], "&#40;" if inline else "&#58;"]
            last = match.end()
    return "".join(parts) + text[last:]


def note_markdown(note: str, link_paper: Callable[[str], str] | None = None) -> str:
    """A curator's note: Markdown by design, but it can create no HTML of its own.

    Raw HTML shows as text (``<`` escaped); ``{ … }`` attribute lists are
    escaped so a note cannot add attributes such as ``onclick``; links may
    only point to http(s), mailto or relative targets. ``link_paper`` turns
    ``[[paper-id]]`` references into links.
    """
    text = note.strip().replace("<", "&lt;").replace("{", "&#123;").replace("}", "&#125;")
    if link_paper is not None:
        text = NOTE_LINK_RE.sub(lambda m: link_paper(m.group(1).strip()), text)
    # After the paper links: a paper's title inside a link's target becomes part of that target.
    return _break_unsafe_links(text)


def _authors(authors: Sequence[str]) -> str:
    """All the authors; past ``AUTHORS_FOLD`` of them, the first ``AUTHORS_SHOWN`` and a disclosure with the rest."""
    if not authors:
        return ""
    names = [html_text(readable(name)) for name in authors]
    if len(names) <= AUTHORS_FOLD:
        return f'<p class="papers-authors">{", ".join(names)}</p>\n'
    first, rest = ", ".join(names[:AUTHORS_SHOWN]), ", ".join(names[AUTHORS_SHOWN:])
    return (
        f'<p class="papers-authors">{first}, …</p>\n<details class="papers-authors-all"><summary>Show all {len(names)} authors</summary>'
        f"<p>{first}, {rest}</p></details>\n"
    )


def _time(day: date) -> str:
    return f'<time datetime="{day.isoformat()}">{day_text(day)}</time>'


def _meta_line(src: str, paper: Paper) -> str:
    """``Published June 2015 · Added 12 March 2026 · arXiv:…``: the paper's own date first, linked to its month."""
    record, when = paper.record, paper.published
    if when:
        published = f":material-file-document-outline: Published [{when.html()}]({rel(src, month_src(when.year, when.month))})"
    else:
        published = f":material-file-document-outline: Published: date unknown ([undated papers]({rel(src, undated_src())}))"
    parts = [published, f":material-calendar: Added {_time(record.added)}"]
    if record.arxiv:
        parts.append(f"arXiv&#58;{record.arxiv}")
    if record.featured:
        parts.append(":material-star: **Featured**")
    return " · ".join(parts) + "\n{ .papers-meta }\n"


@cache
def icon(name: str) -> str:
    """Material's icon ``name`` as Material writes ``:material-<name>:`` (an SVG in a ``twemoji``
    span), for raw HTML, where no shortcode is read."""
    return f'<span class="twemoji">{(material_icons() / f"{name}.svg").read_text(encoding="utf-8")}</span>'


@cache
def material_icons() -> Path:
    """The folder of Material's icons, in whichever theme is installed (the engine's)."""
    for theme in ICON_THEMES:
        spec = importlib.util.find_spec(theme)
        if spec is not None and spec.origin is not None:
            folder = Path(spec.origin).parent / "templates" / ".icons" / "material"
            if folder.is_dir():
                return folder
    raise PapersError("no theme with Material's icons is installed: install an engine (make engine ENGINE=mkdocs, or zensical)")


def _button(url: str, kind: str, label: str, primary: bool = False) -> str:
    classes = "md-button md-button--primary" if primary else "md-button"
    return f'<a class="{classes} papers-link-{kind}" href="{html_text(url)}">{icon(LINK_ICONS[kind])} {html_text(label)}</a>'


def _reading_links(record: Record) -> str:
    """Buttons to read the paper: arXiv, PDF and Hugging Face from its id, then its code and project links.

    A raw HTML block, as Material would render them from Markdown: addresses come
    from paper text, and one written into a Markdown link (``…/b\\``, ``){on…}``) could
    end it early and leave the rest to be read as attributes or a relative link.
    """
    buttons = []
    if record.arxiv:
        buttons += [_button(abs_url(record.arxiv), "arxiv", "arXiv", primary=True), _button(pdf_url(record.arxiv), "pdf", "PDF")]
    hf = hf_url(record.arxiv) if record.arxiv else None  # None for old-style ids: Hugging Face has no page for them
    if hf:
        buttons.append(_button(hf, "huggingface", "Hugging Face"))
    known = {hf} if hf else set()
    buttons += [_button(link.url, link.kind, f"{LINK_LABELS[link.kind]}: {_short(link.url)}") for link in record.links if link.url not in known]
    # A blank line after the block, as after every generated block: the plugin passes such blocks through unparsed (rawhtml.py).
    return "<p>" + "\n".join(buttons) + "</p>\n" if buttons else ""


def _find_links(record: Record) -> str:
    """For a paper without an arXiv id: searches for its title where readers would look."""
    title = readable(record.title)
    searches = [
        ("arXiv", f"https://arxiv.org/search/?query={quote_plus(title)}&searchtype=title"),
        ("Hugging Face", f"https://huggingface.co/papers?q={quote_plus(title)}"),
        ("Google Scholar", f"https://scholar.google.com/scholar?q={quote_plus(chr(34) + title + chr(34))}"),
    ]
    links = " · ".join(f"[:material-magnify: {name}](<{url}>)" for name, url in searches)
    return f"**Find this paper:** {links}\n{{ .papers-find }}\n"


def _cite(record: Record) -> str:
    """A BibTeX entry in a code block (Material adds its copy button); papers with an arXiv id only."""
    if not record.arxiv:
        return ""
    entry = bibtex_entry(
        title=record.title,
        authors=record.authors,
        arxiv_id=record.arxiv,
        published=record.published,
        primary_category=record.categories[0] if record.categories else None,
    )
    return f'## Cite\n\n<pre class="papers-bibtex"><code class="language-bibtex">{html_text(entry)}</code></pre>\n'


def _related(src: str, paper: Paper, catalog: Catalog) -> str:
    """The graph, then the related papers numbered as its points are, each with its reasons and the
    papers related to it that the graph draws beyond it (``1a``, ``1b``…): every point is keyed here."""
    keyed = charts.related_keys(paper, catalog)
    link = lambda other: href(src, paper_src(other))  # noqa: E731
    items = []
    for number, (related, (_, hop)) in enumerate(zip(paper.related, keyed, strict=True), 1):
        title = f'<a href="{link(related.id)}">{html_text(catalog.by_id[related.id].title)}</a>'
        lines = [html_text("; ".join(related.reasons))] if related.reasons else []
        if hop:
            further = (f'{charts.hop_key(number, j)}&nbsp;<a href="{link(fid)}">{html_text(catalog.by_id[fid].title)}</a>' for j, fid in enumerate(hop))
            lines.append("Related to it: " + " · ".join(further))
        items.append(f"<li>{title}" + "".join(f"<br>\n<small>{line}</small>" for line in lines) + "</li>")
    graph = charts.paper_graph(paper, catalog, link, keyed)
    return graph + '\n<ol class="papers-list papers-related">\n' + "\n".join(items) + "\n</ol>\n"


def paper_page(paper: Paper, catalog: Catalog) -> str:
    record = paper.record
    src = paper_src(paper.id)
    parts = [front_matter(paper.title, description=description(record.abstract)), f"# {markdown_text(paper.title)}\n"]
    parts.append(_authors(record.authors))
    parts.append(_meta_line(src, paper))
    parts.append(tag_chips(src, [catalog.tags[t] for t in paper.tags]))
    parts.append("## Abstract\n\n" + html_block("p", readable(record.abstract), "papers-abstract"))
    parts.append(_reading_links(record) if record.arxiv or record.links else "")
    parts.append("" if record.arxiv else _find_links(record))
    if record.note.strip():

        def link_paper(target: str) -> str:
            title = catalog.by_id[target].record.title
            return f"[{markdown_text(readable(title))}]({rel(src, paper_src(target))})"

        parts.append("## Curator's note\n\n" + note_markdown(record.note, link_paper) + "\n")
    if paper.related:
        parts.append("## Related papers\n\n" + _related(src, paper, catalog))
    if paper.referenced_by:
        items = [paper_item(src, catalog.by_id[i], catalog) for i in paper.referenced_by]
        parts.append("## Referenced by\n\n" + paper_list(items))
    parts.append(_cite(record))
    return "\n".join(p for p in parts if p)


def papers_index(catalog: Catalog, settings: Settings, rows: RowsOf | None = None) -> Iterator[tuple[str, str]]:
    def head(src: str, pager: Pager) -> str:
        title = "All papers" if pager.page == 1 else f"All papers, page {pager.page}"
        about = f"All {len(catalog.papers)} papers of {settings.site_name}, newest published first, with their authors and tags."
        browse = f"By [date]({rel(src, 'archive/index.md')}) · by [tag]({rel(src, 'tags/index.md')})."
        return front_matter(title, about) + f"# {title}\n\n{plural(len(catalog.papers))}, newest published first. {browse}\n"

    yield from paginated(catalog.papers, catalog, settings, papers_src, head, rows)


def tags_overview(catalog: Catalog) -> str:
    src = "tags/index.md"
    rows = [
        f"| [{markdown_text(t.name)}]({rel(src, tag_src(t.slug))}) | {len(catalog.by_tag.get(t.slug, []))} | {markdown_text(t.description)} |"
        for t in catalog.used_tags
    ]
    table = "| Tag | Papers | About |\n|---|---:|---|\n" + "\n".join(rows) if rows else "*No tags yet.*"
    count = f"{len(rows)} tags over {len(catalog.papers)} papers, most used first"
    return front_matter("Tags", f"{count}, each with its own RSS feed.") + f"# Tags\n\n{count}.\n\n{table}\n"


def tag_pages(catalog: Catalog, settings: Settings, tag: Tag, rows: RowsOf | None = None) -> Iterator[tuple[str, str]]:
    papers = catalog.by_tag.get(tag.slug, [])
    co = catalog.co_tags(tag.slug)  # once per tag, not once per page: a scan of the tag's papers
    months = charts.tag_months(catalog, tag)
    feed = tag_feed_src(tag.slug)

    def head(src: str, pager: Pager) -> str:
        title = tag.name + ("" if pager.page == 1 else f", page {pager.page}")
        about = f"Papers tagged {tag.name}" + (f": {tag.description}" if tag.description else ".")
        lines = [front_matter(title, about, papers_tag=tag.slug) + f"# {markdown_text(title)}\n"]
        if tag.description:
            lines.append(markdown_text(tag.description) + "\n{ .papers-tag-description }\n")
        count = f"{plural(len(papers))}, newest published first"
        lines.append(f"{count}. [All tags]({rel(src, 'tags/index.md')}) · {subscribe_link(src, feed)}\n")
        if pager.page == 1:
            lines.append(months)
            if co:
                lines.append("## Often tagged together\n\n" + charts.tag_companions(co, tag, lambda slug: href(src, tag_src(slug))))
        return "\n".join(lines)

    yield from paginated(papers, catalog, settings, lambda page: tag_src(tag.slug, page), head, rows)


def archive_pages(catalog: Catalog, settings: Settings, rows: RowsOf | None = None) -> Iterator[tuple[str, str]]:
    """The archive by publication date: an overview of years and months, then a page per month (and one for undated papers)."""
    src = "archive/index.md"
    about = f"{plural(len(catalog.papers))} by the month they were published, newest first."
    lines = [front_matter("Archive", about) + "# Archive\n", f"{about}\n"]
    year = None
    for (y, m), papers in catalog.by_month.items():
        if y != year:
            lines.append(f"\n## {y}\n")
            year = y
        lines.append(f"- [{month_text((y, m))}]({rel(src, month_src(y, m))}): {plural(len(papers))}")
    if catalog.undated:
        lines.append(f"\n## Date unknown\n\n- [Undated papers]({rel(src, undated_src())}): {plural(len(catalog.undated))}")
    yield src, "\n".join(lines) + "\n"
    for (y, m), papers in catalog.by_month.items():
        yield from _month_pages(catalog, settings, (y, m), papers, rows)
    if catalog.undated:
        yield from _month_pages(catalog, settings, None, catalog.undated, rows)


def _month_pages(catalog: Catalog, settings: Settings, month: Month | None, papers: Sequence[Paper], rows: RowsOf | None = None) -> Iterator[tuple[str, str]]:
    name = month_text(month) if month else "Date unknown"

    def head(page_src: str, pager: Pager) -> str:
        suffix = "" if pager.page == 1 else f", page {pager.page}"
        title = f"{name}{suffix}"
        if month:
            about = f"{plural(len(papers))} of {settings.site_name} published in {name}."
            count = f"{plural(len(papers))} published in {name}, newest first."
        else:
            about = f"{plural(len(papers))} of {settings.site_name} whose publication date is unknown."
            count = f"{plural(len(papers))} with no known publication date (no arXiv id, no date from their source), latest added first."
        return front_matter(title, about) + f"# {title}\n\n{count} [All months]({rel(page_src, 'archive/index.md')})\n"

    src_of = (lambda page: month_src(*month, page)) if month else undated_src  # type: ignore[misc]
    yield from paginated(papers, catalog, settings, src_of, head, rows)


def home_page(catalog: Catalog, settings: Settings) -> str:
    """The front door: what the archive is and holds, its months, featured papers, the latest, every tag, and how to subscribe."""
    src = "index.md"
    lines = [f"# {markdown_text(settings.site_name)}\n"]
    if settings.site_description:
        lines.append(markdown_text(settings.site_description) + "\n{ .papers-lead }\n")
    lines.append(
        f"The archive holds **{plural(len(catalog.papers))}** under [{len(catalog.tags)} tags]({rel(src, 'tags/index.md')}): "
        f"[browse them all]({rel(src, papers_src())}), [by date]({rel(src, 'archive/index.md')}), or read [about]({rel(src, 'about.md')}) this archive.\n"
    )
    lines.append(
        f"[:material-rss: Subscribe to new papers (RSS)]({rel(src, 'feed.xml')}){{ .md-button .md-button--primary .papers-subscribe }} "
        f"[:material-tag-multiple: A feed per tag]({rel(src, 'tags/index.md')}){{ .md-button }}\n"
    )
    if catalog.papers:
        lines.append(charts.archive_months(catalog))
    if catalog.featured:
        lines.append("## Featured\n\n" + featured_cards(src, catalog.featured))
    latest = catalog.latest[: settings.home_latest]
    lines.append("## Latest additions\n\n" + (paper_list([paper_item(src, p, catalog) for p in latest]) if latest else "*No papers yet.*\n"))
    used = [t for t in catalog.used_tags if t.slug in catalog.by_tag]
    if used:
        lines.append("## Tags\n\n" + tag_grid(src, used, catalog))
    return "\n".join(lines)


def featured_cards(src: str, papers: Sequence[Paper]) -> str:
    """Featured papers as Material's grid cards (raw HTML: title, authors and published date, the abstract's opening)."""
    cards = []
    for paper in papers:
        record = paper.record
        byline = [_row_authors(record.authors)] if record.authors else []
        byline += [paper.published.html()] if paper.published else []
        link = f'<a href="{href(src, paper_src(paper.id))}">{html_text(paper.title)}</a>'
        byline_html = f"<p>{' · '.join(byline)}</p>\n" if byline else ""
        cards.append(f"<li><p><strong>{link}</strong></p>\n<hr>\n{byline_html}<p>{html_text(description(record.abstract))}</p></li>")
    return '<div class="grid cards papers-featured-grid">\n<ul>\n' + "\n".join(cards) + "\n</ul>\n</div>\n"


def tag_grid(src: str, tags: Sequence[Tag], catalog: Catalog) -> str:
    """Every tag in use, most papers first, as a grid of links with their counts."""
    items = [f'<li><a href="{href(src, tag_src(t.slug))}">{html_text(t.name)}</a> <small>{len(catalog.by_tag[t.slug])}</small></li>' for t in tags]
    return '<ul class="papers-tag-grid">\n' + "\n".join(items) + "\n</ul>\n"


def redirect_html(target: str) -> bytes:
    """A static page that sends readers of a renamed tag's old URL to its new one."""
    target = html_text(target)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Moved</title>'
        f'<meta http-equiv="refresh" content="0; url={target}"><link rel="canonical" href="{target}">'
        f'<meta name="robots" content="noindex"></head><body><p>This tag was renamed: <a href="{target}">{target}</a>.</p></body></html>\n'
    ).encode()


def alias_redirects(aliases: dict[str, str]) -> dict[str, bytes]:
    """``tags/<old>/index.html`` redirecting to ``tags/<new>/`` for every renamed tag."""
    return {f"tags/{old}/index.html": redirect_html(f"../{new}/") for old, new in sorted(aliases.items())}


class Rendered(Mapping[str, str]):
    """Pages (or heads) by path: some made already, and one for each paper made each time it is asked for.

    A paper's page is made when its host reads it, and not kept: the Markdown
    of 100,000 paper pages is gigabytes, and a host that keeps pages keeps
    them its own way (MkDocs' plugin, compressed). Iterating gives the pages
    made already, then the papers', in the catalog's order.
    """

    def __init__(self, made: dict[str, str], papers: Sequence[Paper], make: Callable[[Paper], str]) -> None:
        self._papers = {paper_src(paper.id): paper for paper in papers}
        # A paper whose page has a made page's path (an id "index") replaces it, as it always did: one page per path.
        self._made = {src: page for src, page in made.items() if src not in self._papers}
        self._make = make

    def __getitem__(self, src: str) -> str:
        made = self._made.get(src)
        return made if made is not None else self._make(self._papers[src])

    def __iter__(self) -> Iterator[str]:
        yield from self._made
        yield from self._papers

    def __len__(self) -> int:
        return len(self._made) + len(self._papers)

    def __contains__(self, src: object) -> bool:
        return src in self._made or src in self._papers


def render_pages(catalog: Catalog, settings: Settings, page: Callable[[Paper, Catalog], str] = paper_page, rows: RowsOf | None = None) -> Rendered:
    """Every generated page, keyed by its path relative to ``docs/`` (a paper's made when asked for: see ``Rendered``).

    ``page`` renders a paper's page and ``rows`` a page's list of papers: here,
    or a host reuses the last build's (``generator.session``).
    """
    pages: dict[str, str] = {"index.md": home_page(catalog, settings), "tags/index.md": tags_overview(catalog)}
    pages.update(papers_index(catalog, settings, rows))
    pages.update(archive_pages(catalog, settings, rows))
    for tag in catalog.used_tags:
        pages.update(tag_pages(catalog, settings, tag, rows))
    return Rendered(pages, catalog.papers, lambda paper: page(paper, catalog))
