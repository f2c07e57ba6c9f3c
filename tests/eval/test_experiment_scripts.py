"""The experiment scripts that docs/ quotes figures from still run (scripts/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_answer_experiments_patch_in_and_run_the_cli():
    for name in ("sibling", "bestchunk", "dateline", "verifier128", "tailwindow", "byline"):
        res = _run("scripts/answer-experiments.py", name, "--", "--help")
        assert res.returncode == 0, res.stderr
        assert "Usage" in res.stdout
    bad = _run("scripts/answer-experiments.py", "nope", "--", "--help")
    assert bad.returncode != 0 and "EXPERIMENT" in bad.stderr


def test_verifier_input_length_counts_whole_sentences(tmp_path):
    short = {"qid": "a", "question": "全区建成了多少个党群服务中心？", "text": "全区建成党群服务中心14542个。 ｜ 标题",
             "label": 1, "kind": "pos", "source": "gold"}
    long = dict(short, qid="b", text="党" * 300 + "。")
    (tmp_path / "test-gold.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in (short, long, dict(short, label=0))),
        encoding="utf-8")
    res = _run("scripts/verifier-input-length.py", str(tmp_path), "--lengths", "80,512")
    assert res.returncode == 0, res.stderr
    assert "test-gold 2 {80: 0.5, 512: 1.0}" in res.stdout


def test_ask_profile_builds_a_small_home_and_times_each_model(tmp_path):
    res = _run("scripts/ask-profile.py", str(tmp_path / "home"), "--size", "300", "--sample", "8", "--questions", "3")
    assert res.returncode == 0, res.stderr
    assert "built" in res.stdout and "| verifier |" in res.stdout and "| retrieve_ms |" in res.stdout


def _member(folder: Path, value: float, layers: int = 1) -> str:
    import numpy as np
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    save_file({"embeddings.word_embeddings.weight": np.zeros((3, 2), np.float32),
               "encoder.layer.0.output.dense.weight": np.full((2, 2), value, np.float32)},
              str(folder / "model.safetensors"))
    save_file({"weight": np.full((1, 2), value, np.float32), "bias": np.array([value], np.float32)},
              str(folder / "head.safetensors"))
    (folder / "config.json").write_text(json.dumps({"num_hidden_layers": layers}))
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "corpusqa_verifier.json"):
        (folder / name).write_text("{}")
    return str(folder)


def test_verifier_soup_averages_the_layers_and_the_head(tmp_path):
    from safetensors.numpy import load_file

    a, b = _member(tmp_path / "a", 1.0), _member(tmp_path / "b", 3.0)
    out = tmp_path / "soup" / "final"
    res = _run("scripts/verifier-soup.py", str(out), a, b)
    assert res.returncode == 0, res.stderr
    model, head = load_file(str(out / "model.safetensors")), load_file(str(out / "head.safetensors"))
    # the frozen word embeddings are the base's, named instead of copied
    assert set(model) == {"encoder.layer.0.output.dense.weight"}
    assert (model["encoder.layer.0.output.dense.weight"] == 2.0).all() and (head["bias"] == 2.0).all()
    ref = json.loads((out / "word_embeddings.json").read_text())
    assert (out.parent / ref["base"] / "model.safetensors").exists()
    assert json.loads((out / "soup.json").read_text())["members"] == [a, b]

    other = _member(tmp_path / "c", 5.0, layers=2)
    res = _run("scripts/verifier-soup.py", str(tmp_path / "bad"), a, other)
    assert res.returncode != 0 and "different layer counts" in res.stderr
