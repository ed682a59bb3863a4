"""The generated pages' own HTML blocks, kept out of Python-Markdown's way, and put back in the finished page.

A paper page is mostly HTML the generator wrote, escaped as it was written:
the authors, the abstract, the chart of related papers, the lists, the BibTeX.
Python-Markdown finds raw HTML with a pure-Python HTML parser, and MkDocs runs
a second one over the whole page for anchor ids: at 100,000 papers the two
were 40% of the build's main process. This extension sets the generator's
blocks aside before either parser runs, and ``restore`` puts them back where
Python-Markdown itself would have put them, so the page is byte for byte the
same; meanwhile MkDocs holds each page's content without them.

Only pages marked as generated are touched (``mark``), and in them only a block
that is unambiguously HTML: it starts a paragraph with a block-level tag, ends
with a block-level closing tag, and is followed by a blank line. Nothing a
curator or a paper's text holds can start a line with ``<`` in a generated page
(see ``text.markdown_text`` and ``pages.note_markdown``). Anything else is left
to Python-Markdown, which reads it as before.
"""

from __future__ import annotations

import re
import secrets

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

#: First line of a generated page's Markdown while MkDocs renders it: never in any output (the
#: preprocessor removes it), and unguessable, so no page written by hand can ask for the shortcut.
MARK = f"papers-generated-{secrets.token_hex(16)}"

#: Python-Markdown's default ``tab_length``, which MkDocs keeps.
TAB_LENGTH = 4

_OPENING_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9]*)[\s>]")
_CLOSING_TAG_RE = re.compile(r"</([A-Za-z][A-Za-z0-9]*)>\s*$")
_ID_RE = re.compile(r"""\sid=["']([^"']+)["']""")


def mark(markdown: str, source: str) -> str:
    """A generated page's Markdown (``source`` after its front matter), marked for the extension.

    The mark says where the Markdown starts in ``source``: the blocks are put
    back from ``source``, which the host keeps anyway. Markdown that is not the
    end of ``source`` (another plugin changed it) is left unmarked, and rendered as ever.
    """
    return f"{MARK} {len(source) - len(markdown)}\n{markdown}" if source.endswith(markdown) else markdown


class _Shelter(Preprocessor):
    """Replaces each of a marked page's generated HTML blocks with a token naming where it lies in the page's Markdown.

    It runs first, on the page exactly as written, so the token's offsets are
    offsets into the very string MkDocs keeps as the page's Markdown: ``restore``
    puts each block back into the finished page from there. Until then a page's
    rendered content holds only what Python-Markdown made of its Markdown, which
    at 100,000 papers is gigabytes less than holding every block twice.
    """

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.ids: set[str] = set()

    def run(self, lines: list[str]) -> list[str]:
        self.ids = set()
        marked = _MARK_RE.fullmatch(lines[0]) if lines else None
        if marked is None:
            return lines
        out: list[str] = []
        block: list[str] = []
        start = at = int(marked.group(1))  # offsets in the page's source
        for line in [*lines[1:], ""]:
            if line.strip():
                if not block:
                    start = at
                block.append(line)
            else:
                out += self._block(block, start)
                out.append(line)
                block = []
            at += len(line) + 1
        out.pop()  # the blank line added to end the last block
        while out and not out[-1].strip():
            out.pop()
        if out and out[-1].startswith(f"{MARK}-"):  # Python-Markdown strips the page's last line break: so does ``restore``
            out[-1] += "-last"
        return out

    def _block(self, block: list[str], start: int) -> list[str]:
        if not block or not _whole(block, self.md):
            return block
        html = "\n".join(block)
        self.ids.update(_ID_RE.findall(html))
        return [f"{MARK}-{start}-{start + len(html)}"]


def _whole(block: list[str], md: Markdown) -> bool:
    """Whether a block is plainly HTML: it opens with a block-level tag and ends closing one."""
    opening, closing = _OPENING_TAG_RE.match(block[0]), _CLOSING_TAG_RE.search(block[-1])
    return bool(opening and closing and md.is_block_level(opening.group(1).lower()) and md.is_block_level(closing.group(1).lower()))


_MARK_RE = re.compile(rf"{MARK} (\d+)")
_TOKEN_RE = re.compile(rf"<p>{MARK}-(\d+)-(\d+)(-last)?</p>")


def restore(html: str, source: str) -> str:
    """A finished page with its generated blocks back in place, from ``source`` (as given to ``mark``).

    Each block comes with the line break that ended it, as Python-Markdown puts back a block it set aside.
    """
    return _TOKEN_RE.sub(lambda m: _block_of(source[int(m.group(1)) : int(m.group(2))]) + ("" if m.group(3) else "\n"), html)


def _block_of(text: str) -> str:
    """A block as Python-Markdown passes it through: its tabs made spaces first (a block starts a line, so columns agree)."""
    return text.expandtabs(TAB_LENGTH) if "\t" in text else text


class GeneratedHTML(Extension):
    """Registers the shelter first of all (31): before white space is normalised (30), MkDocs' anchor scan (21) and Python-Markdown's own (20)."""

    def __init__(self) -> None:
        super().__init__()
        self.shelter: _Shelter | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        self.shelter = _Shelter(md)
        md.preprocessors.register(self.shelter, "papers_generated_html", 31)

    @property
    def ids(self) -> set[str]:
        """The ids in the blocks of the page last converted (MkDocs reads raw HTML's ids for its anchor checks)."""
        return self.shelter.ids if self.shelter is not None else set()
