"""``python -m generator``: the ``papers`` command."""

from . import entry

entry()
