"""A how-many or what-share question is answered by a sentence that states a figure.

The product quotes one sentence and highlights the figure in it. For 多少名干警 or 占比多少,
a sentence without any number of the asked kind cannot be that answer, however well it
matches the topic: on the newspaper gold set such sentences were the verifier's first
pick for unanswerable near-misses (包头市老干部正能量宣讲团有多少名成员？ answered with a
sentence naming the group but no count) and for answerable questions whose figure sat in
another sentence (推行“五个三”模式后，全区建成党群服务中心多少个？).

``figure_first`` reorders the verified candidates of such a question: those with a span
of the asked kind (the cheap feature ``type`` above 0, ``extract._type_score``) first, in
their order, then the others with confidence 0. When none has one, the question is refused
(the related passages are still shown). Questions that ask for several things (哪几个,
哪些) are left alone: their answer is often a list of names, not a count.

Measured before it went in (README "Figure questions"): the rule changes nothing for open
questions, dates and names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

#: Question kinds (``qtype.classify``) whose answer is a figure.
FIGURE_KINDS = frozenset({"number", "percent"})


def needs_figure(qtype) -> bool:
    """Whether the answer sentence must state a figure of the asked kind."""
    return qtype.kind in FIGURE_KINDS and not qtype.wants_multiple


def figure_first(qtype, ranked: Sequence) -> list:
    """``ranked`` with the verified candidates that state no figure of the asked kind moved
    after the others, with confidence 0 and ``figure_miss`` set, when the first candidate
    is one of them (so the question is refused when none states one); order otherwise
    kept. The others then lose the answer gate's ``gate`` feature: the gate judged the
    question on a sentence that cannot answer it, so their own confidence decides
    (``compose.answers``). Candidates the verifier did not score (no ``ver`` feature,
    confidence 0) follow the verified ones that state a figure."""
    if not ranked or not needs_figure(qtype) or "ver" not in ranked[0].features \
            or float(ranked[0].features.get("type", 0.0)) > 0.0:
        return list(ranked)
    verified = [c for c in ranked if "ver" in c.features]
    rest = [c for c in ranked if "ver" not in c.features]
    stating = [replace(c, features={k: v for k, v in c.features.items() if k != "gate"})
               for c in verified if float(c.features.get("type", 0.0)) > 0.0]
    silent = [replace(c, score=-2.0 + c.score * 1e-3, confidence=0.0,
                      features={**{k: v for k, v in c.features.items() if k != "gate"}, "figure_miss": 1.0})
              for c in verified if float(c.features.get("type", 0.0)) <= 0.0]
    return stating + rest + silent
