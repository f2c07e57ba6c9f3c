"""``corpusqa train answer-model``: fine-tune the verifier cross-encoder from the e5 base.

A plain seeded PyTorch loop (binary cross-entropy on one logit) over the pairs written
by ``corpusqa train data``. The word embeddings (96M of the 118M parameters) stay
frozen and only the first ``layers`` transformer layers are kept, so it trains on a
2-core CPU; ``--device cuda`` uses a GPU. A checkpoint (trainable weights, optimiser,
scheduler, step, RNG states) is written every ``save_every`` steps and at the end of
each epoch; rerunning the same command resumes from it. With ``listwise`` > 0 a batch
holds whole questions and a per-question softmax loss is added to the pointwise one.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from corpusqa.answers.verifier.data import Pair, read_pairs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    layers: int = 4
    max_length: int = 96
    batch_size: int = 16
    epochs: int = 1
    lr: float = 5e-5
    warmup: float = 0.05
    weight_decay: float = 0.01
    seed: int = 13
    save_every: int = 200
    limit: int | None = None     # use only the first N training pairs (smoke runs)
    device: str = "cpu"
    threads: int | None = None
    listwise: float = 0.0        # weight of the per-question softmax loss (0: pointwise only)
    init: str | None = None      # start from a trained verifier ("bundled" or a folder), not e5


def new_model(base: Path, layers: int, seed: int, init: str | None = None):
    """A mean-pooling scorer (1 logit) over the first ``layers`` layers of ``base``.

    With ``init`` ("bundled" or a trained folder) it starts from that verifier instead,
    which must have ``layers`` layers: a further epoch costs one epoch, not a rerun.

    Not ``BertForSequenceClassification``: e5 was trained with mean pooling, and its
    ``<s>`` state is nearly the same for every input (std 0.005 across pairs at layer 4),
    so a classifier on it starts blind and barely learned in a measured run (held-out
    AUC 0.72, loss at the label prior's entropy).
    """
    import torch

    from corpusqa.answers.verifier.scorer import MeanPoolScorer

    torch.manual_seed(seed)
    if init:
        folder = init_folder(init)
        model = MeanPoolScorer.load(folder).train()
        have = model.bert.config.num_hidden_layers
        if have != layers:
            raise ValueError(f"--init {init} has {have} layers, not --layers {layers}")
    else:
        model = MeanPoolScorer.from_base(base, layers)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def init_folder(init: str) -> Path:
    """The folder of a verifier to start from: the shipped one (assembled) or a path."""
    if init == "bundled":
        from corpusqa.answers.verifier.ship import assemble

        return assemble()
    folder = Path(init)
    if not (folder / "head.safetensors").exists():
        raise ValueError(f"--init {init} is not a trained verifier folder (no head.safetensors)")
    return folder


def _tokenizer(base: Path):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(base))


def batches(pairs: Sequence[Pair], size: int, order: Sequence[int] | np.ndarray):
    for i in range(0, len(order), size):
        yield [pairs[j] for j in order[i:i + size]]


def question_key(pair: Pair) -> str:
    """The candidates of one question share a key; a near-miss rewrite is its own question."""
    return f"{pair.source}:{pair.qid}:{pair.question}"


def grouped_batches(pairs: Sequence[Pair], size: int, seed: int) -> list[list[int]]:
    """Batches of whole questions (all their candidates together), about ``size`` pairs each.

    The questions are shuffled with ``seed``; the batches are fixed for a given seed, so a
    resumed run skips exactly the batches it has done.
    """
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(question_key(p), []).append(i)
    keys = list(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    out: list[list[int]] = []
    cur: list[int] = []
    for k in order:
        g = groups[keys[k]]
        if cur and len(cur) + len(g) > size:
            out.append(cur)
            cur = []
        cur.extend(g)
    if cur:
        out.append(cur)
    return out


def listwise_loss(logits, batch: Sequence[Pair]):
    """Mean softmax cross-entropy of the positive among its question's candidates.

    Only questions with exactly one positive and at least one negative count; None when
    the batch has none. Pointwise BCE alone ranks candidates of one question less well:
    it never compares them with each other.
    """
    import torch

    idx: dict[str, list[int]] = {}
    for i, p in enumerate(batch):
        idx.setdefault(question_key(p), []).append(i)
    terms = []
    for members in idx.values():
        labels = [batch[i].label for i in members]
        if len(members) < 2 or sum(labels) != 1:
            continue
        sub = logits[members]
        terms.append(torch.logsumexp(sub, 0) - sub[labels.index(1)])
    return torch.stack(terms).mean() if terms else None


def encode(tok, batch: Sequence[Pair] | Sequence[tuple[str, str]], max_length: int):
    qs = [b.question if isinstance(b, Pair) else b[0] for b in batch]
    ts = [b.text if isinstance(b, Pair) else b[1] for b in batch]
    return tok(qs, ts, padding=True, truncation="longest_first", max_length=max_length,
               return_tensors="pt", return_token_type_ids=False)


def train(data_dir: Path, out: Path, cfg: TrainConfig, base: Path | None = None,
          report: Callable[[str], None] = log.info) -> Path:
    """Train (or resume) into ``out``; returns the final HF folder ``out/final``."""
    import torch
    from corpusqa.answers.verifier.base import ensure_base

    base = base or ensure_base()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out.mkdir(parents=True, exist_ok=True)
    pairs = read_pairs(data_dir / "train.jsonl")
    if cfg.limit:
        pairs = pairs[: cfg.limit]
    if not pairs:
        raise ValueError(f"no training pairs in {data_dir}")
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    model = new_model(base, cfg.layers, cfg.seed, cfg.init).to(cfg.device)
    tok = _tokenizer(base)
    plan = grouped_batches(pairs, cfg.batch_size, cfg.seed) if cfg.listwise else None
    steps_per_epoch = len(plan) if plan is not None else math.ceil(len(pairs) / cfg.batch_size)
    run = Run(out, model, cfg, steps_per_epoch, report, every=50)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    step, total = run.step, run.total
    while step < total:
        epoch, in_epoch = divmod(step, steps_per_epoch)
        if plan is not None:
            rng = np.random.default_rng(cfg.seed + epoch)
            epoch_plan = [plan[i] for i in rng.permutation(len(plan))]
            todo = ([pairs[j] for j in b] for b in epoch_plan[in_epoch:])
        else:
            order = np.random.default_rng(cfg.seed + epoch).permutation(len(pairs))
            todo = batches(pairs, cfg.batch_size, order[in_epoch * cfg.batch_size:])
        for batch in todo:
            enc = {k: v.to(cfg.device) for k, v in encode(tok, batch, cfg.max_length).items()}
            labels = torch.tensor([float(b.label) for b in batch], device=cfg.device)
            logits = model(**enc)
            loss = loss_fn(logits, labels)
            if cfg.listwise:
                lw = listwise_loss(logits, batch)
                if lw is not None:
                    loss = loss + cfg.listwise * lw
            step = run.advance(loss)
            if step >= total:
                break
    final = out / "final"
    save_final(model, base, final, cfg)
    return final


class Run:
    """What the verifier's and the span reader's training loops share: AdamW (no weight
    decay on biases and norms) with linear warm-up and decay over ``epochs`` x
    ``steps_per_epoch`` steps, resuming from ``out/checkpoint.pt``, and after each step
    (:meth:`advance`) clipping, a progress line every ``every`` steps and a checkpoint
    every ``cfg.save_every`` steps, at each epoch's end and at the last.

    ``cfg`` is a dataclass with ``lr``, ``weight_decay``, ``warmup``, ``epochs``,
    ``save_every`` and ``device``; the checkpoint refuses to resume under other settings.
    """

    def __init__(self, out: Path, model, cfg, steps_per_epoch: int, report: Callable[[str], None],
                 every: int):
        import torch

        self.model, self.cfg, self.report, self.every = model, cfg, report, every
        self.steps_per_epoch = steps_per_epoch
        self.total = steps_per_epoch * cfg.epochs
        self.params = [p for p in model.parameters() if p.requires_grad]
        decay = [p for p in self.params if p.ndim >= 2]
        no_decay = [p for p in self.params if p.ndim < 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                      {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
        total, warm = self.total, max(1, int(self.total * cfg.warmup))
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
        self.step = 0
        self.ckpt = out / "checkpoint.pt"
        if self.ckpt.exists():
            state = torch.load(self.ckpt, map_location=cfg.device, weights_only=True)
            if state["config"] != asdict(cfg) | {"device": state["config"]["device"]}:
                raise ValueError(f"{self.ckpt} was written with other settings; remove it or pass them")
            model.load_state_dict(state["model"], strict=False)
            self.opt.load_state_dict(state["optimizer"])
            self.sched.load_state_dict(state["scheduler"])
            self.step = state["step"]
            torch.set_rng_state(state["torch_rng"])
            report(f"resumed at step {self.step}/{self.total}")
        self._t0, self._seen, self._loss = time.perf_counter(), 0, 0.0

    def advance(self, loss) -> int:
        """Back-propagate ``loss``, take the step; returns the new step number."""
        import torch

        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad(set_to_none=True)
        self.step += 1
        self._seen += 1
        self._loss += loss.item()
        step, total = self.step, self.total
        if step % self.every == 0 or step == total:
            rate = self._seen / (time.perf_counter() - self._t0)
            self.report(f"step {step}/{total} loss {self._loss / self.every:.4f} "
                        f"{rate:.2f} steps/s eta {(total - step) / max(rate, 1e-9) / 60:.1f} min")
            self._loss = 0.0
        if step % self.cfg.save_every == 0 or step % self.steps_per_epoch == 0 or step == total:
            self._save()
        return step

    def _save(self) -> None:
        import torch

        trainable = {k: v for k, v in self.model.state_dict().items() if "word_embeddings" not in k}
        tmp = self.ckpt.with_suffix(".tmp")
        torch.save({"model": trainable, "optimizer": self.opt.state_dict(),
                    "scheduler": self.sched.state_dict(), "step": self.step, "config": asdict(self.cfg),
                    "torch_rng": torch.get_rng_state()}, tmp)
        tmp.replace(self.ckpt)


def save_final(model, base: Path, final: Path, cfg) -> None:
    """A complete CrossEncoder folder (weights, config, tokenizer)."""
    if final.exists():
        shutil.rmtree(final)
    model.save(final)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(base / name, final / name)
    (final / "train_config.json").write_text(json.dumps(asdict(cfg), indent=1))
