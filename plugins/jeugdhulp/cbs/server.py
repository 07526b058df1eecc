"""A local stand-in for CBS's OData servers: serves recorded responses from a folder.

Used by the tests and by the demo (this platform has no internet). It answers the same paths as
CBS and applies the OData options the client sends, so requests and answers have CBS's shape:

* v4 ``/CBS/<id>`` (service document), ``/CBS/<id>/Properties`` (singleton), ``…/Dimensions``,
  ``…/MeasureCodes``, ``…/<Dim>Codes``, ``…/Observations`` – pages carry ``@odata.nextLink``;
* v3 ``/ODataApi/odata/<id>/…`` (interactive: more than ``api_limit`` rows is an HTTP 500 like at
  CBS) and ``/ODataFeed/odata/<id>/…`` (bulk: pages with ``odata.nextLink``); ``$format=json``
  is required;
* ``$filter`` (``eq ne gt ge lt le and or not``, brackets, ``startswith``, ``endswith``,
  ``substringof``, ``contains``) is evaluated on the values *as recorded*, so a v3 filter on an
  unpadded key (``'NL01'`` instead of ``'NL01  '``) finds nothing – as at CBS; ``$select``,
  ``$top``, ``$skip``.

Folder layout (one JSON file per recorded response, each the full CBS response)::

    <root>/v4/<id>/{Properties,Dimensions,MeasureCodes,<Dim>Codes,Observations}.json
    <root>/v3/<id>/{TableInfos,DataProperties,<Dim>,TypedDataSet}.json

The server binds to 127.0.0.1 only, answers at most ``max_requests`` requests and shuts itself
down after ``lifetime`` seconds. ``inject([429, 503])`` makes the next requests fail with those
statuses (429 with ``Retry-After: 0``), to exercise retries.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

log = logging.getLogger(__name__)

PUBLIC = {"v4": "https://odata4.cbs.nl", "v3": "https://opendata.cbs.nl"}


# --------------------------------------------------------------------------- $filter


class FilterError(ValueError):
    pass


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>[(),])|(?P<word>[A-Za-z_][\w.]*))")
_CMP = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
_FUNCS = {
    "startswith": lambda s, p: isinstance(s, str) and s.startswith(p),
    "endswith": lambda s, p: isinstance(s, str) and s.endswith(p),
    "contains": lambda s, p: isinstance(s, str) and p in s,
    "substringof": lambda p, s: isinstance(s, str) and p in s,  # v3 argument order
}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot parse $filter at {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", m.group("str")[1:-1].replace("''", "'")))
        elif m.group("num") is not None:
            n = m.group("num")
            out.append(("num", float(n) if "." in n else int(n)))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            out.append(("word", m.group("word")))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def compile_filter(text: str) -> Callable[[dict], bool]:
    """OData ``$filter`` -> predicate on a row (the subset CBS's examples use)."""
    toks = _tokens(text)
    i = 0

    def peek(kind=None, value=None):
        if i < len(toks) and (kind is None or toks[i][0] == kind) and (value is None or toks[i][1] == value):
            return toks[i]
        return None

    def take(kind=None, value=None):
        nonlocal i
        t = peek(kind, value)
        if t is None:
            raise FilterError(f"$filter: expected {value or kind} at token {i} of {text!r}")
        i += 1
        return t

    def operand():
        t = take()
        if t[0] in ("str", "num"):
            return lambda row, v=t[1]: v
        if t[0] == "word":
            if t[1] in ("null",):
                return lambda row: None
            if t[1] in _FUNCS and peek("op", "("):
                return call(t[1])
            return lambda row, k=t[1]: row.get(k)
        raise FilterError(f"$filter: unexpected {t[1]!r}")

    def call(name):
        take("op", "(")
        args = [operand()]
        while peek("op", ","):
            take("op", ",")
            args.append(operand())
        take("op", ")")
        fn = _FUNCS[name]
        return lambda row: fn(*[a(row) for a in args])

    def primary():
        if peek("op", "("):
            take("op", "(")
            e = expr()
            take("op", ")")
            return e
        left = operand()
        t = peek("word")
        if t and t[1] in _CMP:
            take()
            right = operand()
            cmp = _CMP[t[1]]
            return lambda row: cmp(left(row), right(row))
        return lambda row: bool(left(row))

    def unary():
        if peek("word", "not"):
            take()
            inner = unary()
            return lambda row: not inner(row)
        return primary()

    def conj():
        parts = [unary()]
        while peek("word", "and"):
            take()
            parts.append(unary())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def expr():
        parts = [conj()]
        while peek("word", "or"):
            take()
            parts.append(conj())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    pred = expr()
    if i != len(toks):
        raise FilterError(f"$filter: trailing input at token {i} of {text!r}")
    return pred


# --------------------------------------------------------------------------- server


@lru_cache(maxsize=256)
def _read(path: Path, mtime: float) -> Any:
    return json.loads(path.read_text())


class SnapshotServer:
    def __init__(
        self,
        root: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 10_000,
        api_limit: int = 10_000,
        lifetime: float = 900.0,
        max_requests: int = 100_000,
        public_links: bool = False,
    ):
        self.root = Path(root)
        self.page_size, self.api_limit = page_size, api_limit
        self.lifetime, self.max_requests = lifetime, max_requests
        self.public_links = public_links  # nextLinks name CBS's public hosts (as recorded)
        self.requests: list[str] = []
        self._faults: deque[tuple[int, str]] = deque()
        self._cache: dict[tuple, tuple[list, list]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, statuses: list[int], retry_after: str = "0") -> None:
        """The next ``len(statuses)`` requests fail with these statuses (429 with ``Retry-After``)."""
        with self._lock:
            self._faults.extend((s, retry_after) for s in statuses)

    def start(self) -> str:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="cbs-snapshot-server", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self.base_url

    def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        if self._thread and self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SnapshotServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ request handling

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # headers and body go out in two writes: without this, delayed ACKs cost ~40 ms a page
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, fmt, *args):  # quiet; the requests are in server.requests
                log.debug("cbs snapshot server: " + fmt, *args)

            def do_GET(self):  # noqa: N802
                status, body, headers = server.answer(self.path)
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _error(self, status: int, message: str, v3: bool) -> tuple[int, dict, dict]:
        if v3:
            return status, {"odata.error": {"code": "", "message": {"lang": "nl-NL", "value": message}}}, {}
        return status, {"error": {"code": str(status), "message": message}}, {}

    def answer(self, raw_path: str) -> tuple[int, Any, dict]:
        with self._lock:
            self.requests.append(raw_path)
            n = len(self.requests)
            fault = self._faults.popleft() if self._faults else None
        parts = urlsplit(raw_path)
        segs = [s for s in parts.path.split("/") if s]
        v3 = bool(segs) and segs[0] in ("ODataApi", "ODataFeed")
        if n > self.max_requests:
            threading.Thread(target=self.stop, daemon=True).start()
            return self._error(503, "request budget of the snapshot server exhausted", v3)
        if fault is not None:
            code, retry_after = fault
            headers = {"Retry-After": retry_after} if code == 429 else {}
            status, body, _ = self._error(code, f"injected HTTP {code}", v3)
            return status, body, headers
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            if len(segs) >= 2 and segs[0] == "CBS":
                return self._v4(segs[1], segs[2] if len(segs) > 2 else "", query)
            if len(segs) >= 3 and v3 and segs[1] == "odata":
                return self._v3(segs[0], segs[2], segs[3] if len(segs) > 3 else "", query)
        except FilterError as exc:
            return self._error(400, str(exc), v3)
        return self._error(404, f"Resource not found for the segment '{parts.path}'", v3)

    def _file(self, api: str, table_id: str, name: str) -> Any | None:
        d = self.root / api / table_id
        path = d / f"{name}.json"
        if not d.is_dir() or not path.is_file():
            return None
        return _read(path, path.stat().st_mtime)

    def _entity_sets(self, api: str, table_id: str) -> list[str] | None:
        d = self.root / api / table_id
        return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else None

    def _apply(self, rows: list[dict], query: dict) -> list[dict]:
        """$filter and $select, cached per (recorded list, options): every page asks again."""
        key = (id(rows), query.get("$filter"), query.get("$select"))
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] is rows:
            return hit[1]
        out = self._filter_select(rows, query)
        with self._lock:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = (rows, out)
        return out

    def _filter_select(self, rows: list[dict], query: dict) -> list[dict]:
        if query.get("$filter"):
            pred = compile_filter(query["$filter"])
            rows = [r for r in rows if pred(r)]
        if query.get("$select"):
            keep = [c.strip() for c in query["$select"].split(",") if c.strip()]
            rows = [{k: r[k] for k in keep if k in r} for r in rows]
        return rows

    def _page(self, rows: list[dict], query: dict, link_base: str, link_key: str, page: bool) -> tuple[list, dict]:
        skip = int(query.get("$skip") or 0)
        top = int(query["$top"]) if query.get("$top") else None
        rows = rows[skip:]
        if top is not None:
            rows = rows[:top]
        extra = {}
        if page and len(rows) > self.page_size:
            rows = rows[: self.page_size]
            nxt = {k: v for k, v in query.items() if k != "$skip"}
            if top is not None:
                nxt["$top"] = str(top - self.page_size)
            nxt["$skip"] = str(skip + self.page_size)
            extra[link_key] = link_base + "?" + urlencode(nxt, quote_via=quote, safe="$,'()/:")
        return rows, extra

    def _v4(self, table_id: str, name: str, query: dict) -> tuple[int, Any, dict]:
        base = PUBLIC["v4"] if self.public_links else self.base_url
        if not name:
            sets = self._entity_sets("v4", table_id)
            if sets is None:
                return self._error(404, f"Dataset {table_id} not found", False)
            return 200, {
                "@odata.context": f"{PUBLIC['v4']}/CBS/{table_id}/$metadata",
                "value": [{"name": s, "kind": "Singleton" if s == "Properties" else "EntitySet", "url": s} for s in sets],
            }, {}
        body = self._file("v4", table_id, name)
        if body is None:
            return self._error(404, f"Resource not found: {table_id}/{name}", False)
        if "value" not in body:  # singleton
            return 200, body, {}
        rows = self._apply(body["value"], query)
        rows, extra = self._page(rows, query, f"{base}/CBS/{table_id}/{name}", "@odata.nextLink", True)
        return 200, {**{k: v for k, v in body.items() if k != "value"}, "value": rows, **extra}, {}

    def _v3(self, service: str, table_id: str, name: str, query: dict) -> tuple[int, Any, dict]:
        base = PUBLIC["v3"] if self.public_links else self.base_url
        if query.get("$format") != "json":
            return self._error(415, "this snapshot server answers JSON only: add $format=json", True)
        if not name:
            sets = self._entity_sets("v3", table_id)
            if sets is None:
                return self._error(404, f"Resource not found for the segment '{table_id}'", True)
            return 200, {
                "odata.metadata": f"{PUBLIC['v3']}/{service}/odata/{table_id}/$metadata",
                "value": [{"name": s, "url": f"{PUBLIC['v3']}/{service}/odata/{table_id}/{s}"} for s in sets],
            }, {}
        body = self._file("v3", table_id, name)
        if body is None:
            return self._error(404, f"Resource not found for the segment '{name}'", True)
        rows = self._apply(body["value"], query)
        if service == "ODataApi" and len(rows) > self.api_limit and not query.get("$top"):
            return self._error(500, f"De query levert meer dan {self.api_limit} records op; gebruik ODataFeed", True)
        rows, extra = self._page(rows, query, f"{base}/ODataFeed/odata/{table_id}/{name}", "odata.nextLink",
                                 service == "ODataFeed")
        return 200, {**{k: v for k, v in body.items() if k != "value"}, "value": rows, **extra}, {}
