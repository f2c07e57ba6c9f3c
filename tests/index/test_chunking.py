import pytest

from corpusqa.errors import SearchIndexError
from corpusqa.index.chunking import Chunker
from corpusqa.index.sentences import split_sentences
from tests.index.conftest import ARTICLES, make_article

SENTENCES = [f"第{i}句讲的是内蒙古第{i}个嘎查村的党建工作情况。" for i in range(1, 40)]
LONG = make_article("long", [
    "".join(SENTENCES[:12]),
    "".join(SENTENCES[12:14]),
    "这是一个没有句号却非常非常长的句子，" * 12 + "直到最后",
    "".join(SENTENCES[14:]),
], title="长文")


@pytest.mark.parametrize("size,overlap", [(60, 0), (100, 20), (250, 50)])
def test_chunk_offsets_slice_the_article_exactly(size, overlap):
    for art in [LONG, *ARTICLES]:
        chunks = Chunker(size, overlap).chunk(art)
        assert chunks
        for c in chunks:
            assert art.text[c.start:c.end] == c.text
            assert len(c.text) <= size
            assert c.article_id == art.id
        assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_every_character_is_in_some_chunk():
    chunks = Chunker(100, 20).chunk(LONG)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    missing = [i for i, ch in enumerate(LONG.text) if i not in covered and not ch.isspace()]
    assert missing == []


def test_sentences_are_never_cut_unless_longer_than_the_chunk():
    size = 100
    chunks = Chunker(size, 20).chunk(LONG)
    for s, e in split_sentences(LONG.text):
        inside = [c for c in chunks if c.start <= s and e <= c.end]
        if e - s <= size:
            assert inside, f"sentence cut: {LONG.text[s:e]}"
        else:
            assert not inside


def test_an_overlong_sentence_is_cut_at_commas():
    chunks = Chunker(100, 0).chunk(LONG)
    pieces = [c.text for c in chunks if "没有句号" in c.text]
    assert len(pieces) >= 2
    assert all(p.endswith(("，", "最后")) for p in pieces)


def test_overlap_repeats_whole_sentences_only():
    chunks = Chunker(100, 40).chunk(make_article("x", ["".join(SENTENCES[:10])]))
    for a, b in zip(chunks, chunks[1:]):
        shared = a.end - b.start
        assert 0 < shared <= 40
        assert b.text.startswith("第")  # a sentence start, not mid-sentence


def test_chunk_sentence_offsets_are_absolute_and_inside_the_chunk():
    for c in Chunker(120, 30).chunk(LONG):
        assert c.sentences
        for s, e in c.sentences:
            assert c.start <= s < e <= c.end
        assert LONG.text[c.sentences[0][0]:c.sentences[0][1]] in c.text


def test_chunk_ids_are_deterministic_content_hashes():
    a = Chunker(100, 20).chunk(LONG)
    b = Chunker(100, 20).chunk(LONG)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    twin = make_article("twin", LONG.text.split("\n"))
    assert {c.id for c in Chunker(100, 20).chunk(twin)}.isdisjoint(c.id for c in a)


def test_title_prefix_changes_only_the_embedded_text():
    art = ARTICLES[0]
    on, off = Chunker(100, 20, title_prefix=True), Chunker(100, 20, title_prefix=False)
    c_on, c_off = on.chunk(art)[0], off.chunk(art)[0]
    assert c_on == c_off
    assert on.embed_text(art.title, c_on) == f"{art.title}\n{c_on.text}"
    assert off.embed_text(art.title, c_off) == c_off.text


def test_empty_article_has_no_chunks():
    assert Chunker().chunk(make_article("e", [""])) == []


@pytest.mark.parametrize("size,overlap", [(10, 0), (100, 60), (100, -1)])
def test_bad_chunk_settings_are_refused(size, overlap):
    with pytest.raises(SearchIndexError) as exc:
        Chunker(size, overlap)
    assert exc.value.key == "index.bad_chunking"
