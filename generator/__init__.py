"""Papers Archive: a curated archive of research papers, published as a static site."""

__version__ = "0.1.0"


def entry() -> None:
    """The ``papers`` command. Ctrl-C while it is still loading ends as quietly as it does later."""
    import sys

    try:
        from .cli import main
    except KeyboardInterrupt:
        sys.stderr.write("papers: interrupted; nothing was changed\n")
        raise SystemExit(130) from None
    raise SystemExit(main())
