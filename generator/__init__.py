"""Papers Archive: a curated archive of research papers, published as a static site."""

__version__ = "0.1.0"
