"""Property-based tests (hypothesis) for cleaning, chunking and answer extraction.

Profiles, chosen with the environment variable ``HYPOTHESIS_PROFILE``:

* ``ci`` (default): few examples, ``derandomize=True`` so every run tries the same
  inputs and a failure reproduces exactly; the whole folder runs in well under a minute.
* ``dev``: random seeds, more examples (a local search for new counterexamples).
* ``long``: a long random search (``HYPOTHESIS_PROFILE=long pytest tests/properties -n 0``).

Each test scales its own ``max_examples`` by the profile through ``examples(n)``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SCALE = {"ci": 1, "dev": 5, "long": 50}
_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=_SUPPRESS, database=None)
settings.register_profile("dev", deadline=None, print_blob=True, suppress_health_check=_SUPPRESS)
settings.register_profile("long", deadline=None, print_blob=True, suppress_health_check=_SUPPRESS)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in _SCALE:
    raise RuntimeError(f"HYPOTHESIS_PROFILE must be one of {sorted(_SCALE)}, not {PROFILE!r}")
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """``max_examples`` for a test that runs ``n`` examples in the ``ci`` profile."""
    return n * _SCALE[PROFILE]
