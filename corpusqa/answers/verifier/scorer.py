"""The verifier network: e5's first layers, mean pooling, one linear logit.

A folder holds a ``BertModel`` (``config.json`` + ``model.safetensors``), the fast
tokenizer, and ``head.safetensors`` (the linear layer); ``corpusqa_verifier.json`` marks it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

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
        from transformers import BertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        bert = BertModel.from_pretrained(str(base), num_hidden_layers=layers,
                                         add_pooling_layer=False)
        return cls(bert)

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


class FolderScorer:
    """Scores pairs with a saved ``MeanPoolScorer`` folder (inference only)."""

    def __init__(self, folder: Path, device: str = "cpu", max_length: int = 96,
                 batch_size: int = 16):
        from transformers import PreTrainedTokenizerFast

        self.model = MeanPoolScorer.load(folder).to(device)
        self.tok = PreTrainedTokenizerFast.from_pretrained(str(folder))
        self.device, self.max_length, self.batch_size = device, max_length, batch_size

    def predict(self, question: str, texts: Sequence[str]):
        import numpy as np
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                part = list(texts[i:i + self.batch_size])
                # longest_first: a question longer than max_length (questions may run
                # to 500 characters) is cut too, where only_second raised
                enc = self.tok([question] * len(part), part, padding=True,
                               truncation="longest_first", max_length=self.max_length,
                               return_tensors="pt", return_token_type_ids=False)
                enc = {k: v.to(self.device) for k, v in enc.items()}
                out.append(self.model(**enc).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
