"""zsctl: clean, deduplicate and search scraped 招商引资 news dumps."""

__version__ = "0.1.0"
