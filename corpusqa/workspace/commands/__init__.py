"""``corpusqa ingest|corpus|index|ask``: thin click adapters over ``Workspace``.

``register(group)`` adds them all; each module also has its own ``register`` so the
old per-stage command modules (``corpusqa/<stage>/commands.py``) can forward to it
until ``corpusqa.cli`` names this package instead.
"""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the ingest, corpus, index and ask commands to the ``corpusqa`` group."""
    from corpusqa.workspace.commands import ask, corpus, index

    for module in (corpus, index, ask):
        module.register(group)
