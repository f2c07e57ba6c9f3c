"""The Chinese tokenizer shared by the lexical index and its queries.

Text is NFKC-normalised and lowercased, then cut into three kinds of token:

* numbers with their unit or percent sign kept whole (``14542``, ``98.9%``, ``1.1万``;
  ``14,542`` becomes ``14542``);
* Latin words, possibly with digits (``covid-19``, ``5g``);
* runs of CJK characters, folded to Simplified (OpenCC ``t2s``), then segmented by jieba
  with the bundled newsroom dictionary (``data/userdict.txt``) plus ``Settings.user_dict``,
  *and* cut into character bigrams, so a name missing from every dictionary still matches
  on its bigrams.

The jieba segmentation runs in Rust (``rjieba``, a binding of jieba-rs) when it is
installed, else in Python (``jieba``): same dictionary, same user dictionaries, same HMM
for unknown words. The two agree on all but about 1 in 100,000 CJK runs (jieba-rs's HMM
breaks a few near-ties the other way: ``常在矮`` is ``常在/矮``, not ``常/在/矮``); see
``scripts/tokenizer-bench.py``. Since they can differ, an index records the Rust
segmenter in :meth:`ChineseTokenizer.settings` (the Python one keeps the settings of
tokenizer version 3, so its indexes stay valid).

Folding makes ``全區`` and ``全区`` one token, so a Traditional corpus answers Simplified
questions and the reverse. Only tokens are folded: stored text, offsets and citations
keep the original script.

Punctuation is dropped, and so are stopwords (function words and question words such as
的/了/是/多少/什么), in documents and queries alike. :meth:`ChineseTokenizer.settings` is
saved with the lexical index; a different value at query time means a stale index.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
import unicodedata
from importlib import resources
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from corpusqa.chinese_script import converter_version, to_simplified
from corpusqa.errors import SearchIndexError

logger = logging.getLogger(__name__)

#: Bump when the same text would be tokenized differently.
TOKENIZER_VERSION = 3  # 2: "14,542" is one number token; 3: CJK folded to Simplified

STOPWORDS = frozenset(
    "的 了 着 过 是 在 和 与 及 或 等 之 也 就 都 而 把 被 对 从 向 这 那 其 为 以 于 上 中 个 吗 呢 吧 啊 呀 "
    "并 且 但 该 此 我 你 他 她 它 我们 你们 他们 她们 它们 这个 那个 一个 这些 那些 其中 以及 并且 而且 但是 "
    "因为 所以 如果 虽然 还是 已经 哪 谁 几 什么 多少 哪些 哪个 哪里 哪儿 哪年 怎么 怎样 怎么样 如何 为什么 "
    "何时 什么时候 请问 是否 是不是 有没有 有 没有 a an the of to in on and or is are was were be by for".split()
)
#: Number units folded like CJK runs (``1.1萬`` == ``1.1万``) and thousands separators dropped.
_NUM_FOLD = str.maketrans({"萬": "万", "億": "亿", ",": None})
#: Bigrams holding one of these are noise (``的党``, ``了多``).
_BIGRAM_STOP_CHARS = frozenset("的了")

#: ``segmenter`` values: ``auto`` is ``rjieba`` when it imports and can load the user
#: dictionaries, else ``jieba``.
SEGMENTERS = ("auto", "rjieba", "jieba")

#: jieba's own user-dictionary line grammar (``jieba.re_userdict``): ``word [freq] [tag]``.
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")
#: jieba's DAG sees only these characters; any other one it emits alone.
_JIEBA_HAN = re.compile(r"[\u4e00-\u9fd5]+|.", re.S)
_NOT_JIEBA_HAN = re.compile(r"[^\u4e00-\u9fd5]")
#: A private-use character (never inside a run handed to the segmenter) whose frequency
#: keeps jieba-rs's dictionary total equal to jieba's; see :func:`_load_rjieba`.
_TOTAL_PAD = "\ue000"

_TOKEN_RE = re.compile(
    r"(?P<lat>[a-z0-9]*[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*)"
    r"|(?P<num>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:%|‰|[万萬][亿億]|[万萬亿億])?)"
    r"|(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
)


def bundled_user_dict() -> bytes:
    """The newsroom dictionary shipped with the package (``jieba`` user-dict format)."""
    return resources.files("corpusqa.index").joinpath("data/userdict.txt").read_bytes()


def _dict_lines(data: bytes) -> list[str]:
    """The lines of a user dictionary, without blank lines and ``#`` comments."""
    return [ln for ln in data.decode("utf-8-sig").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _dict_entries(data: bytes) -> list[tuple[str, int | None, str | None]]:
    """``(word, freq, tag)`` per line, parsed exactly as jieba's ``load_userdict`` does."""
    out = []
    for ln in _dict_lines(data):
        m = _USERDICT_LINE.match(ln.strip())
        assert m is not None  # the pattern matches any non-empty line
        word, freq, tag = m.groups()
        out.append((word, int(freq) if freq is not None else None, tag.strip() if tag is not None else None))
    return out


def _jieba_freqs(words: set[str]) -> dict[str, int]:
    """Frequencies of ``words`` in jieba's main dictionary (the one rjieba embeds too)."""
    out = {}
    with resources.files("jieba").joinpath("dict.txt").open(encoding="utf-8") as f:
        for ln in f:
            word, _, rest = ln.partition(" ")
            if word in words:
                out[word] = int(rest.split(" ", 1)[0])  # a repeated word: the last line wins, as in jieba
    return out


def _load_rjieba(entries: list[tuple[str, int | None, str | None]]):
    """An ``rjieba.Jieba`` with the user dictionary ``entries`` added in order.

    jieba adds a user word's frequency to its dictionary total even when the word was
    already in the dictionary; jieba-rs replaces the old frequency in its total. The total
    decides near-ties (``步道`` 10 against ``步`` 4285 x ``道`` 140545), so a padding word
    carries the difference and both totals stay equal.
    """
    import rjieba

    seg = rjieba.Jieba()
    base = _jieba_freqs({w for w, _, _ in entries})
    added: dict[str, int] = {}
    pad = 0
    for word, freq, tag in entries:
        old = added.get(word, base.get(word, 0))
        if old:
            pad += old
            seg.add_word(_TOTAL_PAD, pad, None)  # before a suggested frequency reads the total
        added[word] = seg.add_word(word, freq, tag)
    return seg


class _RustJieba:
    """rjieba behind ``jieba.Tokenizer.cut``'s signature, cutting as jieba does.

    jieba's DAG only sees ``[\\u4e00-\\u9fd5]``; other CJK characters (Extension A,
    compatibility ideographs, a character folded outside the BMP) come out alone, while
    jieba-rs would segment them, so runs are split at them first.
    """

    def __init__(self, seg):
        self.seg = seg

    def cut(self, text: str, HMM: bool = True) -> list[str]:  # noqa: N803 (jieba's name)
        if not _NOT_JIEBA_HAN.search(text):
            return self.seg.cut(text, HMM)
        out: list[str] = []
        for m in _JIEBA_HAN.finditer(text):
            piece = m.group()
            if "\u4e00" <= piece[0] <= "\u9fd5":
                out.extend(self.seg.cut(piece, HMM))
            else:
                out.append(piece)
        return out


class ChineseTokenizer:
    """jieba words + CJK bigrams + numbers + Latin words, with stopwords removed.

    Args:
        user_dict: an extra jieba user dictionary (``word [freq] [tag]`` per line; lines
            starting with ``#`` are comments).
        bigrams: also emit character bigrams of CJK runs.
        segmenter: ``auto`` (``rjieba`` when installed), ``rjieba`` or ``jieba``.

    The constructor only reads the dictionaries (cheap); :meth:`load` builds the
    segmenter's dictionary (rjieba: under a second; jieba: one to two seconds).
    :meth:`tokenize` loads on first use.
    """

    def __init__(self, user_dict: Path | str | None = None, bigrams: bool = True, segmenter: str = "auto"):
        if segmenter not in SEGMENTERS:
            raise ValueError(f"segmenter must be one of {SEGMENTERS}, not {segmenter!r}")
        self.requested_segmenter = segmenter
        self.bigrams = bool(bigrams)
        self.user_dict = Path(user_dict) if user_dict else None
        if self.user_dict is not None and not self.user_dict.is_file():
            raise SearchIndexError("index.user_dict_missing", path=str(self.user_dict))
        self._dicts = [bundled_user_dict()]
        if self.user_dict is not None:
            self._dicts.append(self.user_dict.read_bytes())
        self._segmenter: str | None = None
        self._jieba: Any = None  # the loaded segmenter: a jieba.Tokenizer or a _RustJieba
        self._user_tags: dict[str, str] | None = None
        self._posseg: Any = None
        self._lock = threading.Lock()

    @property
    def segmenter(self) -> str:
        """``rjieba`` or ``jieba``: which one cuts (``auto`` resolved on first use)."""
        if self._segmenter is None:
            self._segmenter = self._choose_segmenter()
        return self._segmenter

    def _choose_segmenter(self) -> str:
        if self.requested_segmenter == "jieba":
            return "jieba"
        # rjieba cannot delete a word (jieba's "word 0" line also force-splits it in the HMM)
        zero = [w for d in self._dicts for w, f, _ in _dict_entries(d) if f == 0]
        try:
            import rjieba  # noqa: F401
        except ImportError:
            if self.requested_segmenter == "rjieba":
                raise
            return "jieba"
        if zero:
            if self.requested_segmenter == "rjieba":
                raise ValueError(f"rjieba cannot load a user dictionary word with frequency 0: {zero[0]}")
            logger.info("user dictionary has frequency-0 words (%s); segmenting with jieba", zero[0])
            return "jieba"
        return "rjieba"

    @classmethod
    def from_settings(cls, settings: Any, bigrams: bool = True) -> "ChineseTokenizer":
        """The tokenizer for ``settings`` (honours ``settings.user_dict``)."""
        return cls(user_dict=getattr(settings, "user_dict", None), bigrams=bigrams)

    def settings(self) -> dict[str, Any]:
        """What must match between the indexed documents and the queries."""
        import jieba

        digest = hashlib.sha256()
        for d in self._dicts:
            digest.update(hashlib.sha256(d).digest())
        stop = hashlib.sha256(" ".join(sorted(STOPWORDS)).encode()).hexdigest()[:12]
        out = {
            "name": "jieba+bigrams" if self.bigrams else "jieba",
            "version": TOKENIZER_VERSION,
            "jieba": jieba.__version__,
            "dict_hash": digest.hexdigest()[:16],
            "bigrams": self.bigrams,
            "stopwords_hash": stop,
            "hmm": True,
            "fold": "t2s",
            "opencc": converter_version(),
        }
        if self.segmenter == "rjieba":  # only then, so indexes segmented by jieba stay valid
            out["segmenter"] = f"rjieba {dist_version('rjieba')}"
        return out

    def load(self) -> "ChineseTokenizer":
        """Build the segmenter's dictionary, quietly (jieba logs to stderr at DEBUG otherwise)."""
        with self._lock:
            if self._jieba is not None:
                return self
            if self.segmenter == "rjieba":
                from corpusqa.shared_models import shared

                # one segmenter per set of dictionaries in the process (tens of MB each): the
                # index's tokenizer, the answer stage's word tokenizer and the place tagger
                # all cut with the same dictionaries
                key = ("rjieba", tuple(hashlib.sha256(d).hexdigest() for d in self._dicts))
                self._jieba = shared(key, lambda: _RustJieba(_load_rjieba(
                    [e for d in self._dicts for e in _dict_entries(d)])))
                return self
            import jieba

            jlog = logging.getLogger("jieba")
            level = jlog.level
            jlog.setLevel(logging.WARNING)
            try:
                tk = jieba.Tokenizer()
                tk.initialize()
                for data in self._dicts:
                    tk.load_userdict(io.BytesIO("\n".join(_dict_lines(data)).encode("utf-8")))
            finally:
                jlog.setLevel(level)
            self._jieba = tk
        return self

    def tag(self, text: str) -> list[tuple[str, str]]:
        """``(word, part-of-speech)`` of ``text`` cut without the HMM, as ``jieba.posseg`` does
        (the user dictionaries' tags included; a word without a tag is ``x``).

        rjieba tags in Rust with the segmenter already loaded for :meth:`tokenize`; with
        the jieba segmenter, ``jieba.posseg`` builds its tag table on first use.
        """
        if self._jieba is None:
            self.load()
        if isinstance(self._jieba, _RustJieba):
            if self._user_tags is None:
                # jieba lets a user dictionary retag a known word; jieba-rs keeps the old tag
                self._user_tags = {w: t for d in self._dicts for w, _, t in _dict_entries(d) if t}
            tags = self._user_tags
            out: list[tuple[str, str]] = []
            for m in _JIEBA_HAN.finditer(text or ""):
                piece = m.group()
                if "\u4e00" <= piece[0] <= "\u9fd5":
                    out.extend((w, tags.get(w, f)) for w, f in self._jieba.seg.tag(piece, False))
                else:
                    out.append((piece, "x"))
            return out
        with self._lock:
            if self._posseg is None:
                import jieba.posseg

                self._posseg = jieba.posseg.POSTokenizer(self._jieba)
        return [(w, f) for w, f in self._posseg.cut(text or "", HMM=False)]

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` in order (documents and queries alike); may be empty."""
        if self._jieba is None:
            self.load()
        text = unicodedata.normalize("NFKC", text or "").lower()
        out: list[str] = []
        for m in _TOKEN_RE.finditer(text):
            kind = m.lastgroup
            tok = m.group()
            if kind != "cjk":
                if kind == "num":
                    tok = tok.translate(_NUM_FOLD)  # 14,542 == 14542; 1.1萬 == 1.1万
                if tok not in STOPWORDS:
                    out.append(tok)
                continue
            tok = self._fold(tok)
            for w in self._jieba.cut(tok, HMM=True):
                if w not in STOPWORDS:
                    out.append(w)
            if self.bigrams and len(tok) >= 2:
                for i in range(len(tok) - 1):
                    bg = tok[i:i + 2]
                    if bg not in STOPWORDS and not (_BIGRAM_STOP_CHARS & set(bg)):
                        out.append(bg)
        return out

    def _fold(self, run: str) -> str:
        """``run`` (CJK characters only) in Simplified.

        Per run, not per text: a folded character outside the BMP (鐩 -> 𬭼) stays inside
        its run instead of splitting it. No cache: OpenCC's C++ library folds a run in
        about a microsecond, faster than a cache paid for (docs/indexing.md "Script folding").
        """
        return to_simplified(run)
