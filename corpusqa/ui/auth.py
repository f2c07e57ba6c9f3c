"""Optional login for deployments beyond localhost.

Credentials come from ``CORPUSQA_AUTH`` (``user:password``, several separated
by commas) or a file (``--auth-file`` / ``CORPUSQA_AUTH_FILE``; one
``user:password`` per line, ``#`` comments). No credentials means no login.
"""

from __future__ import annotations

import hmac
import logging
import stat
from pathlib import Path
from typing import Callable, Mapping

from corpusqa.errors import InputError

log = logging.getLogger(__name__)

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def parse_credentials(text: str, where: str) -> dict[str, str]:
    """``user:password`` entries separated by commas or newlines -> {user: password}.

    Raises:
        InputError: an entry without a user or a password.
    """
    creds: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for entry in line.split(","):
            entry = entry.strip()
            if not entry:
                continue
            user, sep, password = entry.partition(":")
            if not sep or not user.strip() or not password:
                raise InputError("ui.auth.bad_spec", where=where)
            creds[user.strip()] = password
    return creds


def load_credentials(env: Mapping[str, str], auth_file: Path | str | None = None) -> dict[str, str]:
    """Credentials from the environment and/or a file (the file wins on a clash).

    Raises:
        InputError: malformed entries, or a named file that does not exist.
    """
    creds: dict[str, str] = {}
    if env.get("CORPUSQA_AUTH"):
        creds.update(parse_credentials(env["CORPUSQA_AUTH"], "CORPUSQA_AUTH"))
    path = auth_file or env.get("CORPUSQA_AUTH_FILE")
    if path:
        path = Path(path).expanduser()
        if not path.is_file():
            raise InputError("ui.auth.missing_file", path=str(path))
        if path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
            log.warning("%s is readable by other users; chmod 600 it", path)
        creds.update(parse_credentials(path.read_text(encoding="utf-8"), str(path)))
    return creds


def make_checker(creds: Mapping[str, str]) -> Callable[[str, str], bool] | None:
    """A Gradio ``auth`` callable comparing in constant time; None when there is no login."""
    if not creds:
        return None
    table = {u: p.encode("utf-8") for u, p in creds.items()}

    def check(username: str, password: str) -> bool:
        expected = table.get(username or "")
        given = (password or "").encode("utf-8")
        if expected is None:
            hmac.compare_digest(given, given)  # same work whether or not the user exists
            return False
        return hmac.compare_digest(expected, given)

    return check


def is_local(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    return host in LOCAL_HOSTS or host.startswith("127.")
