"""`zsctl serve`: datasette over the corpus on the loopback interface, read-only.

The corpus is opened immutable (SQLite's immutable=1: no lock, no -wal or -shm written), so
serving never changes the file, not even its journal. Needs the `web` extra (datasette).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zsctl.errors import CorpusError, UsageError

HOST = "127.0.0.1"  # never another interface: the corpus is not published by accident
DB_NAME = "corpus"  # URLs are /corpus/..., whatever the file is called
TEMPLATES = Path(__file__).parent / "templates"
# A search or facet over 100k articles takes ~0.1-0.3 s; datasette's 1 s default leaves
# little margin on a loaded machine.
SQL_TIME_LIMIT_MS = 5000
# The article list without bodies and bookkeeping columns, which make every row tall.
LIST_COLUMNS = ("id", "date", "district", "tag", "title", "n_sources")
COMPACT = f"/{DB_NAME}/articles?" + "&".join(f"_col={c}" for c in LIST_COLUMNS)
# Bookkeeping and binary index tables (every table with a BLOB column): noise in a browser.
HIDDEN = (
    "grams",
    "gram_tails",
    "phrases",
    "phrase_tails",
    "article_order",
    "record_codes",
    "code_shards",
    "records",
    "meta",
    "dumps",
    "sqlite_sequence",
)
SEARCH_SQL = """SELECT a.n, a.id, a.date, a.district, a.tag, a.title, a.n_sources AS sources
FROM articles a
WHERE a.id IN (SELECT value FROM json_each(zsctl_search(:q)))
ORDER BY a.date DESC, a.id"""


def metadata() -> dict[str, Any]:
    """Datasette metadata: titles, hidden internals, facets, the search query."""
    tables: dict[str, Any] = {name: {"hidden": True} for name in HIDDEN}
    tables["articles"] = {
        "label_column": "title",
        "sort_desc": "date",
        "facets": ["district", "tag", {"month": "date"}],
        "description_html": (
            f'One row per deduplicated story. <a href="{COMPACT}">Without the bodies</a>; '
            f'<a href="/{DB_NAME}/search">search</a> as <code>zsctl grep</code> does.'
        ),
    }
    return {
        "title": "zsctl corpus",
        "description": "Tianjin investment-promotion news, deduplicated by zsctl",
        "databases": {
            DB_NAME: {
                "tables": tables,
                "queries": {
                    "search": {
                        "title": "Search titles and bodies (as zsctl grep)",
                        "sql": SEARCH_SQL,
                        "description": "Any text, even one or two Chinese characters.",
                    }
                },
            }
        },
    }


def check_servable(corpus: Path) -> None:
    """A clear error for a missing corpus, or one an ingest is still writing."""
    from zsctl.store.corpus import connect_read

    wal = corpus.with_name(corpus.name + "-wal")
    connect_read(corpus, immutable=True).close()  # missing, foreign or too old: its error
    if wal.exists() and wal.stat().st_size:
        raise CorpusError(
            f"{wal} holds changes not yet in the corpus (an ingest is running or was cut "
            "short); wait for it or run `zsctl ingest` again, then serve",
            path=str(corpus),
        )


def app(corpus: Path) -> Any:
    """The datasette ASGI app over `corpus`, with zsctl's plugin."""
    try:
        from datasette.app import Datasette
        from datasette.database import Database
        from datasette.plugins import pm
    except ImportError:
        raise UsageError("zsctl serve needs datasette: pip install 'zsctl[web]'") from None
    from zsctl.web import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="zsctl")
    settings = {"sql_time_limit_ms": SQL_TIME_LIMIT_MS, "facet_time_limit_ms": SQL_TIME_LIMIT_MS}
    ds = Datasette(metadata=metadata(), template_dir=str(TEMPLATES), settings=settings)
    ds.add_database(Database(ds, path=str(corpus), is_mutable=False), name=DB_NAME)
    return ds.app()


def check_port(port: int) -> None:
    """UsageError if something already listens on the port (uvicorn would exit with a log)."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise UsageError(
                f"port {port} on {HOST} is taken ({exc.strerror}); use --port N"
            ) from None


def serve(corpus: Path, port: int, announce: Callable[[str], None]) -> None:
    """Serve until Ctrl-C (SIGINT) or SIGTERM; returns after a clean shutdown."""
    check_servable(corpus)
    check_port(port)
    asgi = app(corpus)
    import uvicorn

    announce(f"serving {corpus} at http://{HOST}:{port}/{DB_NAME} (Ctrl-C to stop)")
    uvicorn.run(asgi, host=HOST, port=port, log_level="warning", lifespan="on")
