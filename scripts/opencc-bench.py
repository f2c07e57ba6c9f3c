#!/usr/bin/env python
"""OpenCC implementations compared: the folds they make and the time they take (issue 14, item 6).

Only one ``opencc`` module can be installed at a time (the C++ binding ``opencc`` and the
pure-Python ``opencc-python-reimplemented`` both install it), so each implementation is
measured by its own run of this script and the runs are compared afterwards:

    .venv/bin/python scripts/opencc-bench.py prepare          # the texts, folded by neither
    .venv/bin/python scripts/opencc-bench.py measure --label python   # as installed now
    # swap the implementation, e.g.
    .venv/bin/pip uninstall -y opencc-python-reimplemented && .venv/bin/pip install opencc==1.4.2
    .venv/bin/python scripts/opencc-bench.py measure --label cpp
    .venv/bin/python scripts/opencc-bench.py compare python cpp

* prepare: the CJK runs the tokenizer folds (``index/tokenizer.py``'s ``_TOKEN_RE``) of
  CMRC 2018 train + trial passages, the bundled sample corpus, and a Traditional copy of
  CMRC trial and train (made with the installed ``s2t`` once, saved, so both runs fold the
  same input). Written to ``bench-output/opencc/texts.json``.
* measure: ``to_simplified`` over every run, cold, three rounds (the median is the
  figure); then ``ChineseTokenizer.tokenize`` over the Simplified and the Traditional
  passages as shipped and with any fold cache taken out (a fresh tokenizer each round); the folded runs go
  to ``folds-LABEL.json``, the timings to ``measure-LABEL.json``.
* compare: runs folded differently, with examples, and the time ratios.

The machine has 2 cores and other jobs may run: the ratios between rounds of one run are
steadier than seconds across runs, so each ``measure`` also times a fixed pure-Python
workload and the report gives both seconds and seconds per baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BENCH = REPO.parent / "shared" / "benchmarks"


def _passages(name: str) -> list[str]:
    path = BENCH / "cmrc2018" / f"{name}.passages.jsonl"
    return [json.loads(line)["title"] + "\n" + json.loads(line)["text"] for line in path.open(encoding="utf-8")]


def _sample() -> list[str]:
    from corpusqa.corpus.ingest import default_corpus_paths

    out = []
    for p in default_corpus_paths():
        for f in sorted(Path(p).rglob("*") if Path(p).is_dir() else [Path(p)]):
            if f.is_file():
                out.append(f.read_text(encoding="utf-8", errors="replace"))
    return out


def _runs(texts: list[str]) -> list[str]:
    import unicodedata

    from corpusqa.index.tokenizer import _TOKEN_RE

    runs: dict[str, None] = {}
    for t in texts:
        for m in _TOKEN_RE.finditer(unicodedata.normalize("NFKC", t).lower()):
            if m.lastgroup == "cjk":
                runs.setdefault(m.group(), None)
    return list(runs)


def prepare(out: Path) -> None:
    from corpusqa.chinese_script import converter_version, to_traditional

    simp = _passages("train") + _passages("trial") + _sample()
    trad = [to_traditional(t) for t in _passages("trial") + _passages("train")]
    data = {"made_with": converter_version(), "simplified": simp, "traditional": trad}
    out.mkdir(parents=True, exist_ok=True)
    (out / "texts.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(f"{len(simp)} Simplified and {len(trad)} Traditional texts, "
          f"{len(_runs(simp + trad))} distinct CJK runs -> {out / 'texts.json'}")


def _baseline() -> float:
    """Seconds of a fixed pure-Python workload (string work like folding's)."""
    t0 = time.perf_counter()
    s = 0
    for i in range(400_000):
        s += len(("全区建成党群服务中心" + str(i)).replace("区", "區"))
    return time.perf_counter() - t0


def measure(out: Path, label: str, rounds: int) -> None:
    from corpusqa.chinese_script import _converter, converter_version, to_simplified
    from corpusqa.index import tokenizer as tk

    data = json.loads((out / "texts.json").read_text(encoding="utf-8"))
    runs = _runs(data["simplified"] + data["traditional"])
    t0 = time.perf_counter()
    _converter("t2s")
    load_s = time.perf_counter() - t0
    fold_s, base_s = [], []
    folds: list[str] = []
    for _ in range(rounds):
        base_s.append(_baseline())
        t0 = time.perf_counter()
        folds = [to_simplified(r) for r in runs]
        fold_s.append(time.perf_counter() - t0)
    tok_s: dict[str, list[float]] = {}
    for how in ("as shipped", "no fold cache"):
        for which in ("simplified", "traditional"):
            for _ in range(rounds):
                tok = tk.ChineseTokenizer()
                tok.load()
                if how == "no fold cache":  # what folding costs without any cache in front
                    tok._fold = lambda run: to_simplified(run)  # noqa: E731
                t0 = time.perf_counter()
                for text in data[which]:
                    tok.tokenize(text)
                tok_s.setdefault(f"{which}, {how}", []).append(time.perf_counter() - t0)
    result = {"label": label, "implementation": converter_version(), "runs": len(runs),
              "load_s": round(load_s, 3), "baseline_s": base_s, "fold_s": fold_s, "tokenize_s": tok_s}
    (out / f"measure-{label}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / f"folds-{label}.json").write_text(json.dumps(dict(zip(runs, folds)), ensure_ascii=False),
                                             encoding="utf-8")
    med = statistics.median
    print(f"{label}: {result['implementation']}; {len(runs)} runs; converter load {load_s:.2f} s; "
          f"fold {med(fold_s):.2f} s (baseline {med(base_s):.3f} s)")
    for k, v in tok_s.items():
        print(f"  tokenize {k}: {med(v):.2f} s")


def compare(out: Path, a: str, b: str) -> None:
    ma, mb = (json.loads((out / f"measure-{x}.json").read_text()) for x in (a, b))
    fa, fb = (json.loads((out / f"folds-{x}.json").read_text(encoding="utf-8")) for x in (a, b))
    diff = [(r, fa[r], fb.get(r)) for r in fa if fa[r] != fb.get(r)]
    med = statistics.median
    print(f"| measure | {ma['implementation']} | {mb['implementation']} | ratio |")
    print("|---|---|---|---|")
    print(f"| converter load s | {ma['load_s']} | {mb['load_s']} | {mb['load_s'] / max(ma['load_s'], 1e-9):.3f} |")

    def row(name, xa, xb, ba, bb):
        ra, rb = med(xa) / med(ba), med(xb) / med(bb)
        print(f"| {name} | {med(xa):.2f} s ({ra:.1f} baselines) | {med(xb):.2f} s ({rb:.1f}) | {rb / ra:.3f} |")

    row(f"fold {ma['runs']:,} distinct runs", ma["fold_s"], mb["fold_s"], ma["baseline_s"], mb["baseline_s"])
    for k in ma["tokenize_s"]:
        row(f"tokenize {k}", ma["tokenize_s"][k], mb["tokenize_s"][k], ma["baseline_s"], mb["baseline_s"])
    print(f"\nruns folded differently: {len(diff)} of {len(fa):,}")
    chars: dict[tuple[str, str], int] = {}
    for r, x, y in diff:
        if y is not None and len(x) == len(y):
            for cx, cy in zip(x, y):
                if cx != cy:
                    chars[(cx, cy)] = chars.get((cx, cy), 0) + 1
    for (cx, cy), n in sorted(chars.items(), key=lambda kv: -kv[1])[:30]:
        print(f"  {a} {cx} / {b} {cy}: {n} runs")
    for r, x, y in diff[:15]:
        print(f"  {r[:30]} | {a}: {x[:30]} | {b}: {(y or '')[:30]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["prepare", "measure", "compare"])
    ap.add_argument("labels", nargs="*")
    ap.add_argument("--label", default="installed")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=REPO / "bench-output" / "opencc")
    args = ap.parse_args()
    if args.mode == "prepare":
        prepare(args.out)
    elif args.mode == "measure":
        measure(args.out, args.label, args.rounds)
    else:
        compare(args.out, *args.labels)


if __name__ == "__main__":
    main()
