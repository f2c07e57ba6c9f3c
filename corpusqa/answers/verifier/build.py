"""``corpusqa train data``: write the verifier's training and held-out pairs.

Output folder: ``train.jsonl``, ``dev.jsonl`` (held-out CMRC train passages),
``calib.jsonl`` (XQuAD articles and gold questions kept for the answer model's fit),
``test-xquad.jsonl`` (held-out XQuAD articles), ``test-gold.jsonl`` (the held-out
split of the bundled gold set) and ``data.json`` (counts and sha256 of every
input and output file, copied into the model card).
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any

from corpusqa.answers.verifier.base import file_sha256
from corpusqa.answers.verifier.data import (Pair, PairBuilder, PassagePairBuilder, QAItem,
                                            load_squad_like,
                                            read_jsonl, split_of, write_pairs)
from corpusqa.chinese_script import has_han

log = logging.getLogger(__name__)

XQUAD_HELD_OUT = 0.6   # share of XQuAD articles never trained on (evaluation)
XQUAD_CALIB = 0.15     # share of XQuAD articles kept for fitting the answer model
CMRC_DEV = 0.05        # share of CMRC train passages kept out (answer-model fit, metrics)
GOLD_HELD_OUT = 0.5    # share of the bundled gold questions never trained on (evaluation)
GOLD_CALIB = 0.2       # share of the gold questions kept for fitting the answer model


def _passages(path: Path) -> dict[str, dict]:
    return {d["pid"]: d for d in read_jsonl(path)}


def extra_items(path: Path, passages: dict[str, dict]) -> list[QAItem]:
    """Annotated questions over CMRC train passages (``--extra``: SQuAD-like lines with
    ``qid``, ``question``, ``gold_pids``, ``answers[{text, answer_start}]``), each a
    ``para-zh`` or ``para-en`` item (a question without Chinese is English).

    Raises:
        ValueError: a question names a passage that is not a CMRC train passage of the
            training split (a dev passage would leak into the answer model's fit and the
            metrics), or its answer is not at its offset.
    """
    items = []
    for it in load_squad_like(path, "para"):
        p = passages.get(it.pid)
        if p is None or split_of(it.pid, CMRC_DEV) != "train":
            raise ValueError(f"{path}: {it.qid} is not about a CMRC train passage of the training split")
        if it.answer_start < 0 or not any(p["text"].startswith(a, it.answer_start) for a in it.answers):
            raise ValueError(f"{path}: {it.qid}: the answer is not at its answer_start")
        items.append(QAItem(it.qid, it.question, it.pid, it.answers, it.answer_start,
                            "para-zh" if has_han(it.question) else "para-en"))
    return items


def build(bench: Path, out: Path, max_cmrc: int | None = None, seed: int = 13,
          gold: tuple[dict[str, dict], list[tuple[QAItem, bool]]] | None = None,
          level: str = "sentence", extra: Path | None = None) -> dict:
    """Write the pair files into ``out``; returns the ``data.json`` summary.

    Args:
        extra: annotated questions over CMRC train passages (``extra_items``), added to
            the training pairs only. An English one finds its hard negatives through the
            text around its answer (as XQuAD's English questions do through their Chinese
            twin) and gets no near-miss rewrite. None: the output is as without the option.
        level: ``"sentence"`` (the verifier's pairs) or ``"passage"`` (the passage
            reranker's: ``title ｜ chunk``, negatives from other articles only; same splits).
        gold: the bundled corpus as passages and the gold questions
            (``corpusqa.eval.gold.gold_passages``), or None to leave them out.
    """
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    inputs = [bench / "cmrc2018" / "train.passages.jsonl", bench / "cmrc2018" / "train.questions.jsonl",
              bench / "xquad" / "part1.zh.passages.jsonl", bench / "xquad" / "part1.zh.questions.jsonl",
              bench / "xquad" / "part1.en.questions.jsonl"]
    train: list[Pair] = []
    dev: list[Pair] = []
    test_x: list[Pair] = []
    test_g: list[Pair] = []
    calib: list[Pair] = []

    cmrc = _passages(inputs[0])
    items = load_squad_like(inputs[1], "cmrc")
    rng.shuffle(items)
    if max_cmrc:
        items = items[:max_cmrc]
    if level not in ("sentence", "passage"):
        raise ValueError(f"level must be 'sentence' or 'passage', not {level!r}")
    builder = PassagePairBuilder if level == "passage" else PairBuilder
    b = builder(cmrc, seed=seed)
    for it in items:
        (dev if split_of(it.pid, CMRC_DEV) == "test" else train).extend(b.pairs(it))
    log.info("cmrc: %d train, %d dev pairs", len(train), len(dev))
    if extra is not None:
        for it in extra_items(extra, cmrc):
            if it.source == "para-en":
                text = cmrc[it.pid]["text"]
                around = text[max(0, it.answer_start - 30):it.answer_start + 30]
                train.extend(p for p in b.pairs(it, around) if p.kind != "nearmiss")
            else:
                train.extend(b.pairs(it))

    xq = _passages(inputs[2])
    bx = builder(xq, seed=seed)
    zh = load_squad_like(inputs[3], "xquad-zh")
    en = load_squad_like(inputs[4], "xquad-en", pid_map=lambda p: p.replace("xquad-en-", "xquad-zh-"))
    zh_by_qid = {it.qid: it for it in zh}
    for it in zh + en:
        title = xq.get(it.pid, {}).get("title", it.pid)
        dest = {"test": test_x, "calib": calib, "train": train}[
            split_of("xquad:" + title, XQUAD_HELD_OUT, XQUAD_CALIB)]
        if it.source == "xquad-en":
            twin = zh_by_qid.get(it.qid[:-3])
            if twin is None:
                continue
            # the English question, located through its Chinese twin's answer
            pairs = bx.pairs(QAItem(it.qid, it.question, twin.pid, twin.answers,
                                    twin.answer_start, "xquad-en"), twin.question)
            dest.extend(p for p in pairs if p.kind != "nearmiss")
        else:
            dest.extend(bx.pairs(it))

    if gold is not None:
        arts, gitems = gold
        bg = builder(arts, seed=seed, other_neg=3) if level == "sentence" else builder(arts, seed=seed)
        for it, answerable in gitems:
            dest = {"test": test_g, "calib": calib, "train": train}[
                split_of("gold:" + it.qid, GOLD_HELD_OUT, GOLD_CALIB)]
            if answerable and it.answer_start >= 0:
                dest.extend(bg.pairs(it))
            elif level == "passage":
                continue  # a reranker orders passages; it has nothing to learn from these
            else:  # unanswerable: every retrieved sentence is a negative
                for opid in bg.others(it.question, set(), k=3):
                    for i in bg.hardest(set(it.question), opid, None, 2):
                        dest.append(Pair(it.qid, it.question, bg.candidate(opid, i), 0, "unans", "gold"))

    rng.shuffle(train)
    files = {"train.jsonl": train, "dev.jsonl": dev, "calib.jsonl": calib,
             "test-xquad.jsonl": test_x,
             "test-gold.jsonl": test_g}
    summary: dict[str, Any] = {"seed": seed, "max_cmrc": max_cmrc, "level": level,
                               "inputs": {}, "outputs": {},
               "splits": {"salt": "corpusqa-verifier-v1", "cmrc_dev": CMRC_DEV,
                          "xquad_test": XQUAD_HELD_OUT, "xquad_calib": XQUAD_CALIB,
                          "gold_test": GOLD_HELD_OUT, "gold_calib": GOLD_CALIB}}
    for p in inputs:
        summary["inputs"][str(p.relative_to(bench))] = file_sha256(p)
    if extra is not None:
        summary["inputs"]["extra:" + extra.name] = file_sha256(extra)
    for name, pairs in files.items():
        write_pairs(pairs, out / name)
        summary["outputs"][name] = {
            "pairs": len(pairs), "sha256": file_sha256(out / name),
            "kinds": dict(Counter(p.kind for p in pairs)),
            "sources": dict(Counter(p.source for p in pairs))}
    (out / "data.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary
