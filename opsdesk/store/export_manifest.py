"""The manifest written beside every export: what the file contains and how to check it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_SUFFIX = ".manifest.json"
_HASH_CHUNK = 1024 * 1024


def manifest_path(out: Path) -> Path:
    """`<file>.manifest.json` beside the export."""
    return out.with_name(out.name + MANIFEST_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Manifest:
    """Everything the manifest states; `to_dict` is its JSON form."""

    file: str
    format: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    scope: str  # "filter", "selection" or "payment"
    description: str
    filter: dict[str, Any] | None
    payment_id: str | None
    first_received_at: str | None
    last_received_at: str | None
    opsdesk_version: str
    operator: str
    created_at: str
    source_db: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "encoding": "utf-8",
            "sha256": self.sha256,
            "rows": self.rows,
            "columns": list(self.columns),
            "scope": self.scope,
            "description": self.description,
            "filter": self.filter,
            "payment_id": self.payment_id,
            "time_range": {
                "first_received_at": self.first_received_at,
                "last_received_at": self.last_received_at,
            },
            "opsdesk_version": self.opsdesk_version,
            "operator": self.operator,
            "created_at": self.created_at,
            "source_db": self.source_db,
            "card_numbers": "masked to the first 6 and last 4 digits",
            "amounts": "integers in minor units of the row's currency",
            "csv_formula_prefix": (
                "text cells starting with = + - @ tab or carriage return are prefixed with '"
                if self.format == "csv"
                else None
            ),
        }


def manifest_json(manifest: Manifest) -> str:
    """The manifest file's text."""
    return json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n"
