"""The span reader: scoring spans, windows, training labels, a tiny run, packing, the answer stage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corpusqa.answers.verifier.reader import (ReadItem, best_span, span_scores, windows_for,
                                              write_items)

TEXT = "今天呼和浩特晴。全区建成党群服务中心14542个。包头市建成1200个。"
Q = "全区建成了多少个党群服务中心？"


def _window(logits_start, logits_end):
    """A fake reader output: <s>, two question tokens, </s></s>, then one token per character."""
    n = len(TEXT)
    offsets = [(0, 0)] * 5 + [(i, i + 1) for i in range(n)] + [(0, 0)]
    seq = [None, 0, 0, None, None] + [1] * n + [None]
    start = np.full(len(offsets), -5.0)
    end = np.full(len(offsets), -5.0)
    for i, v in logits_start.items():
        start[5 + i if i >= 0 else 0] = v
    for i, v in logits_end.items():
        end[5 + i if i >= 0 else 0] = v
    return start, end, offsets, seq


def test_span_scores_take_the_best_span_inside_each_sentence_and_the_no_answer_score():
    a = TEXT.index("14542")
    start, end, offs, seq = _window({a: 4.0, -1: 1.0}, {a + 4: 3.0, -1: 0.5})
    sents = [(0, 8), (8, TEXT.index("包")), (TEXT.index("包"), len(TEXT))]
    scores, null = span_scores(start, end, offs, seq, sents + [(len(TEXT) + 5, len(TEXT) + 9)])
    assert scores[1] == pytest.approx(7.0) and null == pytest.approx(1.5)
    assert scores[0] == pytest.approx(-10.0) and scores[3] == -np.inf  # no token of the window there
    score, s, e = best_span(start, end, offs, seq)
    assert (score, TEXT[s:e]) == (pytest.approx(7.0), "14542")


def test_a_span_never_ends_before_it_starts_nor_runs_past_the_longest_answer():
    a = TEXT.index("14542")
    start, end, offs, seq = _window({a: 4.0}, {a - 2: 9.0, a + 1: 1.0})
    assert best_span(start, end, offs, seq)[1:] == (a, a + 2)
    assert span_scores(start, end, offs, seq, [(a, a + 5)], max_tokens=1)[0][0] == pytest.approx(-1.0)


def test_windows_group_near_sentences_and_widen_with_context_on_both_sides():
    text = "甲" * 1000
    wins = windows_for(text, [(500, 520), (530, 560), (900, 950)], size=200)
    assert [w[2] for w in wins] == [[0, 1], [2]]
    (lo, hi, _), (lo2, hi2, _) = wins
    assert hi - lo == 200 and lo < 500 and hi > 560 and lo2 < 900 and hi2 == 1000 and hi2 - lo2 == 200
    assert windows_for("短文。", [(0, 3)], size=200) == [(0, 3, [0])]
    assert windows_for(text, [(10, 700)], size=200) == [(10, 210, [0])]  # a long sentence: its start


def test_training_windows_point_at_the_answer_tokens_or_at_s():
    from transformers import PreTrainedTokenizerFast

    from corpusqa.answers.verifier.base import ensure_base
    from corpusqa.answers.verifier.reader import features

    tok = PreTrainedTokenizerFast.from_pretrained(str(ensure_base()))
    a = TEXT.index("14542个")
    items = [ReadItem("q", Q, TEXT, a, "14542个", "t", "pos"),
             ReadItem("q", Q, "今天呼和浩特晴。", -1, "", "t", "other")]
    (ids, sp, ep), (_, sp2, ep2) = features(tok, items, neg_every=1)
    assert tok.decode(ids[sp:ep + 1]).replace(" ", "") == "14542个"
    assert (sp2, ep2) == (0, 0)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from corpusqa.answers.verifier.reader import ReaderConfig, train

    root = tmp_path_factory.mktemp("rtrain")
    data = root / "data"
    data.mkdir()
    a = TEXT.index("14542个")
    items = [ReadItem("q1", Q, TEXT, a, "14542个", "t", "pos"),
             ReadItem("q2", "包头市建成了多少个？", TEXT, TEXT.index("1200个"), "1200个", "t", "pos"),
             ReadItem("q1", Q, "今天呼和浩特晴。", -1, "", "t", "other")]
    write_items(items * 2, data / "train.jsonl")
    write_items(items, data / "dev.jsonl")
    (data / "data.json").write_text(json.dumps({"seed": 1, "level": "span"}))
    init = _tiny_verifier(root)
    cfg = ReaderConfig(batch_size=2, save_every=1, threads=1, init=str(init))
    final = train(data, root / "run", cfg)
    return root, final, cfg, init


def _tiny_verifier(root):
    """A 1-layer verifier folder to start the reader from (the shipped one has 4 layers)."""
    from corpusqa.answers.verifier.base import ensure_base
    from corpusqa.answers.verifier.scorer import MeanPoolScorer
    from corpusqa.answers.verifier.train import save_final, TrainConfig

    model = MeanPoolScorer.from_base(ensure_base(), 1)
    save_final(model, ensure_base(), root / "init", TrainConfig(layers=1))
    return root / "init"


def test_a_tiny_reader_run_trains_resumes_and_reads(run):
    from corpusqa.answers.verifier.reader import Reader, train

    root, final, cfg, _ = run
    messages: list[str] = []
    train(root / "data", root / "run", cfg, report=messages.append)
    assert any(m.startswith("resumed at step") for m in messages)
    out = Reader(str(final)).read(Q, [TEXT, "今天晴。"])
    start, end, offsets, seq = out[0]
    assert start.shape == end.shape == (len(offsets),) and seq.count(1) > 0
    assert TEXT[offsets[seq.index(1)][0]:].startswith(TEXT[0])


def test_the_light_reader_matches_the_transformers_network(run):
    import torch
    from transformers import PreTrainedTokenizerFast

    from corpusqa.answers.verifier.reader import SpanReader
    from corpusqa.answers.verifier.runtime import LightReader

    _, final, _, _ = run
    tok = PreTrainedTokenizerFast.from_pretrained(str(final))
    enc = tok([Q], [TEXT], return_tensors="pt", return_token_type_ids=False)
    with torch.inference_mode():
        s, e = SpanReader.load(final)(**enc)
    (ls, le, _, _), = LightReader(final, max_length=320, precision="fp32").read(Q, [TEXT])
    assert np.allclose(ls, s[0].numpy(), atol=1e-4) and np.allclose(le, e[0].numpy(), atol=1e-4)


def test_the_reader_ships_int8_in_the_one_file_and_leaves_the_other_parts_unchanged(run, tmp_path):
    from safetensors import safe_open

    from corpusqa.answers.verifier.reader import Reader
    from corpusqa.answers.verifier.runtime import LightReader
    from corpusqa.answers.verifier.ship import (FILE, VerifierFileError, assemble, pack, part_digest,
                                                read_card)

    _, final, _, init = run
    with pytest.raises(VerifierFileError, match="pack the verifier"):
        pack(final, tmp_path, {"name": "r"}, part="reader")
    pack(init, tmp_path, {"name": "v"})
    before = part_digest(tmp_path / FILE, "verifier")
    pack(final, tmp_path, {"name": "r"}, part="reader")
    assert part_digest(tmp_path / FILE, "verifier") == before
    card = read_card(tmp_path)
    assert card["reader"]["name"] == "r" and card["name"] == "v"
    with safe_open(str(tmp_path / FILE), framework="pt") as fh:
        q = fh.get_tensor("reader.encoder.layer.0.attention.self.query.weight")
    assert str(q.dtype) == "torch.int8"
    folder = assemble(tmp_path, part="reader")
    (a, _, _, _), = LightReader(folder, max_length=320).read(Q, [TEXT])
    (b, _, _, _), = Reader(str(final)).read(Q, [TEXT])
    assert np.abs(a - b).max() < 0.05 * max(1.0, float(np.abs(b).max()))  # int8 layers


def test_a_missing_reader_is_one_clear_error(tmp_path):
    from corpusqa.answers.verifier.reader import Reader, load_reader
    from corpusqa.errors import EncoderError

    assert load_reader("none") is None and load_reader(None) is None
    with pytest.raises(EncoderError) as err:
        Reader(str(tmp_path / "nowhere")).read(Q, [TEXT])
    assert err.value.key == "answers.reader_unavailable"


def test_reader_features_place_each_sentence_in_its_folded_window():
    from corpusqa.answers.extract import SentenceCandidate
    from corpusqa.answers.verifier.stage import RD_FLOOR, add_reader_features

    text = "今天呼和浩特晴。全區建成黨群服務中心14542個。"
    s2 = text.index("全")
    top = [SentenceCandidate("a", 0, s2, len(text), text[s2:], 1),
           SentenceCandidate("a", 0, 0, s2, text[:s2], 1),
           SentenceCandidate("b", 1, 0, 4, "别的文章", 2)]
    seen = []

    def read(question, windows):
        seen.extend(windows)
        out = []
        for w in windows:
            n = len(w)
            offs = [(0, 0)] + [(i, i + 1) for i in range(n)]
            seq = [None] + [1] * n
            start, end = np.zeros(n + 1), np.zeros(n + 1)
            if "14542" in w:
                k = w.index("14542") + 1
                start[k], end[k + 4] = 5.0, 5.0
            out.append((start, end, offs, seq))
        return out

    fold = {"區": "区", "黨": "党", "務": "务", "個": "个"}
    feats = [{}, {}, {}]
    add_reader_features(Q, top, feats, read, lambda aid: ("", text if aid == "a" else "别的文章"),
                        fold=lambda s: "".join(fold.get(c, c) for c in s))
    assert len(seen) == 2 and "全区建成党群服务中心14542个" in seen[0]
    assert feats[0]["rd"] == pytest.approx(10.0) and feats[1]["rd"] == pytest.approx(0.0)
    assert feats[0]["rd_null"] == pytest.approx(10.0) and feats[2]["rd"] >= RD_FLOOR


def test_the_answer_model_counts_reader_features_absent_without_the_reader():
    from corpusqa.answers.answer_model import AnswerModel
    from corpusqa.answers.extract import SentenceCandidate
    from corpusqa.answers.verifier.stage import verify

    model = AnswerModel((1.0, 5.0), 0.0, (0.0, 0.0), (1.0, 1.0), 0.5, 8, ("ver", "rd"))
    cands = [SentenceCandidate("a", 0, 0, len(TEXT), TEXT, 1, {"cov": 1.0})]
    out = verify(Q, cands, model, lambda q, t: np.array([2.0]), lambda a: ("", TEXT))
    assert out[0].confidence == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert "rd" not in out[0].features


def test_the_fit_reads_reader_features_when_collected_and_the_gap_follows_the_candidates():
    from corpusqa.answers.answer_model import READER_FEATURES
    from corpusqa.eval.answer_fit import CalibQuestion, _with_gap, fit

    rng = np.random.default_rng(0)
    qs = []
    for i in range(40):
        right = int(rng.integers(0, 3))
        feats = [{"ver": float(rng.normal()), "rd": 6.0 if k == right else 0.0, "rd_null": 1.0} for k in range(3)]
        qs.append(CalibQuestion("x", f"q{i}", True, feats, [k == right for k in range(3)]))
    model = fit(qs, 3)
    assert READER_FEATURES <= set(model.features)
    assert model.coef[model.features.index("rd")] > 0
    assert [f["rd_gap"] for f in _with_gap(qs[0].feats, 2)] == [pytest.approx(qs[0].feats[0]["rd"] - qs[0].feats[1]["rd"]),
                                                                 pytest.approx(qs[0].feats[1]["rd"] - qs[0].feats[0]["rd"])]
    plain = [CalibQuestion(q.source, q.qid, q.answerable, [{"ver": f["ver"]} for f in q.feats], q.contained)
             for q in qs]
    assert not READER_FEATURES & set(fit(plain, 3).features)
