"""Fit the shipped answer model on held-out splits of several sources.

``corpusqa train calibrate`` asks the calibration questions (never seen by the verifier:
CMRC 2018 train passages of the dev split, the calibration share of XQuAD part 1 articles
with Chinese and English questions, the calibration share of the bundled gold set)
through the real pipeline, each source with a seeded share of its passages removed so
that some questions have no answer in the corpus. The verifier scores the top candidates;
a scikit-learn logistic regression over the verifier logit and the cheap features learns
which sentence holds an answer, and the refusal threshold is the utility-maximising one
over all calibration questions. The number of verified candidates is chosen from the
same runs.

Questions written without Chinese characters (English over the Chinese passages) get
their own refusal point: their lexical features sit near 0 whatever the candidate, so
one threshold refuses most of them. The threshold that maximises utility on those
calibration questions alone becomes a logit shift (``AnswerModel.latin_shift``) that
maps it onto the shared threshold, so every answer keeps one confidence scale.

The collected candidates are written to ``WORK/collected.json``; ``--reuse-collected``
refits from them without asking the questions again.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from corpusqa.answers.answer_model import (FEATURES, GATE_INPUTS, PASSAGE_FEATURES, READER_FEATURES,
                                           AnswerGate, AnswerModel, add_verifier_features, gate_inputs,
                                           limit_psg, logit)
from corpusqa.eval.calibrate import best_threshold
from corpusqa.eval.gold import NEWS_CALIB
from corpusqa.eval.metrics import answer_contained

log = logging.getLogger(__name__)

REMOVE = 0.2          # share of passages removed per calibration source
COLLECT_TOP = 10      # candidates verified while collecting (the fit picks N <= this)
TOP_CHOICES = (4, 6, 8, 10)
#: Fewest calibration questions without Chinese for their own refusal point.
MIN_LATIN = 30
COLLECTED = "collected.json"
#: The source name of the news calibration questions (``--news-calib``).
NEWS_SOURCE = "news-calib"
#: Inputs from models that may be off: fitted only where they were collected.
OPTIONAL = READER_FEATURES | PASSAGE_FEATURES
#: ``leave_out`` names of ``calibrate``.
GROUPS = {"reader": READER_FEATURES, "passage": PASSAGE_FEATURES}


@dataclass
class CalibQuestion:
    source: str
    qid: str
    answerable: bool
    feats: list[dict]        # verified candidates in cheap order
    contained: list[bool]    # each candidate holds a gold answer


def near_miss_items(questions: Sequence[dict], passages: Sequence[dict], share: float,
                    rng: random.Random) -> list:
    """Unanswerable near-miss rewrites of a seeded ``share`` of ``questions`` whose gold
    passage is in ``passages``: a year, figure or place swapped for one that no passage of
    the same title names (``verifier.data.near_miss``), the question as the bundled gold
    set's near-misses ask it (包头市 for 全区). Questions with English letters are skipped."""
    import re

    from corpusqa.answers.verifier.data import near_miss, place_words
    from corpusqa.eval.gold import GoldItem

    by_pid = {p["pid"]: p for p in passages}
    same_title: dict[str, str] = {}
    for p in passages:
        same_title[p.get("title", "")] = same_title.get(p.get("title", ""), "") + "\n" + p["text"]
    places = place_words(p["text"] for p in passages)
    out = []
    for q in questions:
        pid = (q.get("gold_pids") or [None])[0]
        if pid not in by_pid or re.search(r"[A-Za-z]", q["question"]) or rng.random() >= share:
            continue
        text = same_title[by_pid[pid].get("title", "")]
        rewritten = near_miss(q["question"], text, {"place": places}, rng)
        if rewritten:
            out.append(GoldItem(q["qid"] + "#nm", rewritten, (), ()))
    return out


def _sources(bench: Path, work: Path, seed: int, max_cmrc_passages: int,
             near_misses: float = 0.0, news_calib: bool = False) -> list[tuple]:
    """(name, corpus paths or None for the bundled one, gold items) per calibration source.
    ``near_misses``: the share of answerable questions also asked as a near-miss rewrite
    (``near_miss_items``; the encyclopedia sources only, the gold set has its own).
    ``news_calib``: also the news calibration questions about the sample pages
    (``gold.NEWS_CALIB``), asked against the whole sample corpus as the gold set's are."""
    from corpusqa.answers.verifier.build import (CMRC_DEV, GOLD_CALIB, GOLD_HELD_OUT,
                                                 XQUAD_CALIB, XQUAD_HELD_OUT)
    from corpusqa.answers.verifier.data import read_jsonl, split_of
    from corpusqa.eval.gold import GoldItem, load_gold

    rng = random.Random(seed)
    near_rng = random.Random(seed + 1)  # its own stream: the removals stay as they were
    out: list[tuple[str, list[Path] | None, list[GoldItem]]] = []

    def removed(pids: Sequence[str]) -> set[str]:
        pids = sorted(pids)
        return set(rng.sample(pids, int(round(len(pids) * REMOVE))))

    def write(name: str, passages: list[dict], questions: list[dict]) -> None:
        drop = removed([p["pid"] for p in passages])
        d = work / name
        d.mkdir(parents=True, exist_ok=True)
        with open(d / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p in passages:
                if p["pid"] not in drop:
                    fh.write(json.dumps(p, ensure_ascii=False) + "\n")
        items = []
        for q in questions:
            gone = all(pid in drop for pid in q["gold_pids"])
            items.append(GoldItem(q["qid"], q["question"], () if gone else tuple(q["gold_pids"]),
                                  () if gone else tuple(a["text"] for a in q["answers"])))
        if near_misses > 0:
            kept = [p for p in passages if p["pid"] not in drop]
            items += near_miss_items(questions, kept, near_misses, near_rng)
        out.append((name, [d / "passages.jsonl"], items))

    cm = [p for p in read_jsonl(bench / "cmrc2018" / "train.passages.jsonl")
          if split_of(p["pid"], CMRC_DEV) == "test"][:max_cmrc_passages]
    keep = {p["pid"] for p in cm}
    cq = [q for q in read_jsonl(bench / "cmrc2018" / "train.questions.jsonl")
          if q["gold_pids"] and q["gold_pids"][0] in keep]
    write("cmrc-dev", cm, cq)

    xp = [p for p in read_jsonl(bench / "xquad" / "part1.zh.passages.jsonl")
          if split_of("xquad:" + p["title"], XQUAD_HELD_OUT, XQUAD_CALIB) == "calib"]
    keep = {p["pid"] for p in xp}
    xq = []
    zh_answers = {q["qid"]: q["answers"]
                  for q in read_jsonl(bench / "xquad" / "part1.zh.questions.jsonl")}
    for lang in ("zh", "en"):
        for q in read_jsonl(bench / "xquad" / f"part1.{lang}.questions.jsonl"):
            pids = [p.replace("xquad-en-", "xquad-zh-") for p in q["gold_pids"]]
            if pids and pids[0] in keep and q["qid"] in zh_answers:
                # English questions over the Chinese passages: the answer to find is the
                # Chinese twin's (an English answer text never occurs in a Chinese sentence).
                xq.append(dict(q, qid=f"{q['qid']}-{lang}", gold_pids=pids,
                               answers=zh_answers[q["qid"]]))
    write("xquad-calib", xp, xq)

    gold = [g for g in load_gold()
            if split_of("gold:" + g.qid, GOLD_HELD_OUT, GOLD_CALIB) == "calib"]
    out.append(("gold-calib", None, gold))
    if news_calib:
        out.append((NEWS_SOURCE, None, load_gold(Path(__file__).parent / NEWS_CALIB)))
    return out


def collect(assistant, items, source: str) -> list[CalibQuestion]:
    """Verified candidates of each question, with whether each holds a gold answer."""
    out = []
    for it in items:
        _, ranked = assistant.explain(it.question, None, [dict(h) for h in it.history] or None)
        top = sorted((c for c in ranked[:COLLECT_TOP] if "cheap_rank" in c.features),
                     key=lambda c: c.features["cheap_rank"])
        feats = [dict(c.features) for c in top]
        contained = [bool(it.answers) and answer_contained(c.text, it.answers) > 0 for c in top]
        out.append(CalibQuestion(source, it.qid, it.answerable, feats, contained))
    return out


def _with_gap(feats: list[dict], n: int, psg_articles: int = 0) -> list[dict]:
    fs = [dict(f) for f in feats[:n]]
    limit_psg(fs, psg_articles)  # as the answer stage scores them
    add_verifier_features(fs, [f["ver"] for f in fs])  # the margins among these n
    return fs


def fit(questions: Sequence[CalibQuestion], n: int, c: float = 1.0, psg_articles: int = 0) -> AnswerModel:
    """Logistic regression over the first ``n`` verified candidates of every question
    (``psg_articles``: ``AnswerModel.psg_articles``)."""
    from sklearn.linear_model import LogisticRegression

    rows: list[list[float]] = []
    y: list[int] = []
    cands = [(_with_gap(q.feats, n, psg_articles), q) for q in questions]
    # the reader's and the passage model's inputs only where they were collected
    present = {k for fs, _ in cands for f in fs for k in f}
    features = tuple(k for k in FEATURES if k not in OPTIONAL or k in present)
    for fs, q in cands:
        for f, hit in zip(fs, q.contained):
            rows.append([f.get(k, 0.0) for k in features])
            y.append(int(q.answerable and hit))
    X = np.array(rows)
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000).fit((X - mean) / scale, np.array(y))
    return AnswerModel(tuple(float(v) for v in lr.coef_[0]), float(lr.intercept_[0]),
                       tuple(float(v) for v in mean), tuple(float(v) for v in scale),
                       0.5, n, features, psg_articles=psg_articles)


def _scored(model: AnswerModel, q: CalibQuestion) -> tuple[list[dict], np.ndarray]:
    """A question's first ``verify_top`` candidates as the answer stage scores them, and
    their probabilities."""
    fs = _with_gap(q.feats, model.verify_top, model.psg_articles)
    return fs, model.probability(fs)


def outcomes(model: AnswerModel, questions: Sequence[CalibQuestion]) -> tuple[list, list, list]:
    """Per question: best probability, answerable, best candidate holds a gold answer."""
    conf, ans, hit = [], [], []
    for q in questions:
        fs, p = _scored(model, q)
        if not fs:
            conf.append(0.0)
            hit.append(False)
        else:
            i = int(np.argmax(p))
            conf.append(float(p[i]))
            hit.append(q.contained[i])
        ans.append(q.answerable)
    return conf, ans, hit


def answered(model: AnswerModel, questions: Sequence[CalibQuestion]) -> list[bool]:
    """Per question, whether the answer stage answers it: by the gate where it decides
    (``AnswerModel.answerable``), else the best probability against ``threshold``."""
    out = []
    for q in questions:
        fs, p = _scored(model, q)
        gate = model.answerable(fs, p)
        if gate is not None and model.gate is not None:
            out.append(gate >= model.gate.threshold)
        else:
            out.append((float(p.max()) if fs else 0.0) >= model.threshold)
    return out


def fit_gate(model: AnswerModel, questions: Sequence[CalibQuestion], c: float = 1.0,
             recall: float | None = None, inputs: Sequence[str] = GATE_INPUTS) -> AnswerGate:
    """The answer gate: a logistic regression of "the corpus holds an answer" over
    ``inputs`` (of ``GATE_CHOICES``), one row per calibration question with Chinese. Its threshold: with
    ``recall``, the lowest that refuses at least that share of those questions that are
    unanswerable (the shipped fit passes the answer model's own abstention recall on them:
    the gate refuses as many unanswerable questions and fewer answerable ones); else the best balanced accuracy
    (the mean of the answered share of answerable questions and the refused share of
    unanswerable ones: a fifth of the questions are unanswerable, so plain accuracy would
    favour answering)."""
    from sklearn.linear_model import LogisticRegression

    rows = [gate_inputs(*_scored(model, q)) for q in questions]
    pairs = [(r, q.answerable) for r, q in zip(rows, questions) if r is not None]
    X = np.array([[r[k] for k in inputs] for r, _ in pairs])
    y = np.array([int(a) for _, a in pairs])
    if len(set(y)) < 2:
        raise ValueError("the answer gate needs answerable and unanswerable calibration questions")
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000).fit((X - mean) / scale, y)
    p = lr.predict_proba((X - mean) / scale)[:, 1]
    cuts = np.unique(p)

    def balanced(t: float) -> float:
        return 0.5 * (float((p[y == 1] >= t).mean()) + float((p[y == 0] < t).mean()))

    if recall is not None:
        # refused: p < t; the smallest cut whose refusals reach ``recall`` of the unanswerable
        best = min((t for t in cuts if float((p[y == 0] < t).mean()) >= recall - 1e-9), default=cuts[-1])
    else:
        best = max(cuts, key=lambda t: (balanced(t), -t))
    # halfway to the next lower probability: the same split, less tied to one question
    lower = cuts[cuts < best]
    threshold = float((best + lower.max()) / 2) if len(lower) else float(best)
    return AnswerGate(tuple(float(v) for v in lr.coef_[0]), float(lr.intercept_[0]),
                      tuple(float(v) for v in mean), tuple(float(v) for v in scale), round(threshold, 6),
                      tuple(inputs))


def summary(model: AnswerModel, questions: Sequence[CalibQuestion]) -> dict:
    conf, ans, hit = outcomes(model, questions)
    n_ans = sum(ans) or 1
    n_un = (len(ans) - sum(ans)) or 1
    said = answered(model, questions)
    return {
        "questions": len(ans), "unanswerable": len(ans) - sum(ans),
        "top1_contained": sum(h for a, h in zip(ans, hit) if a) / n_ans,
        "contained_at_1": sum(1 for a, h, o in zip(ans, hit, said) if a and h and o) / n_ans,
        "false_refusals": sum(1 for a, o in zip(ans, said) if a and not o) / n_ans,
        "abstention_recall": sum(1 for a, o in zip(ans, said) if not a and not o) / n_un,
        "wrong_answers": sum(1 for a, h, o in zip(ans, hit, said) if a and o and not h) / n_ans,
    }


def candidate_articles(questions: Sequence[CalibQuestion], n: int) -> dict[str, int]:
    """How many questions have 1, 2, ... distinct articles among their first ``n``
    candidates (those whose passage logit was collected): what ``--psg-articles`` saves."""
    counts: dict[int, int] = {}
    for q in questions:
        fs = q.feats[:n]
        if fs and "psg" in fs[0]:
            k = len({f.get("art") for f in fs})
            counts[k] = counts.get(k, 0) + 1
    return {str(k): counts[k] for k in sorted(counts)}


def _is_latin(q: CalibQuestion) -> bool:
    return bool(q.feats) and q.feats[0].get("latin", 0.0) > 0.5


def with_latin_shift(model: AnswerModel, questions: Sequence[CalibQuestion]) -> AnswerModel:
    """The model with the logit shift that puts the utility-maximising threshold of the
    questions without Chinese onto the shared one (unchanged below ``MIN_LATIN`` of them)."""
    latin = [q for q in questions if _is_latin(q)]
    if len(latin) < MIN_LATIN:
        return replace(model, latin_shift=0.0)
    conf, ans, hit = outcomes(replace(model, latin_shift=0.0), latin)
    own = best_threshold(conf, ans, hit)["threshold"]
    if own <= 0.0:  # answering all of them is best: shift them just over the threshold
        own = min(conf) if conf else model.threshold
    return replace(model, latin_shift=round(logit(model.threshold) - logit(own), 6))


def choose(questions: Sequence[CalibQuestion], psg_articles: int = 0) -> tuple[AnswerModel, dict]:
    """The answer model for the best ``verify_top`` (ties: the smaller, cheaper N)."""
    trials = {}
    best: tuple[float, AnswerModel] | None = None
    chinese = [q for q in questions if not _is_latin(q)]
    for n in TOP_CHOICES:
        model = fit(questions, n, psg_articles=psg_articles)
        conf, ans, hit = outcomes(model, chinese)
        th = best_threshold(conf, ans, hit)
        model = with_latin_shift(model.with_threshold(th["threshold"]), questions)
        conf, ans, hit = outcomes(model, questions)
        utility = best_threshold(conf, ans, hit)["utility"]
        trials[n] = {"utility": utility, "latin_shift": model.latin_shift, **summary(model, questions)}
        if best is None or utility > best[0] + 0.005:
            best = (utility, model)
    assert best is not None  # TOP_CHOICES is not empty
    return best[1], trials


def save_collected(path: Path, questions: Sequence[CalibQuestion]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([q.__dict__ for q in questions], ensure_ascii=False), encoding="utf-8")


def load_collected(path: Path) -> list[CalibQuestion]:
    return [CalibQuestion(**d) for d in json.loads(path.read_text(encoding="utf-8"))]


def calibrate(bench: Path, work: Path, base_settings, seed: int = 13,
              max_cmrc_passages: int = 80, progress: bool = False,
              reuse_collected: bool = False, leave_out: Sequence[str] = (),
              psg_articles: int = 0, gate: bool = True, near_misses: float = 0.0,
              gate_inputs: Sequence[str] = GATE_INPUTS, news_calib: bool = False) -> tuple[AnswerModel, dict]:
    """Collect the calibration runs (or reuse ``work/collected.json``) and fit; returns
    the model (meta filled in). ``leave_out`` (``reader``, ``passage``) fits without those
    models' inputs even when they were collected (the same candidates, for a
    like-for-like comparison). ``psg_articles``: ``AnswerModel.psg_articles`` (the
    candidates are collected with every article scored; the fit limits them). ``gate``:
    fit the answer gate (``fit_gate``) on top of the answer model; the summaries then
    decide refusal by it (``all_without_gate``: the same model refusing by its threshold).
    ``gate_inputs``: the gate's inputs (of ``GATE_CHOICES``). ``news_calib``: with the
    news calibration questions (``_sources``); off, a reused collection's are left out."""
    from corpusqa.answers.assistant import AskConfig, Assistant
    from corpusqa.eval.runner import prepare_home

    if base_settings.verifier in (None, "", "none"):  # the fit needs verifier scores
        base_settings = replace(base_settings, verifier="bundled")
    from corpusqa.answers.verifier.ship import has_part

    if getattr(base_settings, "reader", "none") == "bundled" and not has_part("reader"):
        base_settings = replace(base_settings, reader="none")  # none shipped: fit without it
    # naming "rd" makes the assistant run the span reader (unless Settings.reader is none)
    # naming "psg" makes it score the candidates' articles with the passage reranker
    collecting = AnswerModel((1.0, 0.0, 0.0), 0.0, (0.0,) * 3, (1.0,) * 3, 0.0, COLLECT_TOP, ("ver", "rd", "psg"))
    questions: list[CalibQuestion] = []
    sources = [] if reuse_collected else _sources(bench, work, seed, max_cmrc_passages, near_misses,
                                                  news_calib)
    if reuse_collected:
        questions = [q for q in load_collected(work / COLLECTED) if news_calib or q.source != NEWS_SOURCE]
    for name, corpus, items in sources:
        settings = prepare_home(base_settings, corpus, base_settings.encoder, None,
                                work / "homes", progress)
        config = replace(AskConfig.calibrated(settings.encoder, "hybrid"), answer_model=collecting)
        assistant = Assistant(settings, config).load()
        got = collect(assistant, items, name)
        log.info("%s: %d questions", name, len(got))
        questions += got
    if not reuse_collected:
        save_collected(work / COLLECTED, questions)
    drop = set().union(*(GROUPS[g] for g in leave_out)) if leave_out else set()
    if drop:
        questions = [replace(q, feats=[{k: v for k, v in f.items() if k not in drop} for f in q.feats])
                     for q in questions]
    model, trials = choose(questions, psg_articles)
    if gate:
        own = summary(model, [q for q in questions if not _is_latin(q)])["abstention_recall"]
        model = replace(model, gate=fit_gate(model, questions, recall=own, inputs=gate_inputs))
    per_source = {s: summary(model, [q for q in questions if q.source == s])
                  for s in sorted({q.source for q in questions})}
    latin = [q for q in questions if _is_latin(q)]
    if latin:
        per_source["without-chinese"] = summary(model, latin)
    meta = {"sources": per_source, "all": summary(model, questions), "verify_top_trials": trials,
            "candidate_articles": candidate_articles(questions, model.verify_top),
            "removed_share": REMOVE, "seed": seed, "encoder": base_settings.encoder,
            "verifier": base_settings.verifier, "command": "corpusqa train calibrate",
            "reader": getattr(base_settings, "reader", None), "passage_ranker":
                getattr(base_settings, "passage_ranker", None), "left_out": sorted(leave_out),
            "psg_articles": psg_articles, "gate": gate, "near_misses": near_misses,
            "gate_inputs": list(gate_inputs) if gate else None, "news_calib": news_calib,
            "near_miss_questions": sum(1 for q in questions if q.qid.endswith("#nm"))}
    if gate:
        meta["all_without_gate"] = summary(replace(model, gate=None), questions)
    return replace(model, meta=meta), meta
