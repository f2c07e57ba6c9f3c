"""The span reader: where in a passage window is the answer? (start/end logits per token)

The verifier scores one candidate sentence at a time, with a title and a short tail of
context; it never sees the candidates side by side. The reader reads a window of the
article around the candidates (question + up to ``MAX_LENGTH`` tokens) and gives every
token a start and an end logit, trained as an extractive reader (SQuAD/CMRC style) on
the answer spans of the verifier's training questions. Each candidate sentence gets
the score of the best span inside it (``rd``), its margin over the window's no-answer
score at ``<s>`` (``rd_null``) and over the best other candidate (``rd_gap``); the answer
model weighs them with the verifier logit (``answer_model.FEATURES``).

Training (``corpusqa train reader``) starts from the shipped verifier's layers and uses
the verifier's splits (``build.split_of``): CMRC 2018 train passages, XQuAD part 1
articles (Chinese and English questions over the Chinese passages) and the bundled gold
set; windows without the answer (of the gold passage, and the best TF-IDF passage of
another article) are trained to point at ``<s>``.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

MARKER = "corpusqa_reader.json"
MAX_LENGTH = 320        # tokens per window, question included
STRIDE = 96             # tokens shared by consecutive training windows
MAX_ANSWER_TOKENS = 40  # longest span scored
NEG_EVERY = 3           # keep one in this many training windows without the answer
#: Characters of article text a run-time window holds (about 250 tokens of Chinese).
WINDOW_CHARS = 360


@dataclass(frozen=True)
class ReadItem:
    """One reader record: the answer in ``context`` at ``answer_start`` (-1: none there)."""

    qid: str
    question: str
    context: str
    answer_start: int
    answer: str
    source: str
    kind: str  # pos | other


def _torch_module():
    import torch

    return torch.nn.Module


class SpanReader(_torch_module()):  # type: ignore[misc]  # torch.nn.Module, imported lazily
    """``start, end = W · h_t + b`` for every token ``t`` of the last layer (padding masked)."""

    def __init__(self, bert):
        import torch

        super().__init__()
        self.bert = bert
        self.head = torch.nn.Linear(bert.config.hidden_size, 2)
        torch.nn.init.normal_(self.head.weight, std=0.02)
        torch.nn.init.zeros_(self.head.bias)

    @classmethod
    def from_layers(cls, folder: Path, layers: int | None = None) -> "SpanReader":
        """The first ``layers`` layers (all: None) of the BERT in ``folder``, a new head."""
        from corpusqa.answers.verifier.base import load_bert

        return cls(load_bert(folder, layers))

    @classmethod
    def load(cls, folder: Path) -> "SpanReader":
        from safetensors.torch import load_file

        model = cls.from_layers(folder)
        head = load_file(str(folder / "head.safetensors"))
        model.head.load_state_dict({"weight": head["weight"].float(), "bias": head["bias"].float()})
        return model.eval()

    def forward(self, input_ids, attention_mask, **_):
        import torch

        h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        start, end = self.head(h).unbind(-1)
        low = torch.finfo(start.dtype).min
        return start.masked_fill(attention_mask == 0, low), end.masked_fill(attention_mask == 0, low)

    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        self.bert.save_pretrained(str(folder))
        save_file({k: v.contiguous() for k, v in self.head.state_dict().items()},
                  str(folder / "head.safetensors"))
        (folder / MARKER).write_text(json.dumps({"head": "span", "format": 1}))


def is_reader_folder(folder: Path) -> bool:
    return (folder / MARKER).exists()


class Reader:
    """The span reader for the answer path: ``bundled`` (the shipped file's ``reader`` part)
    or a folder written by ``corpusqa train reader``; loaded on first use.

    Raises (from ``load``):
        EncoderError: ``answers.reader_unavailable`` (missing or altered weights, bad path).
    """

    def __init__(self, spec: str = "bundled", device: str | None = None, batch_size: int = 8,
                 precision: str = "auto"):
        if not spec or not spec.strip():
            raise ValueError("empty reader spec")
        self.spec, self.device, self.batch_size = spec.strip(), device or "cpu", batch_size
        self.precision = precision
        self._model: Any = None

    def load(self) -> "Reader":
        if self._model is not None:
            return self
        from corpusqa.errors import EncoderError

        try:
            if self.spec == "bundled":
                from corpusqa.answers.verifier.ship import assemble

                folder = assemble(part="reader")
            else:
                folder = Path(self.spec)
                if not is_reader_folder(folder):
                    raise FileNotFoundError(f"no reader folder (no {MARKER}): {folder}")
            from corpusqa.answers.verifier.runtime import LightReader

            self._model = LightReader(folder, self.device, MAX_LENGTH, self.batch_size, self.precision)
        except Exception as exc:  # altered file, missing part, bad path
            raise EncoderError("answers.reader_unavailable", name=self.spec,
                               detail=str(exc).splitlines()[0][:200]) from exc
        return self

    def read(self, question: str, windows: Sequence[str]) -> list:
        """Per window ``(start, end, offsets, sequence_ids)`` (``LightReader.read``)."""
        if not windows:
            return []
        return self.load()._model.read(question, windows)


def load_reader(spec: str | None, device: str | None = None, precision: str = "auto") -> Reader | None:
    """A reader for ``spec``, or None for None, empty, ``none`` or ``off``."""
    spec = (spec or "none").strip()
    if spec.lower() in ("none", "off", "0"):
        return None
    return Reader(spec, device=device, precision=precision)


# ---------------------------------------------------------------- scoring spans


def span_scores(start: np.ndarray, end: np.ndarray, offsets: Sequence[tuple[int, int]],
                seq_ids: Sequence[int | None], ranges: Sequence[tuple[int, int]],
                max_tokens: int = MAX_ANSWER_TOKENS) -> tuple[np.ndarray, float]:
    """(best ``start + end`` of a span inside each character range, no-answer score).

    A span counts for a range when its first and last context tokens both lie in it
    (a token that straddles the boundary belongs where it starts). A range with no token
    in the window scores ``-inf``. The no-answer score is ``start + end`` at ``<s>``.
    """
    ctx = np.array([s == 1 for s in seq_ids], dtype=bool)
    tok_start = np.array([o[0] for o in offsets])
    out = np.full(len(ranges), -np.inf)
    for r, (lo, hi) in enumerate(ranges):
        idx = np.flatnonzero(ctx & (tok_start >= lo) & (tok_start < hi))
        if idx.size == 0:
            continue
        s, e = start[idx], end[idx]
        m = s[:, None] + e[None, :]
        gap = idx[None, :] - idx[:, None]
        m = np.where((gap >= 0) & (gap < max_tokens), m, -np.inf)
        out[r] = float(m.max())
    return out, float(start[0] + end[0])


def best_span(start: np.ndarray, end: np.ndarray, offsets: Sequence[tuple[int, int]],
              seq_ids: Sequence[int | None], max_tokens: int = MAX_ANSWER_TOKENS) -> tuple[float, int, int]:
    """(score, char start, char end) of the best context span of one window."""
    idx = np.flatnonzero(np.array([s == 1 for s in seq_ids], dtype=bool))
    if idx.size == 0:
        return -math.inf, 0, 0
    m = start[idx][:, None] + end[idx][None, :]
    gap = idx[None, :] - idx[:, None]
    m = np.where((gap >= 0) & (gap < max_tokens), m, -np.inf)
    a, b = np.unravel_index(int(np.argmax(m)), m.shape)
    return float(m[a, b]), int(offsets[idx[a]][0]), int(offsets[idx[b]][1])


def windows_for(text: str, spans: Sequence[tuple[int, int]], size: int = WINDOW_CHARS
                ) -> list[tuple[int, int, list[int]]]:
    """Windows ``(lo, hi, members)`` of ``text`` that cover the sentence ``spans``.

    Sentences are taken in text order and grouped while their union stays within
    ``size`` characters; each window is then widened evenly with the text around it up
    to ``size`` (the reader reads context on both sides). A sentence longer than ``size``
    gets a window of its own, its start kept.
    """
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and max(spans[j][1] for j in groups[-1] + [i]) - spans[groups[-1][0]][0] <= size:
            groups[-1].append(i)
        else:
            groups.append([i])
    out = []
    for g in groups:
        lo, hi = spans[g[0]][0], max(spans[j][1] for j in g)
        if hi - lo > size:
            hi = lo + size
        room = size - (hi - lo)
        before = min(lo, room // 2)
        after = min(len(text) - hi, room - before)
        before = min(lo, room - after)
        out.append((lo - before, hi + after, g))
    return out


# ---------------------------------------------------------------- data


def build_items(bench: Path, gold: tuple[dict, list] | None, seed: int = 13) -> dict[str, list[ReadItem]]:
    """Reader records per split (``train``, ``dev``, ``calib``, ``test-xquad``, ``test-gold``),
    with the verifier's splits: a held-out passage, article or gold question is never trained on."""
    from corpusqa.answers.verifier.build import (CMRC_DEV, GOLD_CALIB, GOLD_HELD_OUT, XQUAD_CALIB,
                                                 XQUAD_HELD_OUT)
    from corpusqa.answers.verifier.data import PairBuilder, load_squad_like, read_jsonl, split_of

    rng = random.Random(seed)
    out: dict[str, list[ReadItem]] = {k: [] for k in ("train", "dev", "calib", "test-xquad", "test-gold")}

    def add(dest: str, it, passages: dict, builder, asked=None) -> None:
        """``it``'s answer span; ``asked`` (another QAItem) puts its question and id on it."""
        text = passages[it.pid]["text"]
        if it.answer_start < 0 or not text[it.answer_start:].startswith(it.answers[0]):
            return
        q = asked or it
        out[dest].append(ReadItem(q.qid, q.question, text, it.answer_start, it.answers[0], q.source, "pos"))
        if rng.random() < 1 / NEG_EVERY:  # the question asked where its article is missing
            others = builder.others(it.question, {it.pid}, k=1)
            if others:
                out[dest].append(ReadItem(q.qid, q.question, passages[others[0]]["text"], -1, "",
                                          q.source, "other"))

    cmrc = {d["pid"]: d for d in read_jsonl(bench / "cmrc2018" / "train.passages.jsonl")}
    bc = PairBuilder(cmrc, seed=seed)
    for it in load_squad_like(bench / "cmrc2018" / "train.questions.jsonl", "cmrc"):
        add("dev" if split_of(it.pid, CMRC_DEV) == "test" else "train", it, cmrc, bc)

    xq = {d["pid"]: d for d in read_jsonl(bench / "xquad" / "part1.zh.passages.jsonl")}
    bx = PairBuilder(xq, seed=seed)
    zh = load_squad_like(bench / "xquad" / "part1.zh.questions.jsonl", "xquad-zh")
    zh_by_qid = {it.qid: it for it in zh}
    en = load_squad_like(bench / "xquad" / "part1.en.questions.jsonl", "xquad-en",
                         pid_map=lambda p: p.replace("xquad-en-", "xquad-zh-"))
    for it in zh + en:
        title = xq.get(it.pid, {}).get("title", it.pid)
        dest = {"test": "test-xquad", "calib": "calib", "train": "train"}[
            split_of("xquad:" + title, XQUAD_HELD_OUT, XQUAD_CALIB)]
        if it.source == "xquad-en":  # the English question, answered by its Chinese twin's span
            twin = zh_by_qid.get(it.qid[:-3])
            if twin is not None:
                add(dest, twin, xq, bx, asked=it)
        else:
            add(dest, it, xq, bx)

    if gold is not None:
        arts, items = gold
        bg = PairBuilder(arts, seed=seed)
        for it, answerable in items:
            if answerable and it.answer_start >= 0:
                dest = {"test": "test-gold", "calib": "calib", "train": "train"}[
                    split_of("gold:" + it.qid, GOLD_HELD_OUT, GOLD_CALIB)]
                add(dest, it, arts, bg)
    rng.shuffle(out["train"])
    return out


def build(bench: Path, out: Path, gold: tuple[dict, list] | None, seed: int = 13) -> dict:
    """Write the reader's record files into ``out`` and ``data.json`` (counts, sha256 of
    every input and output); returns the summary."""
    from collections import Counter

    from corpusqa.answers.verifier.base import file_sha256
    from corpusqa.answers.verifier.data import SALT

    out.mkdir(parents=True, exist_ok=True)
    inputs = [bench / "cmrc2018" / "train.passages.jsonl", bench / "cmrc2018" / "train.questions.jsonl",
              bench / "xquad" / "part1.zh.passages.jsonl", bench / "xquad" / "part1.zh.questions.jsonl",
              bench / "xquad" / "part1.en.questions.jsonl"]
    splits = build_items(bench, gold, seed)
    summary: dict[str, Any] = {"seed": seed, "level": "span", "gold": gold is not None, "splits": {"salt": SALT},
                               "inputs": {str(p.relative_to(bench)): file_sha256(p) for p in inputs},
                               "outputs": {}}
    for name, items in splits.items():
        path = out / f"{name}.jsonl"
        write_items(items, path)
        summary["outputs"][path.name] = {"records": len(items), "sha256": file_sha256(path),
                                         "kinds": dict(Counter(it.kind for it in items)),
                                         "sources": dict(Counter(it.source for it in items))}
    (out / "data.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def write_items(items: Sequence[ReadItem], path: Path) -> int:
    with open(path, "w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(asdict(it), ensure_ascii=False) + "\n")
    return len(items)


def read_items(path: Path) -> list[ReadItem]:
    with open(path, encoding="utf-8") as fh:
        return [ReadItem(**json.loads(line)) for line in fh if line.strip()]


def features(tok, items: Sequence[ReadItem], max_length: int = MAX_LENGTH, stride: int = STRIDE,
             neg_every: int = NEG_EVERY) -> list[tuple[list[int], int, int]]:
    """Training windows ``(input_ids, start token, end token)``; ``(0, 0)`` is no answer.

    Every window that holds the answer is kept; of the gold passage's other windows one
    in ``neg_every`` (by position, so the choice is fixed); of another article's
    passage, its first window.
    """
    out: list[tuple[list[int], int, int]] = []
    for k in range(0, len(items), 256):
        batch = items[k:k + 256]
        enc = tok([it.question for it in batch], [it.context for it in batch], truncation="only_second",
                  max_length=max_length, stride=stride, return_overflowing_tokens=True,
                  return_offsets_mapping=True, return_token_type_ids=False)
        seen: dict[int, int] = {}
        for i, ids in enumerate(enc["input_ids"]):
            ex = enc["overflow_to_sample_mapping"][i]
            it = batch[ex]
            nth = seen[ex] = seen.get(ex, -1) + 1
            seq, offs = enc.sequence_ids(i), enc["offset_mapping"][i]
            ctx = [j for j, s in enumerate(seq) if s == 1]
            sp = ep = 0
            if it.answer_start >= 0 and ctx:
                a0, a1 = it.answer_start, it.answer_start + len(it.answer)
                if offs[ctx[0]][0] <= a0 and offs[ctx[-1]][1] >= a1:
                    sp = next(j for j in ctx if offs[j][1] > a0)
                    ep = max(j for j in ctx if offs[j][0] < a1)
            if sp == 0:
                if it.kind == "other" and nth > 0:
                    continue
                if it.kind == "pos" and (k + i) % neg_every:
                    continue
            out.append((list(ids), sp, ep))
    return out


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class ReaderConfig:
    max_length: int = MAX_LENGTH
    batch_size: int = 16
    epochs: int = 1
    lr: float = 1e-4
    warmup: float = 0.05
    weight_decay: float = 0.01
    seed: int = 13
    save_every: int = 100
    limit: int | None = None   # only the first N training records (smoke runs)
    device: str = "cpu"
    threads: int | None = None
    init: str = "bundled"      # the verifier whose layers start the reader


def _pad(batch, pad_id: int):
    import torch

    n = max(len(ids) for ids, _, _ in batch)
    ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    for r, (x, _, _) in enumerate(batch):
        ids[r, :len(x)] = torch.tensor(x)
        mask[r, :len(x)] = 1
    return ids, mask


def train(data_dir: Path, out: Path, cfg: ReaderConfig, report: Callable[[str], None] = log.info) -> Path:
    """Train (or resume) the reader into ``out``; returns ``out/final``."""
    import torch
    from transformers import PreTrainedTokenizerFast

    from corpusqa.answers.verifier.base import ensure_base
    from corpusqa.answers.verifier.train import Run, init_folder, save_final

    base = ensure_base()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out.mkdir(parents=True, exist_ok=True)
    items = read_items(data_dir / "train.jsonl")[: cfg.limit or None]
    if not items:
        raise ValueError(f"no training records in {data_dir}")
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    tok = PreTrainedTokenizerFast.from_pretrained(str(base))
    feats = features(tok, items, cfg.max_length)
    model = SpanReader.from_layers(init_folder(cfg.init)).to(cfg.device)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    steps_per_epoch = math.ceil(len(feats) / cfg.batch_size)
    run = Run(out, model, cfg, steps_per_epoch, report, every=25)
    step, total = run.step, run.total
    report(f"{len(items)} records, {len(feats)} windows, {total} steps")
    pad_id = tok.pad_token_id
    ce = torch.nn.CrossEntropyLoss()
    model.train()
    while step < total:
        epoch, in_epoch = divmod(step, steps_per_epoch)
        order = np.random.default_rng(cfg.seed + epoch).permutation(len(feats))
        for b0 in range(in_epoch * cfg.batch_size, len(order), cfg.batch_size):
            batch = [feats[j] for j in order[b0:b0 + cfg.batch_size]]
            ids, mask = _pad(batch, pad_id)
            start, end = model(ids.to(cfg.device), mask.to(cfg.device))
            sp = torch.tensor([b[1] for b in batch], device=cfg.device)
            ep = torch.tensor([b[2] for b in batch], device=cfg.device)
            loss = (ce(start, sp) + ce(end, ep)) / 2
            step = run.advance(loss)
            if step >= total:
                break
    final = out / "final"
    save_final(model, base, final, cfg)
    return final


# ---------------------------------------------------------------- evaluation


def evaluate(folder: Path, data_dir: Path, verifier: Any = None, limit: int | None = None) -> dict:
    """``sentence_accuracy`` of the reader in ``folder`` on each held-out file of ``data_dir``."""
    from corpusqa.answers.verifier.runtime import LightReader

    reader = LightReader(folder, max_length=MAX_LENGTH, batch_size=8)
    out = {}
    for name in ("dev", "test-xquad", "test-gold"):
        path = data_dir / f"{name}.jsonl"
        if path.exists():
            out[name] = sentence_accuracy(reader.read, read_items(path)[:limit], verifier)
    return out


def sentence_accuracy(read: Callable[[str, list[str]], list], items: Sequence[ReadItem],
                      verifier: Any = None) -> dict:
    """Held-out share of answerable records whose best sentence (by the reader's best span,
    and by the verifier when given) holds the answer, over the sentences of the whole context.

    ``read(question, windows)`` gives per window ``(start, end, offsets, seq_ids)``.
    """
    from corpusqa.answers.verifier.data import sentences_of
    from corpusqa.answers.verifier.inputs import candidate_text

    n = r_ok = v_ok = 0
    r_ms = v_ms = 0.0
    for it in items:
        if it.kind != "pos":
            continue
        text = it.context
        spans = sentences_of(text)
        holds = [it.answer in text[a:b] for a, b in spans]
        if not any(holds):
            continue
        n += 1
        t0 = time.perf_counter()
        wins = windows_for(text, spans)
        outs = read(it.question, [text[lo:hi] for lo, hi, _ in wins])
        best = np.full(len(spans), -np.inf)
        for (lo, hi, members), (s, e, offs, seq) in zip(wins, outs):
            sc, _ = span_scores(s, e, offs, seq, [(spans[m][0] - lo, spans[m][1] - lo) for m in members])
            for m, v in zip(members, sc):
                best[m] = max(best[m], v)
        r_ms += (time.perf_counter() - t0) * 1000
        r_ok += holds[int(np.argmax(best))]
        if verifier is not None:
            t0 = time.perf_counter()
            cands = [candidate_text(text[a:b], "", text[max(0, a - 24):a]) for a, b in spans]
            v_ok += holds[int(np.argmax(verifier.score(it.question, cands)))]
            v_ms += (time.perf_counter() - t0) * 1000
    res: dict[str, Any] = {"questions": n, "reader_top1": round(r_ok / max(n, 1), 4),
                           "reader_ms": round(r_ms / max(n, 1), 1)}
    if verifier is not None:
        res.update(verifier_top1=round(v_ok / max(n, 1), 4), verifier_ms=round(v_ms / max(n, 1), 1))
    return res

