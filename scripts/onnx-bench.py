#!/usr/bin/env python
"""ONNX Runtime (fp32 and dynamic int8) against torch for an ``st:`` encoder (m3e-small), on CPU.

Issue 15, item 6. Everything runs in an experiment venv, never in ``.venv`` (whose pins other
work depends on). sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, whose
newest release (0.1.0) requires ``transformers<4.58`` while sentence-transformers 6.x requires
``transformers>=5``: pip cannot install ``sentence-transformers[onnx]==6.3.0`` at all (see
``deps``). So this script does by hand what that backend does: the same feature-extraction
graph (``input_ids, attention_mask, token_type_ids -> last_hidden_state``, exported here with
torch's dynamo exporter), the same int8 recipe as ``export_dynamic_quantized_onnx_model(...,
"avx2")`` (optimum's ``AutoQuantizationConfig.avx2(is_static=False)`` handed to onnxruntime's
``ONNXQuantizer``), and the same pipeline around it (length-sorted batches, mean pooling over
the attention mask, L2 normalisation), so nothing but the runtime differs from the torch path.

Setup (once; torch 2.13.0 is the CPU wheel on this disk, any other torch spec may pull CUDA)::

    python3 -m venv /tmp/onnx-venv
    /tmp/onnx-venv/bin/pip install torch==2.13.0
    /tmp/onnx-venv/bin/pip install sentence-transformers==6.3.0 transformers==5.25.0 \\
        tokenizers==0.23.3 huggingface_hub==2.4.0 numpy==2.4.6 scipy==1.17.1 \\
        scikit-learn==1.9.1 safetensors==0.8.0 onnx onnxruntime onnxscript
    # only to show that ST's backend cannot import it (not needed by the steps below):
    /tmp/onnx-venv/bin/pip install --no-deps optimum==2.1.0 optimum-onnx==0.1.0

Steps, from the repository root (outputs in ``bench-output/onnx/``)::

    python3 scripts/onnx-bench.py deps                        # main-venv pip --dry-run only
    .venv/bin/python scripts/onnx-bench.py chunks             # product Chunker -> chunks.jsonl
    export HF_HUB_OFFLINE=1 PY=/tmp/onnx-venv/bin/python
    $PY scripts/onnx-bench.py export                          # model/onnx/model.onnx + int8
    $PY scripts/onnx-bench.py tokenizer-check                 # ORT path's ids == ST's ids
    $PY scripts/onnx-bench.py accuracy --backends torch,onnx-fp32,onnx-int8,torch-int8
    $PY scripts/onnx-bench.py speed                           # waits for /tmp/cpu-free first

``accuracy`` embeds all 749 product chunks of the 256 CMRC trial passages and the 1,002 trial
questions. ``speed`` times every 2nd of those chunks (256, ``--texts``) at batch 1/8/32 with
torch, ONNX fp32, ONNX int8 and torch's dynamic int8 interleaved in one process (who goes first
rotates each round; 3 rounds, median), 2 torch threads / 2 ORT intra-op threads, and cold starts
in fresh processes (import + load + first encode, peak RSS).

``--model`` defaults to ``embedding/m3e-small`` in ``.venv``'s site-packages (research-only
licence: benchmarks only; the ``embedding`` package is never imported, only its folder read).
It is copied to ``bench-output/onnx/model`` so the ONNX files never land in site-packages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-output" / "onnx"
MODEL_SRC = ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "embedding" / "m3e-small"
BENCH = ROOT.parent / "shared" / "benchmarks" / "cmrc2018"
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
#: torch's own dynamic int8 (what `corpusqa bench embed --int8` times): no new dependency
EXTRA = ("torch-int8",)
CPU_FREE = Path("/tmp/cpu-free")


def _write(name: str, obj) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT / name}", file=sys.stderr)


def _cpu_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def quant_config_name() -> str:
    """The optimum CPU preset this machine can run: avx512_vnni > avx512 > avx2."""
    flags = _cpu_flags()
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    return "avx2"


# ---------------------------------------------------------------- deps (main venv: dry-run only)

def cmd_deps(args) -> None:
    """What installing the ONNX extras into .venv would change: ``pip install --dry-run`` only."""
    pip = str(ROOT / ".venv" / "bin" / "pip")
    rows = []
    for spec in (["sentence-transformers[onnx]==6.3.0"], ["optimum-onnx[onnxruntime]"],
                 ["onnxruntime"], ["onnxruntime", "onnx"]):
        p = subprocess.run([pip, "install", "--dry-run", *spec], capture_output=True, text=True)
        lines = [ln for ln in (p.stdout + p.stderr).splitlines()
                 if ln.startswith(("Would install", "ERROR", "    ")) and "━" not in ln]
        rows.append({"spec": " ".join(spec), "rc": p.returncode, "lines": lines})
        print(f"{' '.join(spec)}: rc={p.returncode}\n  " + "\n  ".join(lines))
    _write("deps.json", rows)


# ---------------------------------------------------------------- chunks (main venv: product code)

def cmd_chunks(args) -> None:
    """CMRC trial passages cut by the product's Chunker (250/50, title prefix), as embedded."""
    sys.path.insert(0, str(ROOT))
    from corpusqa.bench.splits import passages_as_articles
    from corpusqa.index.chunking import Chunker

    chunker = Chunker()
    rows = []
    for art in passages_as_articles(BENCH / "trial.passages.jsonl"):
        for c in chunker.chunk(art):
            rows.append({"pid": art.id, "text": chunker.embed_text(art.title, c)})
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "chunks.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} chunks from {len({r['pid'] for r in rows})} passages -> {OUT / 'chunks.jsonl'}")


# ---------------------------------------------------------------- export (experiment venv)

def cmd_export(args) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    model_dir = OUT / "model"
    if not model_dir.exists():
        shutil.copytree(args.model, model_dir, ignore=shutil.ignore_patterns("__pycache__"))
    info: dict = {"model_src": str(args.model), "model_dir": str(model_dir), "cpu_flags":
                  sorted(f for f in _cpu_flags() if f.startswith(("avx", "fma", "amx")))}
    try:  # does sentence-transformers' own ONNX backend work in this venv?
        from sentence_transformers import SentenceTransformer

        SentenceTransformer(str(model_dir), backend="onnx", device="cpu")
        info["st_backend_onnx"] = "ok"
    except Exception as exc:  # noqa: BLE001 - recorded, it is the finding
        cause = exc.__cause__ or exc.__context__
        info["st_backend_onnx"] = f"{type(exc).__name__}: {str(exc)[:200]}" + (
            f" (cause: {type(cause).__name__}: {str(cause)[:200]})" if cause else "")
    print("sentence-transformers backend='onnx':", info["st_backend_onnx"])

    onnx_dir = model_dir / "onnx"
    onnx_dir.mkdir(exist_ok=True)
    fp32 = onnx_dir / "model.onnx"
    t0 = time.perf_counter()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="sdpa").eval()
    tok = AutoTokenizer.from_pretrained(str(model_dir))

    class LastHidden(torch.nn.Module):
        # keyword call: transformers 5's BertModel.forward no longer takes these positionally
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    sample = tok(["你好世界", "北京是中国的首都，人口众多。"], padding=True, return_tensors="pt")
    batch, seq = torch.export.Dim("batch_size"), torch.export.Dim("sequence_length")
    # The legacy TorchScript exporter (dynamo=False) bakes the traced mask shapes into the
    # graph here (max |diff| ~1.7 on other shapes); the dynamo exporter keeps them symbolic.
    torch.onnx.export(LastHidden(model), tuple(sample[k] for k in INPUTS), str(fp32), input_names=INPUTS,
                      output_names=["last_hidden_state"], dynamic_shapes={k: {0: batch, 1: seq} for k in INPUTS},
                      opset_version=18, dynamo=True, external_data=False)
    info["export_s"] = round(time.perf_counter() - t0, 1)

    import onnx
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization.onnx_quantizer import ONNXQuantizer
    from onnxruntime.quantization.quant_utils import QuantizationMode
    from onnxruntime.quantization.registry import IntegerOpsRegistry

    name = quant_config_name()
    # optimum's AutoQuantizationConfig.<name>(is_static=False) as ORTQuantizer.quantize passes it:
    # dynamic IntegerOps, uint8 activations (asymmetric), per-channel symmetric weights, full range.
    wtype = QuantType.QInt8 if name in ("arm64", "avx512_vnni") else QuantType.QUInt8
    int8 = onnx_dir / f"model_{wtype.name.lower()}_{name}.onnx"
    t0 = time.perf_counter()
    q = ONNXQuantizer(onnx.load(str(fp32)), per_channel=True, reduce_range=False,
                      mode=QuantizationMode.IntegerOps, static=False, weight_qType=wtype,
                      activation_qType=QuantType.QUInt8, tensors_range=None, nodes_to_quantize=[],
                      nodes_to_exclude=[], op_types_to_quantize=list(IntegerOpsRegistry.keys()),
                      extra_options={"WeightSymmetric": True, "ActivationSymmetric": False,
                                     "EnableSubgraph": False, "ForceSymmetric": False})
    q.quantize_model()
    q.model.save_model_to_file(str(int8))
    info.update(quant_config=name, weight_type=wtype.name, quantize_s=round(time.perf_counter() - t0, 1),
                files={p.name: p.stat().st_size for p in (fp32, int8)},
                torch_weights_bytes=(model_dir / "pytorch_model.bin").stat().st_size)
    print(json.dumps(info, ensure_ascii=False, indent=1))
    _write("export.json", info)


# ---------------------------------------------------------------- encoders (experiment venv)

class OrtEncoder:
    """An ONNX feature-extraction graph + mean pooling, as sentence-transformers runs it.

    Tokenizes with ``tokenizers`` straight from ``tokenizer.json`` (what transformers' fast
    BertTokenizer wraps; ``tokenizer-check`` shows the ids are identical), so this path imports
    neither torch nor transformers.
    """

    def __init__(self, model_dir: Path, onnx_file: Path, threads: int):
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.np = np
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.enable_truncation(max_length=512)  # = SentenceTransformer(...).max_seq_length
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(str(onnx_file), so, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int):
        np = self.np
        order = np.argsort([-len(t) for t in texts], kind="stable")  # ST: longest first
        out = np.empty((len(texts), 512), np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i:i + batch_size]
            enc = self.tokenize([texts[j] for j in idx])
            hidden = self.sess.run(None, enc)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


    def tokenize(self, texts: list[str]) -> dict:
        encs = self.tok.encode_batch(texts)
        np = self.np
        return {"input_ids": np.array([e.ids for e in encs], np.int64),
                "attention_mask": np.array([e.attention_mask for e in encs], np.int64),
                "token_type_ids": np.array([e.type_ids for e in encs], np.int64)}


class TorchEncoder:
    """``SentenceTransformer(path)`` encoded exactly as the product's SentenceTransformerEncoder."""

    def __init__(self, model_dir: Path, threads: int, int8: bool = False):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.st = SentenceTransformer(str(model_dir), device="cpu")
        if int8:  # as corpusqa.bench.embed._quantize_int8
            torch.quantization.quantize_dynamic(self.st, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)

    def encode(self, texts: list[str], batch_size: int):
        return self.st.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                              show_progress_bar=False)


def _onnx_files(model_dir: Path) -> dict[str, Path]:
    int8 = sorted((model_dir / "onnx").glob("model_*int8_*.onnx"))
    if not (model_dir / "onnx" / "model.onnx").exists() or not int8:
        sys.exit("run the export step first")
    return {"onnx-fp32": model_dir / "onnx" / "model.onnx", "onnx-int8": int8[0]}


def load_backend(name: str, model_dir: Path, threads: int):
    if name in ("torch", "torch-int8"):
        return TorchEncoder(model_dir, threads, int8=name == "torch-int8")
    return OrtEncoder(model_dir, _onnx_files(model_dir)[name], threads)


def _chunks() -> list[dict]:
    path = OUT / "chunks.jsonl"
    if not path.exists():
        sys.exit("run `.venv/bin/python scripts/onnx-bench.py chunks` first")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- accuracy

def cmd_accuracy(args) -> None:
    import numpy as np

    model_dir = OUT / "model"
    chunks = _chunks()
    texts, pids = [c["text"] for c in chunks], [c["pid"] for c in chunks]
    questions = [json.loads(line) for line in (BENCH / "trial.questions.jsonl").read_text("utf-8").splitlines()]
    qtexts = [q["question"] for q in questions]  # m3e: no query instruction (m3e takes no prefix)
    names = args.backends.split(",")
    if names[0] != "torch":
        sys.exit("--backends must start with torch (the reference)")
    vecs = {}
    for name in names:
        enc = load_backend(name, model_dir, args.threads)
        t0 = time.perf_counter()
        vecs[name] = (enc.encode(texts, 32), enc.encode(qtexts, 32))
        print(f"{name}: encoded in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        del enc
    rows = []
    ref_p, ref_q = vecs["torch"]
    ref_top = np.argmax(ref_q @ ref_p.T, axis=1)
    for name in names:
        p, q = vecs[name]
        cos_p, cos_q = np.sum(p * ref_p, axis=1), np.sum(q * ref_q, axis=1)
        scores = q @ p.T
        r1 = r5 = 0
        for qq, s in zip(questions, scores):
            ranked = list(dict.fromkeys(pids[j] for j in np.argsort(-s, kind="stable")[:50]))
            gold = set(qq["gold_pids"])
            r1 += bool(gold & set(ranked[:1]))
            r5 += bool(gold & set(ranked[:5]))
        rows.append({"backend": name, "chunks": len(texts), "passages": len(set(pids)), "questions": len(questions),
                     "cos_passages_mean": round(float(cos_p.mean()), 5), "cos_passages_min": round(float(cos_p.min()), 5),
                     "cos_questions_mean": round(float(cos_q.mean()), 5), "cos_questions_min": round(float(cos_q.min()), 5),
                     "top1_chunk_same_as_torch": round(float(np.mean(np.argmax(scores, axis=1) == ref_top)), 4),
                     "recall@1": round(r1 / len(questions), 4), "recall@5": round(r5 / len(questions), 4)})
    old = json.loads((OUT / "accuracy.json").read_text()) if (OUT / "accuracy.json").exists() else []
    by_name = {r["backend"]: r for r in old} | {r["backend"]: r for r in rows}  # torch is deterministic
    rows = [by_name[b] for b in BACKENDS + EXTRA if b in by_name]
    _write("accuracy.json", rows)
    hdr = "| backend | cos vs torch, chunks mean / min | questions mean / min | same top-1 chunk | R@1 | R@5 |"
    lines = [hdr, "|---|---|---|---|---|---|"] + [
        f"| {r['backend']} | {r['cos_passages_mean']:.5f} / {r['cos_passages_min']:.5f} | "
        f"{r['cos_questions_mean']:.5f} / {r['cos_questions_min']:.5f} | {r['top1_chunk_same_as_torch']:.3f} | "
        f"{r['recall@1']:.4f} | {r['recall@5']:.4f} |" for r in rows]
    (OUT / "accuracy.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


# ---------------------------------------------------------------- speed

def _wait_for_cpu() -> None:
    while not CPU_FREE.exists():
        print(f"{time.strftime('%H:%M:%S')} waiting for {CPU_FREE} ...", file=sys.stderr, flush=True)
        time.sleep(30)


def cmd_tokenizer_check(args) -> None:
    """Ids from OrtEncoder.tokenize equal the SentenceTransformer's own tokenizer's, batch by batch."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model_dir = OUT / "model"
    st = SentenceTransformer(str(model_dir), device="cpu")
    ort_enc = OrtEncoder(model_dir, _onnx_files(model_dir)["onnx-fp32"], 1)
    qs = [json.loads(x)["question"] for x in (BENCH / "trial.questions.jsonl").read_text("utf-8").splitlines()]
    texts = [c["text"] for c in _chunks()] + qs
    bad = 0
    for i in range(0, len(texts), 32):
        a, b = st.tokenize(texts[i:i + 32]), ort_enc.tokenize(texts[i:i + 32])
        bad += sum(not np.array_equal(a[k].numpy(), b[k]) for k in INPUTS if k in a)
    print(json.dumps({"texts": len(texts), "batches_differing": bad, "st_max_seq_length": st.max_seq_length}))
    _write("tokenizer-check.json", {"texts": len(texts), "batches_differing": bad,
                                    "st_max_seq_length": st.max_seq_length})


def cmd_load_once(args) -> None:
    """Internal: a fresh process that imports and loads one backend, then one batch-1 encode."""
    import resource

    t0 = time.perf_counter()
    if args.backend == "torch":
        import sentence_transformers  # noqa: F401
    else:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    t1 = time.perf_counter()
    enc = load_backend(args.backend, OUT / "model", args.threads)
    t2 = time.perf_counter()
    enc.encode(["北京是中国的首都。"], 1)
    t3 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_encode_s": t3 - t2,
                      "torch_imported": "torch" in sys.modules,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def cmd_speed(args) -> None:
    names = tuple(args.backends.split(","))
    if names[0] != "torch":
        sys.exit("--backends must start with torch (the reference)")
    _wait_for_cpu()
    model_dir = OUT / "model"
    chunks = [c["text"] for c in _chunks()]
    step = max(1, len(chunks) // args.texts)
    texts = chunks[::step][:args.texts]
    batches = [int(b) for b in args.batches.split(",")]
    result: dict = {"texts": len(texts), "of_chunks": len(chunks), "every_kth": step,
                    "mean_chars": round(sum(map(len, texts)) / len(texts), 1), "threads": args.threads,
                    "rounds": args.rounds, "batches": batches, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "loadavg_at_start": os.getloadavg()}

    def rotated(r: int) -> tuple[str, ...]:
        k = r % len(names)
        return names[k:] + names[:k]

    # cold start in fresh processes (what `corpusqa ask` pays), backends interleaved per round
    cold: dict[str, list[dict]] = {b: [] for b in names}
    for r in range(args.rounds):
        for name in rotated(r):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, __file__, "load-once", "--backend", name, "--threads",
                                str(args.threads)], capture_output=True, text=True, check=True)
            row = json.loads(p.stdout.strip().splitlines()[-1])
            row["process_wall_s"] = time.perf_counter() - t0
            cold[name].append(row)
            print(f"cold round {r + 1} {name:<10} wall {row['process_wall_s']:.2f}s", file=sys.stderr, flush=True)
    result["cold"] = {b: {k: (rows[0][k] if k == "torch_imported" else round(statistics.median(x[k] for x in rows), 3))
                          for k in rows[0]} for b, rows in cold.items()}

    # in-process load (imports already done), then throughput, all backends in one process
    import onnxruntime  # noqa: F401
    import sentence_transformers  # noqa: F401
    import torch

    torch.set_num_threads(args.threads)
    encs, load_s = {}, {}
    for name in names:
        t0 = time.perf_counter()
        encs[name] = load_backend(name, model_dir, args.threads)
        load_s[name] = round(time.perf_counter() - t0, 3)
    result["load_in_process_s"] = load_s
    runs: dict[str, dict[int, list[float]]] = {b: {n: [] for n in batches} for b in names}
    for r in range(args.rounds):
        for bs in batches:
            for name in rotated(r):  # rotate who goes first
                encs[name].encode(texts[:bs], bs)  # warm-up at this batch size
                t0 = time.perf_counter()
                encs[name].encode(texts, bs)
                secs = time.perf_counter() - t0
                runs[name][bs].append(len(texts) / secs)
                print(f"round {r + 1} batch {bs:>2} {name:<10} {len(texts) / secs:7.1f} texts/s",
                      file=sys.stderr, flush=True)
    result["texts_per_s"] = {b: {str(n): [round(x, 2) for x in v] for n, v in d.items()} for b, d in runs.items()}
    med = {b: {n: statistics.median(v) for n, v in d.items()} for b, d in runs.items()}
    result["median_texts_per_s"] = {b: {str(n): round(x, 2) for n, x in d.items()} for b, d in med.items()}
    result["ratio_to_torch"] = {b: {str(n): round(med[b][n] / med["torch"][n], 2) for n in batches} for b in names}
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    result["loadavg_at_end"] = os.getloadavg()
    _write("speed.json", result)

    lines = [f"{len(texts)} chunks (every {step}th of {len(chunks)}, mean {result['mean_chars']} chars), "
             f"{args.threads} threads, median of {args.rounds} rounds", "",
             "| backend | " + " | ".join(f"batch {n}: texts/s (x torch)" for n in batches) + " |",
             "|---|" + "---|" * len(batches)]
    for b in names:
        lines.append(f"| {b} | " + " | ".join(f"{med[b][n]:.1f} ({med[b][n] / med['torch'][n]:.2f}x)"
                                            for n in batches) + " |")
    lines += ["", "| backend | load in process s | fresh process: import / load / first encode / wall s "
              "| torch imported | max RSS MB |", "|---|---|---|---|---|"]
    for b in names:
        c = result["cold"][b]
        lines.append(f"| {b} | {load_s[b]:.2f} | {c['import_s']:.2f} / {c['load_s']:.2f} / {c['first_encode_s']:.2f}"
                     f" / {c['process_wall_s']:.2f} | {c['torch_imported']} | {c['max_rss_mb']:.0f} |")
    (OUT / "speed.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("deps")
    sub.add_parser("chunks")
    p = sub.add_parser("export")
    p.add_argument("--model", type=Path, default=MODEL_SRC)
    p = sub.add_parser("accuracy")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--backends", default=",".join(BACKENDS), help="torch first; also: torch-int8")
    p = sub.add_parser("speed")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batches", default="1,8,32")
    p.add_argument("--texts", type=int, default=256, help="every k-th chunk, so the lengths stay representative")
    p.add_argument("--backends", default=",".join(BACKENDS + EXTRA))
    sub.add_parser("tokenizer-check")
    p = sub.add_parser("load-once")
    p.add_argument("--backend", choices=BACKENDS + EXTRA, required=True)
    p.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    {"deps": cmd_deps, "chunks": cmd_chunks, "export": cmd_export, "accuracy": cmd_accuracy,
     "speed": cmd_speed, "load-once": cmd_load_once,
     "tokenizer-check": cmd_tokenizer_check}[args.cmd](args)


if __name__ == "__main__":
    main()
