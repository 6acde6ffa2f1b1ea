"""zsctl's datasette plugin: search through zsctl's gram index, links to articles, months.

Registered by `zsctl serve` itself (zsctl.web.server), never through an entry point, so it
is active only in the datasette that zsctl starts, not in a user's other datasette runs.

- `zsctl_search(term)`: a SQL function returning the JSON list of the ids of the articles
  that `zsctl grep TERM` finds, from the same index, so 1- and 2-character Chinese terms
  work (datasette's substring filter reads every body; SQLite FTS cannot split Chinese).
- Article links: article_sources, article_districts and article_edges reference
  articles(id), but articles' primary key is its rowid `n`, so datasette's own links would
  404; their `article_id` cells link to the article page instead.
- The article page lists the article's sources, and a `month` facet groups dates by month.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar, cast

import markupsafe
from datasette import hookimpl as _hookimpl
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

F = TypeVar("F", bound=Callable[..., Any])


def hookimpl(fn: F) -> F:
    """datasette's hook marker, typed."""
    return cast(F, _hookimpl(fn))


LINKED_TABLES = frozenset({"article_sources", "article_districts", "article_edges"})
SOURCES_SQL = """
SELECT s.record_key AS record, r.dump, r.first_line, r.last_line, r.date, s.kind, s.score,
       r.title
FROM article_sources s LEFT JOIN records r ON r.key = s.record_key
WHERE s.article_id = ? ORDER BY s.kind != 'kept', r.dump, r.first_line
"""


def search_ids(db: sqlite3.Connection, term: str) -> str:
    """The ids `zsctl grep TERM` finds, as a JSON list ('[]' for an empty term)."""
    from zsctl.query.filters import Filters
    from zsctl.query.search import compile_search, grep_ids

    if not term:
        return "[]"
    return json.dumps(list(grep_ids(db, compile_search(term), Filters())))


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Give every connection datasette opens the zsctl_search() function."""
    conn.create_function("zsctl_search", 1, lambda term: search_ids(conn, term))


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """An article_id cell links to the article's page (its title as the label)."""
    if column != "article_id" or table not in LINKED_TABLES:
        return None
    article_id = value["value"] if isinstance(value, dict) else value

    async def link() -> markupsafe.Markup | None:
        db = datasette.get_database(database)
        rows = (await db.execute("SELECT n, title FROM articles WHERE id = ?", [article_id])).rows
        if not rows:
            return None
        href = datasette.urls.row(database, "articles", str(rows[0]["n"]))
        return markupsafe.Markup('<a href="{}">{}</a> <code>{}</code>').format(
            href, rows[0]["title"], article_id
        )

    return link


@hookimpl
def extra_template_vars(
    view_name: str, table: str | None, database: str | None, request: Any, datasette: Any
) -> Any:
    """On an article's page: its sources, for the row template."""
    if view_name != "row" or table != "articles" or request is None:
        return None

    async def variables() -> dict[str, Any]:
        db = datasette.get_database(database)
        n = request.url_vars["pks"]
        found = (await db.execute("SELECT id FROM articles WHERE n = ?", [n])).rows
        if not found:
            return {}
        rows = (await db.execute(SOURCES_SQL, [found[0]["id"]])).rows
        return {"zsctl_sources": [dict(r) for r in rows]}

    return variables


class MonthFacet(Facet):  # type: ignore[misc]
    """Counts by month (YYYY-MM) of an ISO date column; choosing one filters on its prefix."""

    type = "month"

    async def suggest(self) -> list[dict[str, Any]]:
        """Never suggested: configured in zsctl's metadata for articles.date."""
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """One facet result per configured column: months, most articles first."""
        results, timed_out = [], []
        for config in self.get_configs():
            column = config["config"].get("column") or config["config"]["simple"]
            try:
                results.append(await self._months(column, config["source"]))
            except Exception as exc:  # datasette's QueryInterrupted: report, as its facets do
                if type(exc).__name__ != "QueryInterrupted":
                    raise
                timed_out.append(column)
        return results, timed_out

    async def _months(self, column: str, source: str) -> dict[str, Any]:
        size = self.get_facet_size()
        col = escape_sqlite(column)
        sql = (
            f"SELECT substr({col}, 1, 7) AS value, count(*) AS count FROM ({self.sql}) "
            f"WHERE {col} IS NOT NULL GROUP BY value ORDER BY value DESC LIMIT {size + 1}"
        )
        rows = await self.ds.execute(
            self.database, sql, self.params, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )  # fmt: skip
        chosen = dict(self.get_querystring_pairs()).get(f"{column}__startswith")
        values = []
        for row in rows.rows[:size]:
            arg = {f"{column}__startswith": row["value"]}
            selected = chosen == row["value"]
            path = (path_with_removed_args if selected else path_with_added_args)(self.request, arg)
            values.append(
                {
                    "value": row["value"], "label": row["value"], "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, path), "selected": selected,
                }
            )  # fmt: skip
        return {
            "name": "month", "type": self.type, "results": values, "hideable": source != "metadata",
            "toggle_url": path_with_removed_args(self.request, {"_facet_month": column}),
            "truncated": len(rows.rows) > size,
        }  # fmt: skip


@hookimpl
def register_facet_classes() -> list[type]:
    """The month facet."""
    return [MonthFacet]
