"""The Arrow schemas of a build folder's datasets (docs/ARCHITECTURE.md, 'Building on a cluster').

The articles dataset has the export's own Parquet schema (zsctl.export.schema.arrow_schema).
"""

from __future__ import annotations

import pyarrow as pa

RECORDS = pa.schema(
    [
        ("key", pa.string()),
        ("dump", pa.string()),
        ("first_line", pa.int64()),
        ("last_line", pa.int64()),
        ("title", pa.string()),
        ("tag", pa.string()),
        ("date", pa.string()),
        ("source", pa.string()),
        ("layout", pa.string()),
        ("body", pa.string()),
        ("district", pa.string()),
        ("mentions", pa.string()),  # JSON {district: count}, as the corpus stores it
    ]
)

DUMPS = pa.schema(
    [
        ("file", pa.string()),
        ("sha256", pa.string()),
        ("site", pa.string()),
        ("layout", pa.string()),
        ("detected_layout", pa.string()),
        ("encoding", pa.string()),
        ("encoding_guessed", pa.bool_()),
        ("records", pa.int64()),
        ("chrome", pa.int64()),
        ("blank", pa.int64()),
        ("unparsed", pa.int64()),
        ("bytes", pa.int64()),
    ]
)

# A record's candidate code and role packed as record_codes packs them: code << 2 | role.
CODES = pa.schema([("packed", pa.int64()), ("key", pa.string()), ("part", pa.int32())])

LINKS = pa.schema([("a", pa.string()), ("b", pa.string())])

COMPONENTS = pa.schema([("key", pa.string()), ("component", pa.string())])
