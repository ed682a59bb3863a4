"""Reading a list of papers by id: arXiv ids or arXiv / Hugging Face addresses, one per line.

``2305.13169``, ``arXiv:2305.13169v2``, ``https://arxiv.org/abs/cs/0501001``,
``https://huggingface.co/papers/2305.13169``. Blank lines and ``#`` comments
(at the start of a line, or after a space) are skipped, and so is a comma or
semicolon after an id. The ids are then looked up through the arXiv API (``ingest.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import Problem
from ..identity import parse_arxiv_id
from . import SourceFile, decode


def read_ids(path: Path) -> SourceFile:
    source = SourceFile(file=path.name)
    text = decode(path.read_bytes(), str(path), source.file_problems)
    if text is None:
        return source
    for number, line in enumerate(text.splitlines(), start=1):
        # A comment starts the line or follows a space: an address's own #fragment stays.
        content = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip().rstrip(",;.")
        if not content:
            continue
        arxiv = parse_arxiv_id(content)
        if arxiv is None:
            source.problems.append(
                Problem(str(path), number, f"{content[:80]!r} is not an arXiv id or an arXiv / Hugging Face paper address; fix or delete the line")
            )
        else:
            source.wanted.append((arxiv, number))
    source.check_nonempty(path, "expected arXiv ids or addresses, one per line")
    return source
