"""Average several verifiers fine-tuned from the same base into one (a uniform model soup;
docs/answer-verifier.md "A model soup").

    .venv/bin/python scripts/verifier-soup.py OUT MEMBER [MEMBER ...]

Each MEMBER is ``bundled`` (the shipped verifier) or a folder written by ``corpusqa train
answer-model`` (``RUN/final``). Every member must have the same layers; the transformer
layers and the head are averaged in float64 and written as float32. The word embeddings
are frozen in training, so OUT names the base's instead of carrying a copy, as the
shipped verifier's folder does: OUT's parent gets a link to the base folder. OUT is then
a verifier folder for ``--verifier st:OUT`` and ``corpusqa train evaluate --model OUT``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from corpusqa.answers.verifier.base import EMBEDDINGS_REF, WORD_EMB, ensure_base
from corpusqa.answers.verifier.ship import assemble

COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def member_folder(spec: str) -> Path:
    return assemble(part="verifier") if spec == "bundled" else Path(spec)


def average(folders: list[Path], name: str) -> dict[str, np.ndarray]:
    total: dict[str, np.ndarray] = {}
    for folder in folders:
        tensors = load_file(str(folder / name))
        tensors.pop(WORD_EMB, None)
        if total and tensors.keys() != total.keys():
            raise SystemExit(f"{folder}: its {name} holds other tensors than {folders[0]}'s")
        for key, value in tensors.items():
            total[key] = total.get(key, 0.0) + value.astype(np.float64)
    return {key: (value / len(folders)).astype(np.float32) for key, value in total.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("members", nargs="+", help="bundled or RUN/final folders")
    args = ap.parse_args()
    folders = [member_folder(m) for m in args.members]
    layers = {json.loads((f / "config.json").read_text())["num_hidden_layers"] for f in folders}
    if len(layers) != 1:
        raise SystemExit(f"the members have different layer counts: {sorted(layers)}")
    base = ensure_base()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    save_file(average(folders, "model.safetensors"), str(args.out / "model.safetensors"), metadata={"format": "pt"})
    save_file(average(folders, "head.safetensors"), str(args.out / "head.safetensors"))
    for fname in (*COPIED, "corpusqa_verifier.json"):
        shutil.copy(folders[0] / fname, args.out / fname)
    (args.out / EMBEDDINGS_REF).write_text(json.dumps({"base": base.name, "tensor": WORD_EMB}))
    link = args.out.parent / base.name
    if not link.exists():
        link.symlink_to(base, target_is_directory=True)
    (args.out / "soup.json").write_text(json.dumps({"members": args.members}, indent=1))
    print(f"{args.out}: {len(folders)} members, {layers.pop()} layers")


if __name__ == "__main__":
    main()
