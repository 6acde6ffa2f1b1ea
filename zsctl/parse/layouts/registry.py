"""Layout parsers, one per page layout, registered in one table."""

from __future__ import annotations

from zsctl.parse.layouts.article import ArticleLayout
from zsctl.parse.layouts.base import Layout, Lines
from zsctl.parse.layouts.bullet import BulletLayout
from zsctl.parse.layouts.dash import DashLayout

# Order breaks detection ties: listings before the single-article fallback.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout for layout in (DashLayout(), BulletLayout(), ArticleLayout())
}


def detect_layout(lines: Lines) -> str | None:
    """The registered layout whose structure best explains the lines, or None."""
    scores = {name: layout.detect(lines) for name, layout in LAYOUTS.items()}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] > 0 else None
