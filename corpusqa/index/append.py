"""Append new articles to the live index version without redoing the old rows.

Used by ``IndexBuilder.update`` when every article of the live version is still in the
corpus unchanged (article ids are content hashes) and nothing about chunking,
tokenizing or the encoder changed. The new version is a copy of the live one plus rows
for the new articles: their chunks are embedded and tokenized, the old vectors and
FAISS graph are kept, and the BM25 postings are merged (see ``postings.append_documents``).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np

from corpusqa.index import store as st
from corpusqa.index.chunk_rows import ChunkTable, ChunkTableWriter
from corpusqa.index.npyfiles import append_rows
from corpusqa.index.postings import append_documents
from corpusqa.models import Article, content_id, text_hash

logger = logging.getLogger(__name__)

ARTICLE_ROWS = st.ARTICLE_ROWS


def write_article_rows(path: Path, ids: list[str], counts: list[int], hashes: list[str]) -> None:
    """Which articles the rows hold, in row order (``counts[i]`` chunks of ``ids[i]``), and
    the hash of each article's text when it was indexed (``models.text_hash``)."""
    path.write_text(json.dumps({"ids": ids, "counts": counts, "hashes": hashes}, ensure_ascii=False))


def can_append(encoder, tokenizer, options, manifest: dict | None, rows: dict | None,
               article_ids: set[str]) -> bool:
    """True when the live version (its manifest and article rows) can be extended instead of
    rebuilt: the same articles plus new ones, the same encoder weights and tokenizer, and
    the same resolved ``BuildOptions`` (``options``) as it was built with."""
    from corpusqa.index.builder import BuildOptions

    if manifest is None or rows is None or not set(rows["ids"]) <= article_ids:
        return False
    if len(rows.get("hashes") or []) != len(rows["ids"]):  # written before text hashes
        return False
    enc = manifest.get("encoder") or {}
    if (encoder is None) != (not enc) or (encoder and enc.get("fingerprint") != encoder.fingerprint):
        return False
    if manifest.get("tokenizer") != tokenizer.settings():
        return False
    return BuildOptions.from_manifest(manifest).resolved(None) == options


def append_version(builder, tmp: Path, live: Path, manifest: dict, rows: dict, articles: list[Article],
                   chunker, clock) -> dict:
    """Write into ``tmp`` the live version plus ``articles``; returns the new counts/sections.

    ``rows`` is the live version's :func:`store.read_article_rows`; ``chunker`` the live version's
    (``BuildOptions.chunker``); ``builder`` embeds (``IndexBuilder.embed``) and tokenizes.
    """
    new_chunks, embed_texts, lex_docs = [], [], []
    ids, counts = list(rows["ids"]), list(rows["counts"])
    hashes = list(rows.get("hashes") or [])
    for art in articles:
        title = (art.title or "").strip()
        cs = chunker.chunk(art)
        for c in cs:
            new_chunks.append((art, c))
            embedded, lexical = chunker.texts(title, c)
            embed_texts.append(embedded)
            lex_docs.append(lexical)
        ids.append(art.id)
        counts.append(len(cs))
        hashes.append(text_hash(art.text))
    table = ChunkTableWriter(ChunkTable.load(live))
    shutil.copyfile(live / st.CHUNKS, tmp / st.CHUNKS)
    with open(tmp / st.CHUNKS, "ab") as f:
        for _, c in new_chunks:
            f.write(table.encode(c))
    table.save(tmp)
    write_article_rows(tmp / ARTICLE_ROWS, ids, counts, hashes if len(hashes) == len(ids) else [])
    clock.lap("chunking_s")
    tokens = [builder.tokenizer.tokenize(t) for t in lex_docs]
    lex = manifest["lexical"]
    append_documents(live / st.LEXICAL_DIR, tmp / st.LEXICAL_DIR, tokens, lex["k1"], lex["b"])
    clock.lap("lexical_s")
    old_counts = manifest["counts"]
    stats = {"embedded_chunks": 0, "reused_chunks": old_counts["chunks"], "embedded_sentences": 0,
             "reused_sentences": 0}
    dense = manifest.get("dense")
    sent_info = manifest.get("sentence_vectors")
    n_sent = old_counts.get("sentences", 0)
    if builder.encoder is not None:
        ids = [content_id(t) for t in embed_texts]
        vecs, stats["embedded_chunks"], cached = builder.embed(embed_texts, ids, None, "chunks")
        stats["reused_chunks"] += cached
        append_rows(live / st.CHUNK_VECTORS, tmp / st.CHUNK_VECTORS, vecs.astype(np.float32))
        keys = np.array([k.encode() for k in ids], dtype="S16")
        append_rows(live / st.CHUNK_KEYS, tmp / st.CHUNK_KEYS, keys)
        clock.lap("embed_chunks_s")
        import faiss

        index = faiss.read_index(str(live / st.FAISS_FILE))  # in memory, writable (not memory-mapped)
        if len(vecs):
            index.add(np.ascontiguousarray(vecs))
        faiss.write_index(index, str(tmp / st.FAISS_FILE))
        clock.lap("faiss_s")
        if sent_info and sent_info.get("enabled"):
            sent_info, n_sent = _append_sentences(builder, tmp, live, new_chunks, sent_info, stats)
            clock.lap("embed_sentences_s")
    refs = old_counts.get("sentence_refs", 0) + sum(len(c.sentences) for _, c in new_chunks)
    counts_out = {"articles": old_counts["articles"] + len(articles), "chunks": old_counts["chunks"] + len(new_chunks),
                  "sentences": n_sent, "sentence_refs": refs, **stats}
    return {"chunker": manifest["chunker"], "dense": dense, "sentence_vectors": sent_info, "counts": counts_out}


def _append_sentences(builder, tmp: Path, live: Path, new_chunks, info: dict, stats: dict):
    keys = [k.decode() for k in st.load_array(live / st.SENTENCE_KEYS)]
    index = {k: i for i, k in enumerate(keys)}
    new_texts, refs = [], []
    for art, c in new_chunks:
        for s, e in c.sentences:
            text = art.text[s:e]
            k = content_id(text)
            if k not in index:
                index[k] = len(keys)
                keys.append(k)
                new_texts.append(text)
            refs.append(index[k])
    if info.get("mode") == "auto" and len(keys) > info.get("limit", 0):
        stats["reused_sentences"] = 0
        return {**info, "enabled": False, "reason": f"> {info['limit']} sentences", "distinct": len(keys)}, len(keys)
    vecs, stats["embedded_sentences"], _ = builder.embed(new_texts, [content_id(t) for t in new_texts], None,
                                                          "sentences")
    stats["reused_sentences"] = len(keys) - stats["embedded_sentences"]
    np.save(tmp / st.SENTENCE_KEYS, np.array([k.encode() for k in keys], dtype="S16"), allow_pickle=False)
    append_rows(live / st.SENTENCE_VECTORS, tmp / st.SENTENCE_VECTORS, vecs.astype(np.float32))
    append_rows(live / st.CHUNK_SENTENCES, tmp / st.CHUNK_SENTENCES, np.asarray(refs, dtype=np.int32))
    return {**info, "distinct": len(keys), "reason": f"{len(keys)} <= {info['limit']} sentences"
            if info.get("mode") == "auto" else info.get("reason")}, len(keys)
