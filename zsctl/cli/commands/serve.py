"""`zsctl serve`: the corpus in a browser (datasette), read-only, on this machine only."""

from __future__ import annotations

from typing import Annotated

from zsctl.cli.options import CorpusOpt
from zsctl.cli.params import Option

DEFAULT_PORT = 8001  # datasette's own default


def serve(
    port: Annotated[
        int, Option("--port", "-p", min=1, max=65535, metavar="N", help="Port on 127.0.0.1.")
    ] = DEFAULT_PORT,
    corpus: CorpusOpt = None,
) -> int:
    """Browse and search the corpus in a web browser at http://127.0.0.1:PORT/corpus.

    Articles with facets on district, month and tag, each article's page with its sources,
    and a search that finds what `zsctl grep` finds. The corpus is opened immutable: nothing
    is written beside it. Needs pip install 'zsctl[web]'. Ctrl-C stops it.
    """
    from zsctl.cli.options import corpus_path
    from zsctl.cli.output import note
    from zsctl.web.server import serve as run

    run(corpus_path(corpus), port, note)
    return 0
