"""The workspace layer: one home (corpus DB + index + feedback + uploads) and its stages.

``Workspace`` ingests, updates the index and opens an ``Assistant``; the CLI, the web
chat and the evaluation go through it (see ``home.py``). ``commands/`` holds the
``ingest``, ``corpus``, ``index`` and ``ask`` commands, thin adapters over it.
"""

from corpusqa.workspace.home import (FAISS_KINDS, SENTENCE_MODES, SUPPORTED_SUFFIXES, BuildReport, HomeStats,
                                     IndexInfo, IngestReport, RemoveReport, Workspace, default_corpus_paths)

__all__ = ["BuildReport", "FAISS_KINDS", "HomeStats", "IndexInfo", "IngestReport", "RemoveReport",
           "SENTENCE_MODES", "SUPPORTED_SUFFIXES", "Workspace", "default_corpus_paths"]
