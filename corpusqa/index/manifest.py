"""manifest.json: what an index was built with, and the checks made before using it."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from corpusqa import __version__
from corpusqa.errors import SearchIndexError

SCHEMA_VERSION = 2  # 2: streamed lexical postings (corpusqa-bm25)
MANIFEST = "manifest.json"
BUILD_COMMAND = "corpusqa index build"
UPDATE_COMMAND = "corpusqa index update"


def make_manifest(*, encoder, chunker: dict, tokenizer: dict, lexical: dict, dense: dict | None,
                  sentence_vectors: dict | None, counts: dict, timings: dict, seconds: float) -> dict[str, Any]:
    """The manifest of a new version (``files`` is added by :func:`write_manifest`)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "corpusqa_version": __version__,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 2),
        "encoder": {"spec": encoder.name, "name": encoder.name, "dim": encoder.dim,
                    "fingerprint": encoder.fingerprint} if encoder else None,
        "chunker": chunker,
        "tokenizer": tokenizer,
        "lexical": {k: v for k, v in lexical.items() if k != "tokenizer"},
        "dense": dense,
        "sentence_vectors": sentence_vectors or {"enabled": False, "reason": "no encoder (lexical-only)"},
        "counts": counts,
        "timings": timings,
    }


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (last file of a build: its presence marks a complete version)."""
    files = {p.relative_to(directory).as_posix(): p.stat().st_size
             for p in sorted(directory.rglob("*")) if p.is_file() and p.name != MANIFEST}
    data = {**manifest, "files": files}
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read and sanity-check a version's manifest; SearchIndexError when missing or damaged."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SearchIndexError("index.corrupt", detail=f"{MANIFEST} missing", command=BUILD_COMMAND)
    except (OSError, ValueError) as exc:
        raise SearchIndexError("index.corrupt", detail=f"{MANIFEST}: {exc}", command=BUILD_COMMAND)
    if not isinstance(manifest, dict):
        raise SearchIndexError("index.corrupt", detail=f"{MANIFEST} is not an object", command=BUILD_COMMAND)
    found = manifest.get("schema_version")
    if found != SCHEMA_VERSION:
        raise SearchIndexError("index.schema_mismatch", found=found, expected=SCHEMA_VERSION, command=BUILD_COMMAND)
    for name, size in (manifest.get("files") or {}).items():
        path = directory / name
        if not path.is_file() or path.stat().st_size != size:
            raise SearchIndexError("index.corrupt", detail=f"{name} missing or truncated", command=BUILD_COMMAND)
    return manifest


def encoder_name(manifest: dict[str, Any]) -> str:
    """The encoder the index was built with (``none`` for lexical-only)."""
    enc = manifest.get("encoder")
    return enc["name"] if enc else "none"


def check_encoder(manifest: dict[str, Any], wanted: str) -> None:
    """Refuse an index built with another encoder than the configured one."""
    built = encoder_name(manifest)
    if built != wanted:
        raise SearchIndexError("index.encoder_mismatch", built=built, wanted=wanted,
                          command=f"{UPDATE_COMMAND} --encoder {wanted}")


def check_tokenizer(manifest: dict[str, Any], current: dict[str, Any]) -> None:
    """Refuse an index whose documents were tokenized differently from queries now."""
    saved = manifest.get("tokenizer") or {}
    diff = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
    if diff:
        raise SearchIndexError("index.tokenizer_mismatch", what=", ".join(diff), command=UPDATE_COMMAND)


def check_fingerprint(manifest: dict[str, Any], fingerprint: str) -> None:
    """Refuse to mix query vectors of one model with document vectors of another."""
    enc = manifest.get("encoder") or {}
    if enc.get("fingerprint") != fingerprint:
        raise SearchIndexError("index.fingerprint_mismatch", encoder=enc.get("name"), command=UPDATE_COMMAND)
