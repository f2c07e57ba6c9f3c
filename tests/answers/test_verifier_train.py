"""A tiny training run (seconds), packing, and the checksum checked on load."""

from __future__ import annotations

import json

import pytest

from corpusqa.answers.verifier.data import Pair, write_pairs

pytestmark = pytest.mark.integration

PAIRS = [
    Pair("q1", "全区建成了多少个党群服务中心？", "全区建成党群服务中心14542个。 ｜ 党建", 1, "pos", "t"),
    Pair("q1", "全区建成了多少个党群服务中心？", "今天呼和浩特晴。 ｜ 天气", 0, "other", "t"),
    Pair("q2", "包头市建成了多少个党群服务中心？", "全区建成党群服务中心14542个。 ｜ 党建", 0, "nearmiss", "t"),
    Pair("q3", "How many centres were built?", "全区建成党群服务中心14542个。 ｜ 党建", 1, "pos", "t"),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from corpusqa.answers.verifier.train import TrainConfig, train

    root = tmp_path_factory.mktemp("vtrain")
    data = root / "data"
    data.mkdir()
    write_pairs(PAIRS * 2, data / "train.jsonl")
    write_pairs(PAIRS, data / "dev.jsonl")
    (data / "data.json").write_text(json.dumps({"seed": 1, "max_cmrc": 0}))
    cfg = TrainConfig(layers=1, max_length=32, batch_size=4, save_every=1, threads=1)
    final = train(data, root / "run", cfg)
    return root, final, cfg


def test_tiny_training_run_writes_a_loadable_cross_encoder(run):
    from corpusqa.answers.verifier.model import Verifier

    root, final, _ = run
    assert (root / "run" / "checkpoint.pt").exists()
    logits = Verifier(f"st:{final}").load().score(PAIRS[0].question, [PAIRS[0].text, PAIRS[1].text])
    assert logits.shape == (2,) and logits.dtype.name == "float32"


def test_rerun_resumes_from_the_checkpoint(run):
    from corpusqa.answers.verifier.train import train

    root, _, cfg = run
    messages = []
    train(root / "data", root / "run", cfg, report=messages.append)
    assert any(m.startswith("resumed at step 2/2") for m in messages)


def test_pack_ships_a_small_delta_checked_on_load(run, tmp_path):
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.answers.verifier.ship import VerifierFileError, assemble, pack, read_card

    root, final, _ = run
    out = pack(final, tmp_path, {"name": "tiny"})
    card = read_card(tmp_path)
    assert card["layers"] == 1 and card["bytes"] == out.stat().st_size < 40 * 2**20
    folder = assemble(tmp_path)
    a = Verifier(f"st:{folder}").load().score(PAIRS[0].question, [PAIRS[0].text])
    b = Verifier(f"st:{final}").load().score(PAIRS[0].question, [PAIRS[0].text])
    assert abs(float(a[0]) - float(b[0])) < 0.05  # fp16 delta
    data = bytearray(out.read_bytes())
    data[-10] ^= 0xFF
    out.write_bytes(bytes(data))
    with pytest.raises(VerifierFileError, match="checksum"):
        assemble(tmp_path)


def test_an_assembled_folder_reads_the_word_embeddings_of_the_base_folder(run, tmp_path):
    import shutil

    import torch
    from safetensors import safe_open

    from corpusqa.answers.verifier.base import EMBEDDINGS_REF, WORD_EMB, base_dir
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.answers.verifier.scorer import MeanPoolScorer
    from corpusqa.answers.verifier.ship import assemble, pack
    from corpusqa.errors import EncoderError

    _, final, _ = run
    pack(final, tmp_path, {"name": "tiny"})
    cache = tmp_path / "cache"
    folder = assemble(tmp_path, root=cache)
    assert folder.name.endswith("-slim")  # never opened by an older version, which wants its own copy
    # an older version's folder for the same part (with its own copy) is removed
    old = cache / folder.name.removesuffix("-slim")
    shutil.copytree(folder, old)
    shutil.rmtree(folder)
    assert assemble(tmp_path, root=cache) == folder and not old.exists()
    with safe_open(str(folder / "model.safetensors"), framework="pt") as fh:
        assert WORD_EMB not in fh.keys()  # not a second copy of the 384 MB matrix
    assert (folder / "model.safetensors").stat().st_size < 20 * 2**20
    assert json.loads((folder / EMBEDDINGS_REF).read_text())["base"] == base_dir(cache).name
    q, t = PAIRS[0].question, [PAIRS[0].text, PAIRS[1].text]
    light = Verifier(f"st:{folder}").load().score(q, t)
    assert light == pytest.approx(Verifier(f"st:{final}").load().score(q, t), abs=0.05)  # fp16 delta
    # the torch loader (training from the shipped verifier) gets the base's rows too
    model = MeanPoolScorer.load(folder)
    with safe_open(str(base_dir(cache) / "model.safetensors"), framework="pt") as fh:
        assert torch.equal(model.bert.embeddings.word_embeddings.weight, fh.get_tensor(WORD_EMB))
    # the base folder removed: one clear error for the folder, and assembling brings it back
    shutil.rmtree(base_dir(cache))
    with pytest.raises(EncoderError):
        Verifier(f"st:{folder}").load()
    again = assemble(tmp_path, root=cache)
    assert again == folder
    assert Verifier(f"st:{again}").load().score(q, t) == pytest.approx(light, abs=1e-6)


def test_the_passage_reranker_ships_in_the_same_file_and_leaves_the_verifier_unchanged(run, tmp_path):
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.answers.verifier.ship import VerifierFileError, assemble, has_part, pack, read_card

    root, final, _ = run
    with pytest.raises(VerifierFileError, match="pack the verifier"):
        pack(final, tmp_path, {"name": "p"}, part="passage")  # nothing to add it to
    pack(final, tmp_path, {"name": "v"})
    verifier_before = assemble(tmp_path, root=tmp_path / "cache")
    assert not has_part("passage", tmp_path)
    with pytest.raises(VerifierFileError, match="no passage"):
        assemble(tmp_path, root=tmp_path / "cache", part="passage")
    out = pack(final, tmp_path, {"name": "p", "hyperparameters": {"max_length": 40}}, part="passage")
    card = read_card(tmp_path)
    assert card["name"] == "v" and card["passage"]["name"] == "p" and has_part("passage", tmp_path)
    assert card["bytes"] == out.stat().st_size and card["layers"] == 1
    v = assemble(tmp_path, root=tmp_path / "cache")
    p = assemble(tmp_path, root=tmp_path / "cache", part="passage")
    assert v != p and v == verifier_before  # folders keyed by their own tensors: the verifier's stays
    q, t = PAIRS[0].question, [PAIRS[0].text]
    before = Verifier(f"st:{verifier_before}").load().score(q, t)
    assert Verifier(f"st:{v}").load().score(q, t)[0] == pytest.approx(float(before[0]), abs=1e-6)
    assert Verifier(f"st:{p}").load().score(q, t)[0] == pytest.approx(float(before[0]), abs=1e-6)
    # repacking the verifier keeps the passage part
    pack(final, tmp_path, {"name": "v2"})
    assert read_card(tmp_path)["passage"]["name"] == "p"
    assemble(tmp_path, root=tmp_path / "cache", part="passage")


def test_missing_verifier_is_one_clear_error(tmp_path):
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.errors import EncoderError

    with pytest.raises(EncoderError) as err:
        Verifier(f"st:{tmp_path / 'nothing'}").load()
    assert "CORPUSQA_VERIFIER=none" in err.value.message("en")
    with pytest.raises(EncoderError) as err:
        Verifier(str(tmp_path / "nothing"), part="passage").load()
    assert "CORPUSQA_PASSAGE_RANKER=none" in err.value.message("en")
    assert "CORPUSQA_PASSAGE_RANKER=none" in err.value.message("zh")


def test_grouped_batches_keep_a_question_whole_and_are_seeded():
    from corpusqa.answers.verifier.train import grouped_batches, question_key

    pairs = PAIRS * 3  # the same question's candidates repeat: one group of 6 for q1
    plan = grouped_batches(pairs, 4, seed=5)
    assert plan == grouped_batches(pairs, 4, seed=5)
    assert sorted(i for b in plan for i in b) == list(range(len(pairs)))
    where = {}
    for n, b in enumerate(plan):
        for i in b:
            where.setdefault(question_key(pairs[i]), set()).add(n)
    assert all(len(batches) == 1 for batches in where.values())


def test_listwise_loss_is_the_softmax_cross_entropy_of_the_positive():
    import math

    import torch

    from corpusqa.answers.verifier.train import listwise_loss

    logits = torch.tensor([2.0, 0.0, 5.0, 1.0])  # q1 pos, q1 neg, q2 alone, q3 alone
    got = listwise_loss(logits, PAIRS).item()
    assert got == pytest.approx(math.log(math.exp(2) + 1) - 2, rel=1e-5)
    assert listwise_loss(logits[2:], PAIRS[2:]) is None  # no question with pos and neg


def test_listwise_run_trains_and_resumes(tmp_path):
    from corpusqa.answers.verifier.train import TrainConfig, train

    data = tmp_path / "data"
    data.mkdir()
    write_pairs(PAIRS * 2, data / "train.jsonl")
    cfg = TrainConfig(layers=1, max_length=32, batch_size=4, save_every=1, threads=1, listwise=1.0)
    final = train(data, tmp_path / "run", cfg)
    assert (final / "head.safetensors").exists()
    messages = []
    train(data, tmp_path / "run", cfg, report=messages.append)
    assert any(m.startswith("resumed at step") for m in messages)


def test_init_starts_from_a_trained_verifier_and_checks_its_layers(run, tmp_path):
    """--init: a further epoch starts from the trained weights, not from e5."""
    from safetensors.torch import load_file

    from corpusqa.answers.verifier.train import TrainConfig, train

    root, final, _ = run
    cfg = TrainConfig(layers=1, max_length=32, batch_size=4, threads=1, lr=1e-12, init=str(final))
    again = train(root / "data", tmp_path / "more", cfg)
    before, after = (load_file(str(f / "head.safetensors"))["weight"] for f in (final, again))
    assert (after - before).abs().max().item() < 1e-6  # a vanishing step kept the start
    with pytest.raises(ValueError, match="layers"):
        train(root / "data", tmp_path / "bad", TrainConfig(layers=2, threads=1, init=str(final)))
    with pytest.raises(ValueError, match="not a trained verifier"):
        train(root / "data", tmp_path / "bad2", TrainConfig(layers=1, threads=1, init=str(tmp_path)))


def test_light_runtime_matches_the_transformers_network(run):
    """runtime.LightScorer (no transformers) gives the training network's token ids and logits."""
    import numpy as np
    import torch
    from transformers import PreTrainedTokenizerFast

    from corpusqa.answers.verifier.runtime import LightScorer
    from corpusqa.answers.verifier.scorer import MeanPoolScorer

    _, final, _ = run
    light = LightScorer(final, max_length=32, batch_size=3, precision="fp32")
    ref, tok = MeanPoolScorer.load(final), PreTrainedTokenizerFast.from_pretrained(str(final))
    texts = [p.text for p in PAIRS] + ["短", "全区" * 40]  # padding, and a pair cut longest-first
    for question in (PAIRS[0].question, "包头市" * 30, "How many?"):
        enc = tok([question] * len(texts), texts, padding=True, truncation="longest_first", max_length=32,
                  return_tensors="pt", return_token_type_ids=False)
        ids, mask = light.encode(question, texts)
        assert np.array_equal(ids, enc["input_ids"].numpy()) and np.array_equal(mask, enc["attention_mask"].numpy())
        with torch.inference_mode():
            want = ref(**enc).numpy()
        assert np.allclose(light.predict(question, texts), want, atol=1e-4)
    assert light.predict("问", []).shape == (0,)
    # bf16 matrices (docs/answer-verifier.md "bf16 matrices"): the same network within bf16's rounding
    half = LightScorer(final, max_length=32, batch_size=3, precision="bf16")
    assert half.w["encoder.layer.0.intermediate.dense.weight"].dtype == torch.bfloat16
    assert half.w["encoder.layer.0.output.LayerNorm.weight"].dtype == torch.float32
    for question in (PAIRS[0].question, "How many?"):
        assert np.allclose(half.predict(question, texts), light.predict(question, texts), atol=0.05)
    # int8 matrices (docs/answer-verifier.md "int8 matrices"): packed, the float copies dropped, close logits
    q8 = LightScorer(final, max_length=32, batch_size=3, precision="int8")
    assert "encoder.layer.0.intermediate.dense.weight" not in q8.w and "encoder.layer.0.intermediate.dense" in q8.packed
    assert q8.w["encoder.layer.0.output.LayerNorm.weight"].dtype == torch.float32
    for question in (PAIRS[0].question, "How many?"):
        assert np.allclose(q8.predict(question, texts), light.predict(question, texts), atol=0.1)


def test_pruned_tokenizer_gives_the_whole_tokenizers_ids(run):
    """Pairs in the covered scripts go through the pruned copy, anything else through the whole
    model; both give the ids of the folder's tokenizer."""
    import numpy as np
    from transformers import PreTrainedTokenizerFast

    from corpusqa.answers.verifier import runtime
    from corpusqa.answers.verifier.runtime import PRUNED, PRUNED_IDS, PairTokenizer

    _, final, _ = run
    tok = PreTrainedTokenizerFast.from_pretrained(str(final))
    cases = [("全区建成了多少个党群服务中心？", ["全区建成党群服务中心14542个。", "Café “引号” ＦＵＬＬ１２", "𪚥罕见字\t换行\n"]),
             ("How many centres?", ["Привет мир", "日本語のテキスト α→β ā"]),  # Cyrillic: the whole model
             ("<mask> 的 <s>", ["😀", ""])]
    for _ in ("prunes and writes the copy", "loads the copy"):
        runtime._SHARED.clear()  # not the copy another test loaded
        pt = PairTokenizer(final, 24)
        assert (final / PRUNED).exists() and (final / PRUNED_IDS).exists()
        for question, texts in cases:
            want = tok([question] * len(texts), texts, padding=True, truncation="longest_first", max_length=24,
                       return_tensors="np", return_token_type_ids=False)
            ids, mask = pt.encode(question, texts)
            assert np.array_equal(ids, want["input_ids"]) and np.array_equal(mask, want["attention_mask"])
        assert pt._full is not None  # loaded for the Cyrillic pair only
    cut = (final / PRUNED).read_bytes()
    (final / PRUNED).write_bytes(cut[: len(cut) // 2])  # a copy cut short (killed, disk full)
    del pt
    runtime._SHARED.clear()
    again = PairTokenizer(final, 24)
    assert np.array_equal(again.encode(*cases[0])[0], PairTokenizer(final, 24).encode(*cases[0])[0])
    assert (final / PRUNED).read_bytes() == cut  # made again, whole


def test_scorers_of_one_tokenizer_share_it_and_keep_their_own_pair_length(run, tmp_path):
    """The verifier (80 tokens) and the passage reranker (224) load one tokenizer between
    them; each still truncates to its own length, also when called from two threads at once."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from transformers import PreTrainedTokenizerFast

    from corpusqa.answers.verifier.runtime import PairTokenizer

    _, final, _ = run
    other = tmp_path / "other"
    shutil.copytree(final, other)
    short, long = PairTokenizer(final, 12), PairTokenizer(other, 40)
    assert short.vocab is long.vocab
    tok = PreTrainedTokenizerFast.from_pretrained(str(final))
    q, texts = "全区建成了多少个党群服务中心？", ["全区建成党群服务中心14542个，覆盖城乡社区。" * 3, "Привет мир " * 5]

    def want(n):
        return tok([q] * len(texts), texts, padding=True, truncation="longest_first", max_length=n,
                   return_tensors="np", return_token_type_ids=False)["input_ids"]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda pt: pt.encode(q, texts)[0], [short, long] * 20))
    for i, ids in enumerate(got):
        assert np.array_equal(ids, want(12 if i % 2 == 0 else 40))


def test_a_trained_folder_carries_its_own_answer_model_and_pair_length(run):
    """A candidate verifier is asked with the answer model fitted to its own logits."""
    import shutil

    from corpusqa.answers.answer_model import FILE, AnswerModel
    from corpusqa.answers.verifier.model import Verifier

    root, final, cfg = run
    folder = root / "with-model"
    shutil.copytree(final, folder)
    assert Verifier(f"st:{folder}").own_answer_model() is None
    model = AnswerModel((1.0,), 0.5, (0.0,), (1.0,), 0.42, 6, ("ver",))
    model.save(folder / FILE)
    v = Verifier(f"st:{folder}").load()
    assert v.own_answer_model() == model
    assert v.max_length == cfg.max_length  # from train_config.json, not the default 80
    assert Verifier("bundled").own_answer_model() is None
