"""`eval --mixed`: a seeded share of the corpus removed, questions without evidence relabelled."""

from __future__ import annotations

import json

import pytest

from corpusqa.cli import main
from corpusqa.corpus.ingest import article_from_document
from corpusqa.corpus.loaders import parse_jsonl
from corpusqa.eval.gold import GoldItem
from corpusqa.eval.mixed import MIXED_TAG, describe, passage_record, relabel, removed_ids
from corpusqa.models import Article, Paragraph

IDS = [f"p{i}" for i in range(10)]
# sorted by sha1("0:ID"): p9 p2 p3 p4 p7 p1 p5 p8 p0 p6; by sha1("1:ID"): p1 p9 p2 p8 p3 ...


def test_removed_ids_takes_the_exact_share_with_the_smallest_seeded_hashes():
    assert removed_ids(IDS, 0.2, seed=0) == {"p9", "p2"}
    assert removed_ids(IDS, 0.2, seed=1) == {"p1", "p9"}
    assert removed_ids(IDS, 0.25, seed=0) == {"p9", "p2", "p3"}  # 2.5 rounds half up
    assert removed_ids(IDS, 0.0) == frozenset()


def test_removed_ids_ignores_order_and_duplicates_and_grows_with_the_fraction():
    assert removed_ids(reversed(IDS + IDS), 0.2, seed=0) == removed_ids(IDS, 0.2, seed=0)
    assert removed_ids(IDS, 0.2, seed=0) < removed_ids(IDS, 0.5, seed=0)
    with pytest.raises(ValueError):
        removed_ids(IDS, 1.0)


def _item(qid, pids, answers=("12",), tags=()):
    return GoldItem(qid=qid, question=f"问题{qid}", gold_pids=tuple(pids), answers=tuple(answers),
                    tags=tuple(tags))


def test_relabel_empties_only_questions_that_lost_all_their_evidence():
    items = [_item("a", ["p9"]), _item("b", ["p9", "p0"]), _item("c", ["p0"]),
             _item("d", [], answers=()), _item("e", [], tags=("number",))]
    out = relabel(items, {"p9", "p2"})
    assert out[0] == _item("a", [], answers=(), tags=(MIXED_TAG,)) and not out[0].answerable
    assert out[1].gold_pids == ("p0",) and out[1].answers == ("12",)
    assert out[2:] == items[2:]  # untouched evidence, unanswerable, no gold ids named
    info = describe(0.2, 0, 10, 2, items, out)
    assert info == {"fraction": 0.2, "seed": 0, "passages": 10, "removed": 2, "questions": 5,
                    "made_unanswerable": 1, "unanswerable": 2}


def test_passage_record_reads_back_as_the_same_article():
    text = "今年全区粮食产量达到800亿斤。\n比上年增长3.2%。"
    article = Article(id="abc123", source="page.txt", position=0, title="粮食丰收",
                      text=text, paragraphs=(Paragraph(0, 0, 16), Paragraph(1, 17, len(text))),
                      byline="记者 王明", date="2021-06-30")
    line = json.dumps(passage_record(article), ensure_ascii=False)
    docs, warnings = parse_jsonl(line, "kept.jsonl")
    again = article_from_document(docs[0], "kept.jsonl", 0)
    assert warnings == ()
    assert (again.id, again.title, again.text, again.paragraphs, again.byline, again.date) == (
        article.id, article.title, article.text, article.paragraphs, article.byline, article.date)


def _write_set(tmp_path, n=25):
    cities = ["呼和浩特", "包头", "鄂尔多斯", "赤峰", "通辽"]
    passages, questions = [], []
    for i in range(n):
        pid = f"P{i:02d}"
        name = f"{cities[i % 5]}第{i + 1}水库"
        passages.append({"pid": pid, "title": name,
                         "text": f"{name}始建于{1950 + i}年，总库容为{(i + 1) * 7}万立方米，"
                                 f"灌溉面积{(i + 3) * 11}亩。"})
        questions.append({"qid": f"Q{i:02d}", "question": f"{name}的总库容是多少？",
                          "gold_pids": [pid], "answers": [{"text": f"{(i + 1) * 7}万立方米"}]})
    corpus, gold = tmp_path / "passages.jsonl", tmp_path / "questions.jsonl"
    for path, rows in ((corpus, passages), (gold, questions)):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    return corpus, gold, [p["pid"] for p in passages]


def test_eval_mixed_reports_the_removed_questions_as_unanswerable(tmp_path, capsys):
    corpus, gold, pids = _write_set(tmp_path)
    gone = removed_ids(pids, 0.12, seed=0)
    assert len(gone) == 3  # 0.12 of 25
    args = ["--home", str(tmp_path / "home"), "--encoder", "none", "--silent", "eval",
            "--gold", str(gold), "--corpus", str(corpus), "--config", "lexical", "--mixed", "0.12"]
    assert main(args + ["--json", "--report", str(tmp_path / "report")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mixed"] == {"fraction": 0.12, "seed": 0, "passages": 25, "removed": 3,
                            "questions": 25, "made_unanswerable": 3, "unanswerable": 3}
    r = out["results"]["lexical"]
    assert (r["answerable"], r["unanswerable"]) == (22, 3)
    assert set(r["abstention"]) >= {"precision", "recall", "f1", "false_refusal_rate"}
    records = [json.loads(x) for x in
               (tmp_path / "report" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    relabelled = {x["qid"] for x in records if not x["answerable"]}
    assert relabelled == {f"Q{p[1:]}" for p in gone}
    assert all(MIXED_TAG in x["tags"] for x in records if not x["answerable"])
    # no removed passage was indexed: none is ever retrieved
    assert not gone.intersection(d for x in records for d in x["docs"])

    assert main(args) == 0  # human output: the summary line and the false-refusal column
    text = capsys.readouterr().out
    assert "3 个问题因此不可回答" in text and "false refusal" in text


def test_mixed_seed_without_mixed_is_a_one_line_error(tmp_path, capsys):
    corpus, gold, _ = _write_set(tmp_path, n=3)
    code = main(["--home", str(tmp_path / "home"), "--encoder", "none", "eval", "--gold", str(gold),
                 "--corpus", str(corpus), "--config", "lexical", "--mixed-seed", "3"])
    err = capsys.readouterr().err
    assert code != 0 and "--mixed-seed" in err and "Traceback" not in err
