"""A socket guard: at run time nothing connects beyond this machine.

corpusqa promises to work offline (no model hub, no analytics). ``NetGuard`` makes
that checkable: once installed, every outgoing connection and every name lookup
goes through it; loopback (127.0.0.0/8, ::1), the unspecified address (on Linux
it reaches this host) and unix sockets pass, anything else is recorded and, in
``raise`` mode, refused before a packet leaves.

``corpusqa serve`` and ``corpusqa ask`` install it when asked by the environment:

    CORPUSQA_NETGUARD=1 (or raise)   refuse and record
    CORPUSQA_NETGUARD=record         record only, let the connection through
    CORPUSQA_NETGUARD_LOG=FILE       append one JSON line per event (the first says
                                     the guard is on, with the process id)

The guard patches the ``socket`` module for the whole process; ``uninstall``
restores it (tests use it as a context manager).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

log = logging.getLogger(__name__)

ENV_MODE = "CORPUSQA_NETGUARD"
ENV_LOG = "CORPUSQA_NETGUARD_LOG"
MODES = ("raise", "record")
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_MARK = "__corpusqa_netguard__"


class NetworkBlocked(ConnectionRefusedError):
    """A connection beyond this machine was refused by the guard."""


class LookupBlocked(socket.gaierror):
    """A name lookup that needs DNS was refused by the guard."""


@dataclass(frozen=True)
class Attempt:
    """One connection or lookup that was not local.

    Attributes:
        call: the patched function (connect, connect_ex, sendto, create_connection, getaddrinfo).
        target: "host:port" (or the name looked up).
        blocked: True when it was refused.
        where: the innermost caller frames outside this module, for finding the culprit.
    """

    call: str
    target: str
    blocked: bool
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_local_address(address: Any) -> bool:
    """Whether a socket address stays on this machine.

    Unix socket paths (str/bytes) are local; for (host, port, ...) tuples the host
    must be a loopback or unspecified IP, or a loopback name. A remote *name* given
    to ``connect`` would be resolved inside the C library, past ``getaddrinfo``,
    so it is not local.
    """
    if isinstance(address, (str, bytes, bytearray)):
        return True
    if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
        return True  # not an internet address (netlink, bluetooth...)
    host = address[0].split("%", 1)[0].strip("[]")
    if host.lower() in LOCAL_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_loopback or ip.is_unspecified


def needs_lookup(host: Any) -> bool:
    """Whether ``getaddrinfo(host, ...)`` would ask DNS (not None, an IP literal or a loopback name)."""
    if host is None:
        return False
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("idna", errors="replace")
    host = str(host).split("%", 1)[0].strip("[]")
    if not host or host.lower() in LOCAL_NAMES or host.lower().endswith(".localhost"):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


class NetGuard:
    """Patches ``socket`` so that only local connections pass.

    Args:
        mode: "raise" refuses non-local connections and lookups; "record" only records them.
        log_path: file to append one JSON line per event to (None: keep them in memory only).
    """

    def __init__(self, mode: str = "raise", log_path: Path | str | None = None):
        if mode not in MODES:
            raise ValueError(f"netguard mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.log_path = Path(log_path) if log_path else None
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._saved: dict[str, Any] = {}

    @property
    def installed(self) -> bool:
        return bool(self._saved)

    # -- install / uninstall ----------------------------------------------------
    def install(self) -> "NetGuard":
        """Patch the socket module (refused when another guard is already installed)."""
        if getattr(socket.socket.connect, _MARK, False):
            raise RuntimeError("a netguard is already installed in this process")
        sock_cls = socket.socket
        self._saved = {"connect": sock_cls.connect, "connect_ex": sock_cls.connect_ex, "sendto": sock_cls.sendto,
                       "create_connection": socket.create_connection, "getaddrinfo": socket.getaddrinfo}
        # monkeypatching socket methods is the point here (mypy forbids assigning to a method)
        sock_cls.connect = self._wrap_connect("connect", self._saved["connect"])  # type: ignore[method-assign]
        sock_cls.connect_ex = self._wrap_connect(  # type: ignore[method-assign]
            "connect_ex", self._saved["connect_ex"])
        sock_cls.sendto = self._wrap_sendto(self._saved["sendto"])  # type: ignore[method-assign]
        socket.create_connection = self._wrap_create_connection(self._saved["create_connection"])
        socket.getaddrinfo = self._wrap_getaddrinfo(self._saved["getaddrinfo"])
        self._write({"event": "installed", "pid": os.getpid(), "mode": self.mode})
        log.info("netguard installed (%s): only loopback connections allowed", self.mode)
        return self

    def uninstall(self) -> None:
        """Restore the socket module as it was."""
        if not self._saved:
            return
        for name in ("connect", "connect_ex", "sendto"):
            setattr(socket.socket, name, self._saved[name])
        socket.create_connection = self._saved["create_connection"]
        socket.getaddrinfo = self._saved["getaddrinfo"]
        self._saved = {}

    def __enter__(self) -> "NetGuard":
        return self.install()

    def __exit__(self, *exc) -> None:
        self.uninstall()

    # -- checks -----------------------------------------------------------------
    def _check(self, call: str, target: str, local: bool, lookup: bool = False) -> None:
        if local:
            return
        blocked = self.mode == "raise"
        attempt = Attempt(call, target, blocked, _caller())
        with self._lock:
            self.attempts.append(attempt)
        self._write({"event": "blocked" if blocked else "recorded", "pid": os.getpid(), **attempt.to_dict()})
        log.warning("netguard: %s %s to %s", "blocked" if blocked else "recorded", call, target)
        if blocked:
            text = f"corpusqa netguard refused {call} to {target} ({ENV_MODE} is set: only loopback is allowed)"
            if lookup:
                raise LookupBlocked(socket.EAI_NONAME, text)
            raise NetworkBlocked(text)

    def _wrap_connect(self, call: str, original):
        guard = self

        def guarded(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                guard._check(call, _target(address), is_local_address(address))
            return original(sock, address)

        setattr(guarded, _MARK, True)
        return guarded

    def _wrap_sendto(self, original):
        guard = self

        def guarded(sock, data, *args):
            address = args[-1] if args else None
            if address is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                guard._check("sendto", _target(address), is_local_address(address))
            return original(sock, data, *args)

        return guarded

    def _wrap_create_connection(self, original):
        guard = self

        def guarded(address, *args, **kwargs):
            guard._check("create_connection", _target(address),
                         not needs_lookup(address[0]) and is_local_address(tuple(address)))
            return original(address, *args, **kwargs)

        return guarded

    def _wrap_getaddrinfo(self, original):
        guard = self

        def guarded(host, *args, **kwargs):
            guard._check("getaddrinfo", str(host), not needs_lookup(host), lookup=True)
            return original(host, *args, **kwargs)

        return guarded

    def _write(self, record: dict) -> None:
        if self.log_path is None:
            return
        line = json.dumps({"time": round(time.time(), 3), **record}, ensure_ascii=False) + "\n"
        try:
            # one short O_APPEND write per line: lines from several processes do not interleave
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError:
            log.warning("netguard could not write %s", self.log_path, exc_info=True)


def install_from_env(env: Mapping[str, str] | None = None) -> NetGuard | None:
    """Install a guard when ``CORPUSQA_NETGUARD`` asks for one; None when it is unset or "0".

    "record" records only; any other value refuses (an unknown value errs on the safe side).
    """
    env = os.environ if env is None else env
    value = (env.get(ENV_MODE) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return None
    mode = "record" if value == "record" else "raise"
    return NetGuard(mode, env.get(ENV_LOG) or None).install()


def read_log(path: Path | str) -> list[dict]:
    """The events of a guard log (an absent file has none)."""
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def _target(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host = str(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return str(address)


def _caller(depth: int = 6) -> str:
    frames = [f for f in traceback.extract_stack()[:-1] if f.filename != __file__]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-depth:]))
