"""What every bench reports the same way: this process's peak memory and JSON output.

Tables come from :func:`corpusqa.eval.report.md_table` and percentiles from
:func:`corpusqa.eval.metrics.percentile`, so each exists once in the package.
"""

from __future__ import annotations

import json
import resource
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def to_json(result: Any) -> str:
    """Indented JSON with Chinese kept readable."""
    return json.dumps(result, ensure_ascii=False, indent=2)
