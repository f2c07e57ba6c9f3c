"""Every user-facing message exists in Chinese and English, with the same placeholders."""

from __future__ import annotations

import importlib
import string

import pytest

from corpusqa.i18n import _CATALOG_MODULES, CORE_MESSAGES, LANGUAGES, catalog


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _catalogs():
    yield "corpusqa.i18n", CORE_MESSAGES
    for name in _CATALOG_MODULES:
        yield name, importlib.import_module(name).MESSAGES


@pytest.mark.parametrize(("module", "messages"), list(_catalogs()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_key_has_both_languages_and_the_same_placeholders(module, messages):
    problems = []
    for key, texts in messages.items():
        missing = [lang for lang in LANGUAGES if not (texts.get(lang) or "").strip()]
        if missing:
            problems.append(f"{key}: no {', '.join(missing)}")
            continue
        extra = sorted(set(texts) - set(LANGUAGES))
        if extra:
            problems.append(f"{key}: unknown languages {extra}")
        zh, en = (_placeholders(texts[lang]) for lang in LANGUAGES)
        if zh != en:
            problems.append(f"{key}: zh {sorted(zh)} vs en {sorted(en)}")
    assert problems == [], module


def test_every_catalog_module_exists_and_merges_without_duplicates():
    merged = catalog()  # raises on a key defined twice
    assert len(merged) == sum(len(m) for _, m in _catalogs())
