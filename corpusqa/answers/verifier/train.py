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
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    plan = grouped_batches(pairs, cfg.batch_size, cfg.seed) if cfg.listwise else None
    steps_per_epoch = len(plan) if plan is not None else math.ceil(len(pairs) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    step = 0
    ckpt = out / "checkpoint.pt"
    if ckpt.exists():
        state = torch.load(ckpt, map_location=cfg.device, weights_only=True)
        if state["config"] != asdict(cfg) | {"device": state["config"]["device"]}:
            raise ValueError(f"{ckpt} was written with other settings; remove it or pass them")
        model.load_state_dict(state["model"], strict=False)
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step = state["step"]
        torch.set_rng_state(state["torch_rng"])
        report(f"resumed at step {step}/{total}")
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    t0, seen, run_loss = time.perf_counter(), 0, 0.0
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
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += 1
            run_loss += loss.item()
            if step % 50 == 0 or step == total:
                rate = seen / (time.perf_counter() - t0)
                report(f"step {step}/{total} loss {run_loss / 50:.4f} "
                       f"{rate:.2f} steps/s eta {(total - step) / max(rate, 1e-9) / 60:.1f} min")
                run_loss = 0.0
            if step % cfg.save_every == 0 or step % steps_per_epoch == 0 or step == total:
                _save_checkpoint(ckpt, model, opt, sched, step, cfg)
            if step >= total:
                break
    final = out / "final"
    save_final(model, base, final, cfg)
    return final


def _save_checkpoint(path: Path, model, opt, sched, step: int, cfg: TrainConfig) -> None:
    import torch

    trainable = {k: v for k, v in model.state_dict().items() if "word_embeddings" not in k}
    tmp = path.with_suffix(".tmp")
    torch.save({"model": trainable, "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "step": step, "config": asdict(cfg),
                "torch_rng": torch.get_rng_state()}, tmp)
    tmp.replace(path)


def save_final(model, base: Path, final: Path, cfg: TrainConfig) -> None:
    """A complete CrossEncoder folder (weights, config, tokenizer)."""
    if final.exists():
        shutil.rmtree(final)
    model.save(final)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(base / name, final / name)
    (final / "train_config.json").write_text(json.dumps(asdict(cfg), indent=1))
