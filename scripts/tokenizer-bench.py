#!/usr/bin/env python
"""jieba (Python) against rjieba (jieba-rs) inside ChineseTokenizer: tokens, recall, speed.

Issue 15, item 7. Every comparison runs both segmenters in one process, interleaved, so
a busy machine slows both alike; ratios are the figures to read, seconds are context.

    .venv/bin/python scripts/tokenizer-bench.py all            # everything (about 15 min)
    .venv/bin/python scripts/tokenizer-bench.py equality       # same tokens? (about 2 min)
    .venv/bin/python scripts/tokenizer-bench.py recall         # lexical R@1/5/10, CMRC + gold
    .venv/bin/python scripts/tokenizer-bench.py speed          # tokenizing CMRC train
    .venv/bin/python scripts/tokenizer-bench.py build --chunks 100k --rounds 2   # BM25 build

* equality: the bundled sample corpus (one document per paragraph), CMRC 2018
  train/trial passages and the 10k-chunk synthetic corpus (see build): share of documents whose token lists are identical, share of
  tokens that differ (multiset), and every CJK run the two segment differently.
* recall: BM25 R@1/R@5/R@10 over chunks collapsed to passages (as ``corpusqa bench
  lexical``) on CMRC trial and train, each segmenter; then ``corpusqa eval --config
  lexical`` on the bundled gold set, once as installed (rjieba) and once with rjieba
  blocked (``sys.modules['rjieba'] = None``: the fallback a user without it gets).
* speed: ``ChineseTokenizer.tokenize`` over CMRC train passages: a cold pass (empty
  fold cache) and warm rounds alternating the order; and the segmenter alone.
* build: the BM25 stage (``lexical_s`` of ``IndexBuilder``: tokenizing in worker
  processes plus postings) on the synthetic corpus of ``corpusqa bench scale``, no
  encoder, each segmenter per round, the order swapped every round.

JSON results go to ``bench-output/tokenizer/`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

from corpusqa.bench.splits import default_benchmarks, load_questions, passages_as_articles
from corpusqa.chinese_script import to_simplified
from corpusqa.corpus.ingest import default_corpus_paths
from corpusqa.index.tokenizer import _TOKEN_RE, ChineseTokenizer

SEGS = ("jieba", "rjieba")
ROOT = Path(__file__).resolve().parents[1]


def tokenizers(**kw) -> dict[str, ChineseTokenizer]:
    out = {}
    for seg in SEGS:
        t0 = time.perf_counter()
        out[seg] = ChineseTokenizer(segmenter=seg, **kw).load()
        print(f"  {seg}: loaded in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return out


def sample_paragraphs() -> list[str]:
    return [p for f in default_corpus_paths() for p in f.read_text(encoding="utf-8").splitlines() if p.strip()]


def cmrc_texts(split: str) -> list[str]:
    path = default_benchmarks() / "cmrc2018" / f"{split}.passages.jsonl"
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def cjk_runs(tok: ChineseTokenizer, text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return [tok._fold(m.group()) for m in _TOKEN_RE.finditer(text) if m.lastgroup == "cjk"]


# -- equality ----------------------------------------------------------------------------------
def equality(args) -> dict:
    toks = tokenizers()
    j, r = toks["jieba"], toks["rjieba"]
    sources = {"sample": sample_paragraphs(), "cmrc-train": cmrc_texts("train"), "cmrc-trial": cmrc_texts("trial"),
               # 3% of characters replaced at random: many unknown words, the HMM's work
               "synthetic-10k": [a.text for a in synthetic_articles(10_000)]}
    out = {}
    for name, texts in sources.items():
        same = tok_j = missing = extra = differing = 0
        examples = []
        for text in texts:
            a, b = j.tokenize(text), r.tokenize(text)
            tok_j += len(a)
            if a == b:
                same += 1
                continue
            ca, cb = Counter(a), Counter(b)
            missing += sum((ca - cb).values())
            extra += sum((cb - ca).values())
            for run in cjk_runs(j, text):
                wa, wb = list(j._jieba.cut(run, HMM=True)), list(r._jieba.cut(run, HMM=True))
                if wa != wb:
                    differing += 1
                    if len(examples) < 20:
                        examples.append({"run": run, "jieba": "/".join(wa), "rjieba": "/".join(wb)})
        runs = sum(len(cjk_runs(j, t)) for t in texts)
        out[name] = {"documents": len(texts), "identical_docs": same, "identical_pct": round(100 * same / len(texts), 3),
                     "cjk_runs": runs, "runs_differing": differing, "jieba_tokens": tok_j,
                     "jieba_tokens_missing_in_rjieba": missing, "rjieba_tokens_not_in_jieba": extra,
                     "tokens_differing_pct": round(100 * (missing + extra) / max(1, 2 * tok_j), 5),
                     "examples": examples}
        print(f"{name}: {same}/{len(texts)} documents identical ({out[name]['identical_pct']}%), "
              f"{missing}+{extra} of {tok_j} tokens differ ({out[name]['tokens_differing_pct']}%), "
              f"{differing} of {runs} CJK runs")
        for e in examples:
            print(f"    {e['run']}: jieba {e['jieba']} | rjieba {e['rjieba']}")
    return out


# -- recall ------------------------------------------------------------------------------------
def split_recall(tok: ChineseTokenizer, split: Path, pool: int = 50) -> dict:
    """R@1/5/10 of corpusqa's BM25 on a CMRC split (chunks collapsed to passages)."""
    from corpusqa.index.chunking import Chunker
    from corpusqa.index.lexical import LexicalIndex

    chunker, pids, docs = Chunker(), [], []
    for art in passages_as_articles(split.with_name(split.name + ".passages.jsonl")):
        for c in chunker.chunk(art):
            pids.append(art.id)
            docs.append(tok.tokenize(f"{art.title}\n{c.text}"))
    idx = LexicalIndex(tok).build_tokens(docs)
    questions = load_questions(split.with_name(split.name + ".questions.jsonl"))
    hits = {1: 0, 5: 0, 10: 0}
    for q in questions:
        ranked = list(dict.fromkeys(pids[row] for row, _ in idx.search(q["question"], pool)))
        for k in hits:
            hits[k] += bool(set(q["gold_pids"]) & set(ranked[:k]))
    return {"questions": len(questions), **{f"recall@{k}": round(v / len(questions), 4) for k, v in hits.items()}}


BLOCKED = "import sys; sys.modules['rjieba'] = None; from corpusqa.cli import main; sys.exit(main())"
INSTALLED = "import sys; from corpusqa.cli import main; sys.exit(main())"


def gold_eval(code: str, home: Path) -> dict:
    cmd = [sys.executable, "-c", code, "--home", str(home), "--encoder", "none", "--verifier", "none", "--silent",
           "eval", "--config", "lexical", "--json"]
    print("  $ " + " ".join(f'"{c}"' if " " in c else c for c in cmd), file=sys.stderr)
    res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    return {k: round(v, 4) for k, v in res["results"]["lexical"].items() if k.startswith(("recall@", "mrr", "answer_c"))}


def recall(args) -> dict:
    toks = tokenizers()
    out = {}
    for split in ("trial", "train"):
        path = default_benchmarks() / "cmrc2018" / split
        out[f"cmrc-{split}"] = {seg: split_recall(toks[seg], path) for seg in SEGS}
        print(f"cmrc-{split}: " + "; ".join(f"{s} {out[f'cmrc-{split}'][s]}" for s in SEGS))
    with tempfile.TemporaryDirectory(prefix="tokhome-") as tmp:
        out["gold"] = {"jieba": gold_eval(BLOCKED, Path(tmp) / "j"), "rjieba": gold_eval(INSTALLED, Path(tmp) / "r")}
    print(f"gold: jieba {out['gold']['jieba']}; rjieba {out['gold']['rjieba']}")
    return out


# -- speed -------------------------------------------------------------------------------------
def speed(args) -> dict:
    texts = cmrc_texts("train")
    to_simplified("測試")  # OpenCC's dictionaries load once per process, not per tokenizer
    toks = tokenizers()
    out: dict = {"texts": len(texts), "chars": sum(map(len, texts)), "cold_s": {}, "warm_s": {s: [] for s in SEGS}}
    for seg in SEGS:  # cold: each tokenizer's fold cache starts empty
        t0 = time.perf_counter()
        for t in texts:
            toks[seg].tokenize(t)
        out["cold_s"][seg] = round(time.perf_counter() - t0, 2)
    for i in range(args.rounds):
        for seg in SEGS if i % 2 == 0 else SEGS[::-1]:
            t0 = time.perf_counter()
            for t in texts:
                toks[seg].tokenize(t)
            out["warm_s"][seg].append(round(time.perf_counter() - t0, 2))
    runs = [r for t in texts for r in cjk_runs(toks["jieba"], t)]
    out["segmenter_only_s"] = {s: [] for s in SEGS}
    for i in range(args.rounds):
        for seg in SEGS if i % 2 == 0 else SEGS[::-1]:
            cut = toks[seg]._jieba.cut
            t0 = time.perf_counter()
            for r in runs:
                list(cut(r, HMM=True))
            out["segmenter_only_s"][seg].append(round(time.perf_counter() - t0, 2))
    med = {k: {s: statistics.median(v[s]) for s in SEGS} for k, v in out.items() if k.endswith("only_s") or k == "warm_s"}
    out["ratio_jieba_over_rjieba"] = {
        "cold": round(out["cold_s"]["jieba"] / out["cold_s"]["rjieba"], 2),
        **{k: round(m["jieba"] / m["rjieba"], 2) for k, m in med.items()}}
    print(json.dumps(out, ensure_ascii=False))
    return out


# -- BM25 build --------------------------------------------------------------------------------
def synthetic_articles(n_chunks: int) -> list:
    from corpusqa.bench.synthetic import SyntheticCorpus, default_passage_files
    from corpusqa.corpus.clean import clean_page
    from corpusqa.corpus.segment import ArticleDraft, build_article

    corpus = SyntheticCorpus(default_passage_files(default_benchmarks())).load()
    return [build_article(ArticleDraft(title, [b.text for b in clean_page(body)]), f"synthetic-{i // 2000:05d}.txt",
                          i % 2000) for i, (title, body) in enumerate(corpus.raw_articles(n_chunks))]


def build(args) -> dict:
    from corpusqa.bench.scale import parse_size
    from corpusqa.index.builder import IndexBuilder
    from corpusqa.settings import Settings

    n = parse_size(args.chunks)
    t0 = time.perf_counter()
    articles = synthetic_articles(n)
    print(f"  {len(articles)} synthetic articles in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    to_simplified("測試")
    rows = []
    for i in range(args.rounds):
        for seg in SEGS if i % 2 == 0 else SEGS[::-1]:
            with tempfile.TemporaryDirectory(prefix="tokbuild-") as tmp:
                settings = Settings(home=Path(tmp), encoder="none", progress=False)
                tok = ChineseTokenizer(segmenter=seg)
                t1 = time.perf_counter()
                builder = IndexBuilder(settings.index_dir, settings, tokenizer=tok, workers=args.workers)
                report = builder.build(articles)
                row = {"round": i, "segmenter": seg, "chunks": report.chunks, "lexical_s": report.timings["lexical_s"],
                       "build_s": round(time.perf_counter() - t1, 2), "workers": builder.workers}
            rows.append(row)
            print(json.dumps(row), flush=True)
    med = {s: statistics.median(r["lexical_s"] for r in rows if r["segmenter"] == s) for s in SEGS}
    out = {"chunks_target": n, "rows": rows, "median_lexical_s": med,
           "ratio_jieba_over_rjieba": round(med["jieba"] / med["rjieba"], 2)}
    print(f"BM25 stage at {rows[0]['chunks']} chunks: jieba {med['jieba']:.1f} s, rjieba {med['rjieba']:.1f} s, "
          f"x{out['ratio_jieba_over_rjieba']}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("equality", "recall", "speed", "build", "all"))
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds (speed, build)")
    ap.add_argument("--chunks", default="100k", help="synthetic corpus size for build (k, M)")
    ap.add_argument("--workers", type=int, default=None, help="tokenizing processes (default: the builder's)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-output" / "tokenizer")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in (("equality", "recall", "speed", "build") if args.what == "all" else (args.what,)):
        print(f"== {name}", file=sys.stderr)
        result = globals()[name](args)
        (args.out / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
