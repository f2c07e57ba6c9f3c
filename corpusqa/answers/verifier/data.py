"""Training pairs for the verifier: (question, candidate sentence in context) -> holds the answer.

Built from CMRC 2018 train, XQuAD part 1 (Chinese passages, Chinese and English
questions) and the training split of the bundled gold set. For each question:

* the positive: the gold passage's sentence that contains the answer;
* same-passage negatives: the other sentences of the gold passage, hardest
  (most question bigrams) first;
* retrieved negatives: the best-overlapping sentences of the top passages of *other*
  articles (character-bigram TF-IDF), i.e. the question asked against a corpus
  whose gold passage was removed, as the pipeline sees it;
* near-miss rewrites: the question with its year, figure or place swapped for one
  from elsewhere in the corpus, paired with the positive sentence, labelled 0 when
  the new term is absent from that passage.

Splits are by passage (XQuAD by article title, the gold set by question id), hashed
with a fixed salt, so a held-out passage never lends a sentence to training.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from corpusqa.answers.verifier.inputs import candidate_text, passage_text
from corpusqa.index.sentences import split_sentences

SALT = "corpusqa-verifier-v1"
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)年")
_NUM = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


@dataclass(frozen=True)
class Pair:
    """One training or evaluation record."""

    qid: str
    question: str
    text: str        # the candidate: sentence ｜ title ｜ context
    label: int       # 1: the sentence holds an answer to the question
    kind: str        # pos | same | other | nearmiss
    source: str      # cmrc | xquad-zh | xquad-en | gold


@dataclass(frozen=True)
class QAItem:
    qid: str
    question: str
    pid: str
    answers: tuple[str, ...]
    answer_start: int
    source: str


def split_of(key: str, held_out: float, calib: float = 0.0) -> str:
    """``'test'`` for a seeded share ``held_out`` of keys, ``'calib'`` for the next
    ``calib`` share (kept for fitting the answer model), else ``'train'``."""
    h = int(hashlib.sha1(f"{SALT}:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if h < held_out:
        return "test"
    return "calib" if h < held_out + calib else "train"


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", text.lower())
    return {t[i:i + 2] for i in range(len(t) - 1)}


def sentences_of(text: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e in split_sentences(text) if e - s >= 4]


def positive_index(text: str, spans: Sequence[tuple[int, int]], answers: Sequence[str],
                   start: int) -> int | None:
    """The sentence holding the answer at ``start`` (else the first holding its text)."""
    for i, (s, e) in enumerate(spans):
        if s <= start < e and any(a and a in text[s:e] for a in answers):
            return i
    for i, (s, e) in enumerate(spans):
        if any(a and a in text[s:e] for a in answers):
            return i
    return None


def place_words(texts: Iterable[str]) -> list[str]:
    """Place and organisation names (jieba ``ns``/``nt``, 2 characters or more) in the first
    400 characters of the first 3,000 texts, sorted: the pool near-miss rewrites draw from."""
    import itertools

    import jieba.posseg as pseg

    found = {w for t in itertools.islice(texts, 3000) for w, flag in pseg.cut(t[:400])
             if flag in ("ns", "nt") and len(w) >= 2}
    return sorted(found) or ["北京", "上海"]


def near_miss(question: str, passage: str, pools: dict[str, list[str]],
              rng: random.Random) -> str | None:
    """The question with a year, figure or place swapped for one absent from ``passage``;
    ``pools["place"]`` (``place_words``) holds the places to swap and to swap in."""
    options = []
    for m in _YEAR.finditer(question):
        options.append(("year", m.start(1), m.end(1)))
    for m in _NUM.finditer(question):
        if not any(s <= m.start() < e for _, s, e in options):
            options.append(("num", m.start(), m.end()))
    for place in (w for w in pools.get("place", []) if w in question):
        i = question.find(place)
        if i >= 0:
            options.append(("place", i, i + len(place)))
    rng.shuffle(options)
    for kind, s, e in options:
        old = question[s:e]
        for _ in range(8):
            if kind == "year":
                new = str(int(old) + rng.choice([-3, -2, -1, 1, 2, 3]))
            elif kind == "num":
                new = str(max(1, int(float(old) * rng.choice([2, 3, 0.5]) + rng.randint(1, 9))))
            else:
                new = rng.choice(pools["place"])
            if new != old and new not in passage:
                return question[:s] + new + question[e:]
    return None


class PairBuilder:
    """Turns QA items over a passage collection into labelled pairs."""

    def __init__(self, passages: dict[str, dict], seed: int = 13, same_neg: int = 3,
                 other_neg: int = 2):
        self.passages = passages
        self.rng = random.Random(seed)
        self.same_neg, self.other_neg = same_neg, other_neg
        self._spans = {pid: sentences_of(p["text"]) for pid, p in passages.items()}
        self._fit_retrieval()
        self.places = self._places()

    def _fit_retrieval(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._pids = list(self.passages)
        self._vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)
        self._mat = self._vec.fit_transform([self.passages[p]["text"] for p in self._pids])

    def _places(self) -> list[str]:
        return place_words(self.passages[pid]["text"] for pid in self._pids)

    def candidate(self, pid: str, i: int) -> str:
        """The verifier's input for sentence ``i`` of passage ``pid`` (title, previous sentence)."""
        p = self.passages[pid]
        s, e = self._spans[pid][i]
        prev = p["text"][self._spans[pid][i - 1][0]:self._spans[pid][i - 1][1]] if i else ""
        return candidate_text(p["text"][s:e], p.get("title", ""), prev)

    def hardest(self, q: set[str], pid: str, exclude: int | None, n: int) -> list[int]:
        """Up to ``n`` sentences of ``pid`` (not ``exclude``): the ``n - 1`` sharing the most
        bigrams with ``q``, and one more picked at random."""
        text = self.passages[pid]["text"]
        scored = [(-len(q & bigrams(text[s:e])), self.rng.random(), i)
                  for i, (s, e) in enumerate(self._spans[pid]) if i != exclude]
        scored.sort()
        hard = [i for _, _, i in scored[: max(1, n - 1)]]
        rest = [i for _, _, i in scored[max(1, n - 1):]]
        if rest and len(hard) < n:
            hard.append(self.rng.choice(rest))
        return hard[:n]

    def others(self, question: str, gold: set[str], k: int = 3) -> list[str]:
        """Top passages for ``question`` that are not gold (gold removed from the corpus)."""
        import numpy as np

        scores = (self._mat @ self._vec.transform([question]).T).toarray().ravel()
        order = np.argsort(-scores)[: k + len(gold) + 2]
        return [self._pids[i] for i in order if self._pids[i] not in gold][:k]

    def pairs(self, item: QAItem, question_for_match: str | None = None) -> list[Pair]:
        p = self.passages.get(item.pid)
        if p is None:
            return []
        spans = self._spans[item.pid]
        pos = positive_index(p["text"], spans, item.answers, item.answer_start)
        if pos is None:
            return []
        qm = question_for_match or item.question
        qb = bigrams(qm)
        out = [Pair(item.qid, item.question, self.candidate(item.pid, pos), 1, "pos", item.source)]
        for i in self.hardest(qb, item.pid, pos, self.same_neg):
            s, e = spans[i]
            if not any(a in p["text"][s:e] for a in item.answers):
                out.append(Pair(item.qid, item.question, self.candidate(item.pid, i), 0, "same",
                                item.source))
        for opid in self.others(qm, {item.pid}, k=self.other_neg):
            best = self.hardest(qb, opid, None, 1)
            if best and not any(a in self.passages[opid]["text"] for a in item.answers):
                out.append(Pair(item.qid, item.question, self.candidate(opid, best[0]), 0, "other",
                                item.source))
        nm = near_miss(item.question, p["text"], {"place": self.places}, self.rng)
        if nm:
            out.append(Pair(item.qid + "#nm", nm, out[0].text, 0, "nearmiss", item.source))
        return out


@lru_cache(maxsize=1)
def _chunker():
    from corpusqa.index.chunking import Chunker

    return Chunker()


def passage_chunks(text: str) -> list[tuple[int, int]]:
    """The index's chunk spans of a passage (the default chunk size and overlap)."""
    from corpusqa.models import Article

    art = Article(id="p", source="p", position=0, title="", text=text, paragraphs=())
    return [(c.start, c.end) for c in _chunker().chunk(art)]


QUESTION_WORDS = re.compile(r"什么|哪[一个些里儿年国位种]?|多少|几[个年月日次岁]?|是谁|谁|怎么样?|如何|为什么|何[时地处种]?|吗|呢|[？?]")


class PassagePairBuilder(PairBuilder):
    """Passage-level pairs for the passage reranker: (question, ``title ｜ chunk``) -> the
    chunk is from the gold passage and holds the answer.

    Negatives are the chunks that share the most question bigrams in the top passages of
    *other* articles (none holding an answer text): the order a reranker has to fix. Chunks
    of the gold passage without the answer are left out, since retrieval counts the article.
    """

    def __init__(self, passages: dict[str, dict], seed: int = 13, other_neg: int = 4):
        super().__init__(passages, seed=seed, same_neg=0, other_neg=other_neg)
        self._chunks: dict[str, list[tuple[int, int]]] = {}

    def _places(self) -> list[str]:
        return []

    def others(self, question: str, gold: set[str], k: int = 3) -> list[str]:
        """As for sentences, but matched on the question without its interrogative words,
        which otherwise pull in passages that merely ask questions."""
        return super().others(QUESTION_WORDS.sub(" ", question), gold, k)

    def chunks(self, pid: str) -> list[tuple[int, int]]:
        if pid not in self._chunks:
            self._chunks[pid] = passage_chunks(self.passages[pid]["text"]) or [
                (0, len(self.passages[pid]["text"]))]
        return self._chunks[pid]

    def chunk_text(self, pid: str, span: tuple[int, int]) -> str:
        p = self.passages[pid]
        return passage_text(p["text"][span[0]:span[1]], p.get("title", ""))

    def best_chunk(self, q: set[str], pid: str) -> tuple[int, int]:
        text = self.passages[pid]["text"]
        return max(self.chunks(pid), key=lambda c: (len(q & bigrams(text[c[0]:c[1]])), -c[0]))

    def pairs(self, item: QAItem, question_for_match: str | None = None) -> list[Pair]:
        p = self.passages.get(item.pid)
        if p is None:
            return []
        text = p["text"]
        holding = [c for c in self.chunks(item.pid) if any(a and a in text[c[0]:c[1]] for a in item.answers)]
        if not holding:
            return []
        at = [c for c in holding if c[0] <= item.answer_start < c[1]]
        pos = (at or holding)[0]
        qm = question_for_match or item.question
        qb = bigrams(qm)
        out = [Pair(item.qid, item.question, self.chunk_text(item.pid, pos), 1, "pos", item.source)]
        for opid in self.others(qm, {item.pid}, k=self.other_neg):
            if any(a and a in self.passages[opid]["text"] for a in item.answers):
                continue
            out.append(Pair(item.qid, item.question, self.chunk_text(opid, self.best_chunk(qb, opid)),
                            0, "other", item.source))
        return out


def load_squad_like(questions: Path, source: str, pid_map=None) -> list[QAItem]:
    out = []
    for d in read_jsonl(questions):
        if not d.get("answers") or not d.get("gold_pids"):
            continue
        pid = d["gold_pids"][0]
        pid = pid_map(pid) if pid_map else pid
        out.append(QAItem(d["qid"] + ("-en" if source.endswith("en") else ""), d["question"],
                          pid, tuple(a["text"] for a in d["answers"]),
                          int(d["answers"][0].get("answer_start", -1)), source))
    return out


def write_pairs(pairs: Iterable[Pair], path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_pairs(path: Path) -> list[Pair]:
    return [Pair(**d) for d in read_jsonl(path)]
