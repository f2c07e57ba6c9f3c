#!/usr/bin/env python
"""The passage reranker read with a shorter pair length (docs/answer-verifier.md "Latency: a shorter passage input": measured, not adopted).

    PSG_LEN=128 .venv/bin/python scripts/passage-length.py --silent --home H eval --config hybrid \
        --cache-dir C --json --gold G

Runs the ``corpusqa`` command line with every scorer whose pair length is the passage
reranker's (224 tokens, from its model card) built with ``PSG_LEN`` tokens instead. The
model was trained at 224; this measures what cutting its input costs in quality and buys in
time, without retraining.
"""

from __future__ import annotations

import os
import sys

from corpusqa.answers.verifier import runtime

TRAINED = 224
LENGTH = int(os.environ.get("PSG_LEN", str(TRAINED)))
_init = runtime.LightScorer.__init__


def _shorter(self, folder, device="cpu", max_length=96, *args, **kwargs):
    _init(self, folder, device, LENGTH if max_length == TRAINED else max_length, *args, **kwargs)


runtime.LightScorer.__init__ = _shorter  # type: ignore[method-assign]

if __name__ == "__main__":
    from corpusqa.cli import main

    sys.exit(main())
