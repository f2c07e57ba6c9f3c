"""Run any ``corpusqa`` command with one answer-stage experiment patched in (docs/answer-verifier.md
"Fresh held-out questions", "A longer verifier input"). Measured, not adopted; kept so
that the figures can be reproduced.

    .venv/bin/python scripts/answer-experiments.py EXPERIMENT -- CORPUSQA ARGS...

EXPERIMENT:
  sibling      the sentences of the first article's other chunks join the candidates
  bestchunk    the sentences of the first two articles' best-matching chunks (the chunk the
               passage reranker reads: most question bigrams) join the candidates
  dateline     a who- or when-question's first candidate that names the person or gives
               the date only in the story's dateline or byline moves back (confidence 0)
  verifier128  the shipped verifier reads 128 tokens per pair instead of its card's 80
  tailwindow   a candidate sentence longer than 50 characters is also scored on its last 50
               characters (with the title); the verifier logit is the higher of the two
  byline       every model of the answer stage, the verifier too, reads an article's byline
               after its title; the passage models do by default since 0db3f01, so with
               --verifier none this is the default (it measured that change before it was
               made: docs/retrieval.md, "The passage model reads the byline")

Example: .venv/bin/python scripts/answer-experiments.py dateline -- --silent --home H eval
--config hybrid --gold corpusqa/eval/data/fresh.jsonl --report R
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace


def _add_sentences(self, out: list[dict], base: dict, start: int = 0, end: int | None = None) -> None:
    """Append to ``out`` the sentences of ``base``'s article inside ``[start, end)`` that
    overlap no candidate already there, as candidates like ``base`` (same chunk row and
    rank; no stored vector)."""
    from corpusqa.index.sentences import split_sentences

    aid = base["article_id"]
    text = self.articles[aid].text
    have = [(d["start"], d["end"]) for d in out if d["article_id"] == aid]
    for s, e in split_sentences(text, start, end):
        if e <= s or any(s < e2 and s2 < e for s2, e2 in have):
            continue
        have.append((s, e))
        out.append(dict(base, start=s, end=e, text=text[s:e], simp=self._simp(text[s:e]), vec=None))


def sibling() -> None:
    from corpusqa.answers import assistant as A

    orig = A.Assistant._sentences

    def patched(self, hits):
        out = orig(self, hits)
        base = next((d for d in out if hits and d["article_id"] == hits[0].article_id), None)
        if base is not None:
            _add_sentences(self, out, base)
        return out

    A.Assistant._sentences = patched


def bestchunk(articles: int = 2) -> None:
    from corpusqa.answers import assistant as A
    from corpusqa.answers.verifier.passages import best_chunk

    orig, retrieve = A.Assistant._sentences, A.Assistant._retrieve

    def remember(self, match_q, filters):
        self._experiment_q = match_q
        return retrieve(self, match_q, filters)

    def patched(self, hits):
        out = orig(self, hits)
        for aid in list(dict.fromkeys(h.article_id for h in hits))[:articles]:
            base = next((d for d in out if d["article_id"] == aid), None)
            if base is None:
                continue
            text = self.articles[aid].text
            # the chunk the passage reranker reads (most question bigrams)
            chunk = best_chunk(getattr(self, "_experiment_q", ""), text, self._simp)
            cs = text.find(chunk)
            _add_sentences(self, out, base, cs, cs + len(chunk))
        return out

    A.Assistant._retrieve = remember
    A.Assistant._sentences = patched


_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATELINE = re.compile(r"(?:本报|新华社|中新社|中新网|人民网|新华网|央视网)[^，。；！？（(\s]{0,12}?"
                       + _NUM + r"\s*月\s*" + _NUM + r"\s*日\s*(?:讯|电)(?:\s*[（(][^）)]{0,40}[）)])?")
_BYLINE = re.compile(r"[（(]\s*(?:本报|特约|见习|实习)?(?:记者|通讯员|实习生)[^）)]{0,40}[）)]"
                     r"|(?:本报|特约|见习)(?:记者|通讯员)\s*[\u4e00-\u9fff]{2,4}"
                     r"(?:\s+(?:通讯员\s*)?[\u4e00-\u9fff]{2,4}){0,3}\s*摄?"
                     r"|(?:记者|通讯员)\s*[\u4e00-\u9fff]{2,4}\s*摄(?![\u4e00-\u9fff])")
_ABOUT_REPORT = re.compile(r"记者|通讯员|作者|撰写|撰稿|采写|写的|报道|稿|拍|摄|消息|电头|刊发|刊登|见报|发稿"
                           r"|reporter|correspondent|wrote|written|author|byline|photo|report(?:ed)?\b", re.I)
_ANCHORED = re.compile(r"今天|今日|当天|当日|昨天|昨日|前天|本日")
_VAGUE = re.compile(r"^(?:近日|日前|近期|目前|近年来?|最近|此前|今年|去年|前不久)$")
_DAY = re.compile(r"哪天|哪一天|哪日|几号|几月几日|哪一日|具体日期|什么日子|\bwhat date\b|\bwhich day\b", re.I)


def dateline() -> None:
    from corpusqa.answers import assistant as A
    from corpusqa.answers.entities import find_dates, find_persons

    def only_in_dateline(qtype, text: str, question: str) -> bool:
        if not (_DATELINE.search(text) or _BYLINE.search(text)):
            return False
        rest = _BYLINE.sub(" ", _DATELINE.sub(" ", text))
        if qtype.kind == "person":
            return not find_persons(rest)
        if _ANCHORED.search(rest):
            return False
        dates = [d.text for d in find_dates(rest)]
        if _DAY.search(question):
            dates = [d for d in dates if not _VAGUE.match(d)]
        return not dates

    figure_first = A.figure_first

    def patched(qtype, ranked, question="", verified=True):
        ranked = figure_first(qtype, ranked, question, verified)
        if not ranked or qtype.kind not in ("person", "date") or _ABOUT_REPORT.search(question or "") \
                or (verified and "ver" not in ranked[0].features) \
                or not only_in_dateline(qtype, ranked[0].text, question):
            return ranked
        keep, rest, moved = [], [], []
        for c in ranked:
            if verified and "ver" not in c.features:
                rest.append(c)
            elif only_in_dateline(qtype, c.text, question):
                moved.append(replace(c, score=-2.0 + c.score * 1e-3, confidence=0.0,
                                     features={k: v for k, v in c.features.items() if k != "gate"}))
            else:
                keep.append(c)
        return keep + rest + moved

    A.figure_first = patched


def verifier128() -> None:
    from corpusqa.answers.verifier import model as M

    load = M.Verifier.load

    def patched(self):
        out = load(self)
        if self.part == "verifier" and getattr(self._model, "max_length", None) == 80:
            from corpusqa.answers.verifier.runtime import PairTokenizer

            self._model.max_length = self.max_length = 128
            self._model.tok = PairTokenizer(self._model.tok.folder, 128)
        return out

    M.Verifier.load = patched


def tailwindow(width: int = 50) -> None:
    import numpy as np

    from corpusqa.answers import assistant as A
    from corpusqa.answers.verifier.inputs import SEP

    load = A.Assistant.load

    def patched(self, *args, **kwargs):
        out = load(self, *args, **kwargs)
        if self.verifier is None or getattr(self.verifier, "_tail_window", False):
            return out
        score = self.verifier.score

        def windowed(question, texts):
            extra, owner = [], []
            for i, t in enumerate(texts):
                parts = t.split(SEP)
                if len(parts[0]) > width:
                    extra.append(SEP.join([parts[0][-width:]] + parts[1:2]))
                    owner.append(i)
            logits = np.asarray(score(question, list(texts) + extra), dtype=np.float32)
            best = logits[: len(texts)].copy()
            for i, v in zip(owner, logits[len(texts):]):
                best[i] = max(best[i], v)
            return best

        self.verifier.score = windowed
        self.verifier._tail_window = True
        return out

    A.Assistant.load = patched


def byline() -> None:
    from corpusqa.answers import assistant as A

    # the passage models' title (the default since 0db3f01) for every model of the stage
    A.Assistant._title_text = A.Assistant._passage_title_text


EXPERIMENTS = {"tailwindow": tailwindow, "sibling": sibling, "bestchunk": bestchunk, "dateline": dateline,
               "verifier128": verifier128, "byline": byline}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in EXPERIMENTS or sys.argv[2] != "--":
        sys.exit(__doc__)
    EXPERIMENTS[sys.argv[1]]()
    from corpusqa.cli import cli

    cli(sys.argv[3:], standalone_mode=True)
