"""The verifier network: e5's first layers, mean pooling, one linear logit.

A folder holds a ``BertModel`` (``config.json`` + ``model.safetensors``), the fast
tokenizer, and ``head.safetensors`` (the linear layer); ``corpusqa_verifier.json`` marks it.
"""

from __future__ import annotations

import json
from pathlib import Path

MARKER = "corpusqa_verifier.json"


def _torch_nn():
    import torch

    return torch.nn.Module


class MeanPoolScorer(_torch_nn()):  # type: ignore[misc]  # torch.nn.Module, imported lazily
    """``logit = w · mean(last hidden states over the pair's tokens) + b``."""

    def __init__(self, bert, dropout: float = 0.1):
        import torch

        super().__init__()
        self.bert = bert
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(bert.config.hidden_size, 1)
        torch.nn.init.normal_(self.head.weight, std=0.02)
        torch.nn.init.zeros_(self.head.bias)

    @classmethod
    def from_base(cls, base: Path, layers: int) -> "MeanPoolScorer":
        from corpusqa.answers.verifier.base import load_bert

        return cls(load_bert(base, layers))

    @classmethod
    def load(cls, folder: Path) -> "MeanPoolScorer":
        from safetensors.torch import load_file

        model = cls.from_base(folder, json.loads((folder / "config.json").read_text())
                              ["num_hidden_layers"])
        head = load_file(str(folder / "head.safetensors"))
        model.head.load_state_dict({"weight": head["weight"].float(), "bias": head["bias"].float()})
        return model.eval()

    def forward(self, input_ids, attention_mask, **_):
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled)).squeeze(-1)

    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        self.bert.save_pretrained(str(folder))
        save_file({k: v.contiguous() for k, v in self.head.state_dict().items()},
                  str(folder / "head.safetensors"))
        (folder / MARKER).write_text(json.dumps({"pooling": "mean", "format": 1}))


def is_scorer_folder(folder: Path) -> bool:
    return (folder / MARKER).exists()
