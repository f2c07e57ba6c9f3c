"""The Chinese tokenizer shared by the lexical index and its queries.

Text is NFKC-normalised and lowercased, then cut into three kinds of token:

* numbers with their unit or percent sign kept whole (``14542``, ``98.9%``, ``1.1万``;
  ``14,542`` becomes ``14542``);
* Latin words, possibly with digits (``covid-19``, ``5g``);
* runs of CJK characters, folded to Simplified (OpenCC ``t2s``), then segmented by jieba
  with the bundled newsroom dictionary (``data/userdict.txt``) plus ``Settings.user_dict``,
  *and* cut into character bigrams, so a name missing from every dictionary still matches
  on its bigrams.

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
from pathlib import Path
from typing import Any

from corpusqa.chinese_script import converter_version, to_simplified
from corpusqa.errors import SearchIndexError

logger = logging.getLogger(__name__)

#: Bump when the same text would be tokenized differently.
TOKENIZER_VERSION = 3  # 2: "14,542" is one number token; 3: CJK folded to Simplified

#: Folded CJK runs kept per tokenizer (titles and phrases recur; OpenCC in Python is slow).
FOLD_CACHE_SIZE = 200_000

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

_TOKEN_RE = re.compile(
    r"(?P<lat>[a-z0-9]*[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*)"
    r"|(?P<num>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:%|‰|[万萬][亿億]|[万萬亿億])?)"
    r"|(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
)


def bundled_user_dict() -> bytes:
    """The newsroom dictionary shipped with the package (``jieba`` user-dict format)."""
    return resources.files("corpusqa.index").joinpath("data/userdict.txt").read_bytes()


class ChineseTokenizer:
    """jieba words + CJK bigrams + numbers + Latin words, with stopwords removed.

    Args:
        user_dict: an extra jieba user dictionary (``word [freq] [tag]`` per line; lines
            starting with ``#`` are comments).
        bigrams: also emit character bigrams of CJK runs.

    The constructor only reads the dictionaries (cheap); :meth:`load` builds jieba's
    prefix dictionary (about a second). :meth:`tokenize` loads on first use.
    """

    def __init__(self, user_dict: Path | str | None = None, bigrams: bool = True):
        self.bigrams = bool(bigrams)
        self.user_dict = Path(user_dict) if user_dict else None
        if self.user_dict is not None and not self.user_dict.is_file():
            raise SearchIndexError("index.user_dict_missing", path=str(self.user_dict))
        self._dicts = [bundled_user_dict()]
        if self.user_dict is not None:
            self._dicts.append(self.user_dict.read_bytes())
        self._jieba = None
        self._lock = threading.Lock()
        self._folded: dict[str, str] = {}

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
        return {
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

    def load(self) -> "ChineseTokenizer":
        """Build jieba's dictionary quietly (jieba logs to stderr at DEBUG otherwise)."""
        with self._lock:
            if self._jieba is not None:
                return self
            import jieba

            jlog = logging.getLogger("jieba")
            level = jlog.level
            jlog.setLevel(logging.WARNING)
            try:
                tk = jieba.Tokenizer()
                tk.initialize()
                for data in self._dicts:
                    lines = [ln for ln in data.decode("utf-8-sig").splitlines()
                             if ln.strip() and not ln.lstrip().startswith("#")]
                    tk.load_userdict(io.BytesIO("\n".join(lines).encode("utf-8")))
            finally:
                jlog.setLevel(level)
            self._jieba = tk
        return self

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
        """``run`` (CJK characters only) in Simplified; cached, bounded."""
        out = self._folded.get(run)
        if out is None:
            if len(self._folded) >= FOLD_CACHE_SIZE:
                self._folded.clear()
            # per run, not per text: a folded character outside the BMP (鐩 -> 𬭼) stays
            # inside its run instead of splitting it
            out = self._folded[run] = to_simplified(run)
        return out
