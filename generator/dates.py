"""The dates a reader sees: when a paper was published, and one way of writing every date.

A paper's date is its publication date, never the day a curator added it:
the source's date (arXiv's first version, Hugging Face's ``publishedAt``), else
the year and month every arXiv id encodes (``1506.03134`` is June 2015), else
unknown. Every page, list, feed text and search result writes dates the same
way: ``12 March 2026`` for a day, ``June 2015`` for a month alone. No locale is
involved (a build must not depend on the machine's).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from .identity import arxiv_month

Month = tuple[int, int]


def month_text(month: Month) -> str:
    """``(2015, 6)`` -> ``June 2015``."""
    return f"{calendar.month_name[month[1]]} {month[0]}"


def day_text(day: date) -> str:
    """``2026-03-12`` -> ``12 March 2026``."""
    return f"{day.day} {month_text((day.year, day.month))}"


@dataclass(frozen=True, order=True)
class Published:
    """When a paper was first published, as precisely as it is known: a day, or a month alone (``day`` 0)."""

    year: int
    month: int
    day: int = 0

    @classmethod
    def of(cls, published: date | None, arxiv: str = "") -> Published | None:
        """From a record's ``published`` date, else from its arXiv id; None when neither says."""
        if published is not None:
            return cls(published.year, published.month, published.day)
        if arxiv:
            year, month = arxiv_month(arxiv)
            if 1 <= month <= 12:
                return cls(year, month)
        return None

    @property
    def month_key(self) -> Month:
        return (self.year, self.month)

    @property
    def iso(self) -> str:
        """A valid ``<time datetime>``: ``2015-06-08``, or ``2015-06`` for a month."""
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")

    @property
    def text(self) -> str:
        """As a reader sees it: ``8 June 2015``, or ``June 2015``."""
        return f"{self.day} {month_text(self.month_key)}" if self.day else month_text(self.month_key)

    def html(self) -> str:
        return f'<time datetime="{self.iso}">{self.text}</time>'
