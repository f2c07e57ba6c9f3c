"""`corpusqa bench fusion`: options replayed on fixed runs, and the command end to end."""

import json

from click.testing import CliRunner

from corpusqa.bench.fusion import Runs, fused_top, measure, options
from corpusqa.cli import cli


def _run(gold, lexical, dense, cross=False):
    f = lambda hits: tuple((c, frozenset([c[0]]), s, c[0]) for c, s in hits)  # noqa: E731
    return Runs(frozenset(gold), cross, f(lexical), f(dense))


def test_the_replay_gives_a_twin_story_one_vote():
    """Lexical shows copy A, dense copy B of one story: as in HybridRetriever, the story
    is not split between two half votes."""
    story = frozenset({"A", "B"})
    lexical = (("a1", story, 9.0, "A"), ("y1", frozenset({"y"}), 8.9, "y"))
    dense = (("b1", story, 0.9, "B"), ("y1", frozenset({"y"}), 0.8, "y"))
    # chunk-level RRF alone: y1 (2nd in both) 2/62 beats a1 and b1 (1/61 each)
    r = Runs(frozenset({"B"}), False, lexical, dense)
    assert fused_top(r, weight=1.0, gate=None) == story


def test_the_lexical_anchor_keeps_a_clear_bm25_winner_and_fuses_the_rest():
    clear = _run({"a"}, [("a1", 12.0), ("b1", 6.0)], [("b1", 0.9), ("c1", 0.8), ("a1", 0.1)])
    close = _run({"b"}, [("a1", 10.0), ("b1", 9.5)], [("b1", 0.9), ("c1", 0.2)])
    assert fused_top(clear, 1.0, None) == {"b"}      # plain RRF: dense outvotes BM25
    assert fused_top(clear, 1.0, 1.2) == {"a"}       # anchored
    assert fused_top(close, 1.0, 1.2) == {"b"}       # too close to call: RRF decides
    rows = {r["option"]: r for r in measure({"s": [clear, close]})}
    assert set(rows) == set(options())
    assert rows["lexical"]["recall@1"]["s"] == 0.5 and rows["rrf dense 1 + lexical anchor 1.2"]["recall@1"]["s"] == 1.0
    assert rows["rrf dense 1 + lexical anchor 1.2"]["worst_margin"] == 0.5


def test_a_question_without_chinese_follows_the_dense_run():
    runs = [("a1", 12.0), ("b1", 6.0)], [("b1", 0.9), ("c1", 0.8), ("a1", 0.1)]
    english, chinese = _run({"b"}, *runs, cross=True), _run({"b"}, *runs)
    assert fused_top(english, 0.5, 1.2) == {"a"}          # no rule: the BM25 anchor wins
    assert fused_top(english, 0.5, 1.2, 0.0) == {"b"}     # dense alone
    assert fused_top(chinese, 0.5, 1.2, 0.0) == {"a"}     # Chinese questions unchanged


def test_fusion_command_on_a_tiny_set(tmp_path):
    passages = tmp_path / "p.passages.jsonl"
    questions = tmp_path / "p.questions.jsonl"
    texts = {"p1": "全区建成一站式党群服务中心14542个。", "p2": "呼伦贝尔市举办那达慕大会，吸引游客20万人次。",
             "p3": "内蒙古支线供水工程总投资约110亿元。"}
    passages.write_text("\n".join(json.dumps({"pid": k, "title": "", "text": v}, ensure_ascii=False)
                                  for k, v in texts.items()), encoding="utf-8")
    questions.write_text(json.dumps({"qid": "q1", "question": "那达慕大会吸引了多少游客？", "gold_pids": ["p2"],
                                     "answers": [{"text": "20万人次", "answer_start": 15}]},
                                    ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "bench", "fusion", "--encoder", "hash:32",
                                    "--work", str(tmp_path / "w"), "--json",
                                    "--set", f"tiny={questions},{passages}"])
    assert out.exit_code == 0, out.output
    rows = {r["option"]: r for r in json.loads(out.output)}
    assert rows["lexical"]["recall@1"] == {"tiny": 1.0} and rows["lexical"]["questions"] == {"tiny": 1}
