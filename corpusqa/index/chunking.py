"""Split articles into retrieval chunks on Chinese sentence boundaries, keeping offsets.

The splitting itself is langchain-text-splitters' ``RecursiveCharacterTextSplitter`` with
separators from coarse to fine: paragraph (newline), sentence end, clause end, and
finally single characters. A chunk therefore never cuts a sentence unless that sentence
alone is longer than ``chunk_size``. Overlap is made of whole pieces (sentences, or
paragraphs), so it never starts mid-sentence either.
"""

from __future__ import annotations

from typing import Any

from corpusqa.errors import SearchIndexError
from corpusqa.index.sentences import CLAUSE_END, SENTENCE_END, clip_spans, split_sentences
from corpusqa.models import Article, Chunk, content_id

#: Bump when chunk boundaries or ids would change for the same settings.
CHUNKER_VERSION = 2
#: Chosen by measurement (see the index report): 250 characters, 50 of overlap.
DEFAULT_CHUNK_SIZE = 250
DEFAULT_CHUNK_OVERLAP = 50
_SEPARATORS = ("\n", SENTENCE_END, CLAUSE_END, "")
_SPACE = " \t\r\n\u3000\xa0"


class Chunker:
    """Cut articles into chunks of at most ``chunk_size`` characters.

    Args:
        chunk_size: maximum chunk length in characters (an over-long clause is cut).
        chunk_overlap: at most this many characters repeated from the previous chunk.
        title_prefix: embed ``title + "\\n" + chunk`` instead of the chunk alone. Only
            :meth:`embed_text` depends on it; offsets always refer to the body text.
        lexical_title: index ``title + "\\n" + chunk`` for BM25 (:meth:`texts`).
    """

    def __init__(self, chunk_size: int = DEFAULT_CHUNK_SIZE, chunk_overlap: int = DEFAULT_CHUNK_OVERLAP,
                 title_prefix: bool = True, lexical_title: bool = True):
        if chunk_size < 50 or not 0 <= chunk_overlap < chunk_size / 2:
            raise SearchIndexError("index.bad_chunking", size=chunk_size, overlap=chunk_overlap)
        self.chunk_size = int(chunk_size)
        self.chunk_overlap = int(chunk_overlap)
        self.title_prefix = bool(title_prefix)
        self.lexical_title = bool(lexical_title)
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self._splitter = RecursiveCharacterTextSplitter(
            separators=list(_SEPARATORS),
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
            strip_whitespace=False,
        )

    def settings(self) -> dict[str, Any]:
        """What the manifest records; a different value means different chunks."""
        return {
            "splitter": "langchain RecursiveCharacterTextSplitter",
            "version": CHUNKER_VERSION,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "title_prefix": self.title_prefix,
            "separators": list(_SEPARATORS),
            "lexical_title": self.lexical_title,
        }

    def chunk(self, article: Article) -> list[Chunk]:
        """Chunks of ``article`` in reading order; ``article.text[c.start:c.end] == c.text``."""
        text = article.text
        sentences = split_sentences(text)
        chunks: list[Chunk] = []
        prev_start, prev_end = -1, 0
        for piece in self._splitter.split_text(text):
            pos = self._locate(text, piece, prev_start, prev_end)
            prev_start, prev_end = pos, pos + len(piece)
            start, end = prev_start, prev_end
            while start < end and text[start] in _SPACE:
                start += 1
            while end > start and text[end - 1] in _SPACE:
                end -= 1
            if end == start or (chunks and end <= chunks[-1].end):
                # a piece that adds only whitespace to the previous chunk (the splitter's
                # overlap + a trailing "\n") would repeat part of it as a chunk of its own
                continue
            body = text[start:end]
            chunks.append(Chunk(
                id=content_id("chunk", article.id, str(start), body),
                article_id=article.id,
                ordinal=len(chunks),
                start=start,
                end=end,
                text=body,
                sentences=clip_spans(sentences, start, end),
            ))
        return chunks

    def _locate(self, text: str, piece: str, prev_start: int, prev_end: int) -> int:
        """Where ``piece`` starts: pieces tile the text in order, each overlapping the previous
        one by at most ``chunk_overlap`` characters. In repetitive text a piece can match at
        several places; the last one not after ``prev_end`` keeps the text fully covered."""
        lo = max(prev_start + 1, prev_end - self.chunk_overlap)
        pos = text.rfind(piece, lo, prev_end + len(piece))
        if pos < 0:  # not expected; any exact occurrence still keeps offsets exact
            pos = text.find(piece, prev_start + 1)
        if pos < 0:
            pos = text.find(piece)
        if pos < 0:
            raise RuntimeError("chunk text not found in its article")
        return pos

    def embed_text(self, article_title: str, chunk: Chunk) -> str:
        """The text the encoder sees for ``chunk`` (optionally prefixed by the title)."""
        title = (article_title or "").strip()
        if self.title_prefix and title:
            return f"{title}\n{chunk.text}"
        return chunk.text

    def texts(self, article_title: str, chunk: Chunk) -> tuple[str, str]:
        """``(embedded text, BM25 text)`` of ``chunk``: every index backend takes both from here."""
        title = (article_title or "").strip()
        lexical = f"{title}\n{chunk.text}" if self.lexical_title and title else chunk.text
        return self.embed_text(title, chunk), lexical
