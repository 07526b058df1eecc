"""A small client for CBS StatLine OData: v4 (``odata4.cbs.nl``) and v3 (``opendata.cbs.nl``).

No Airflow and no database in here: it takes a base URL (and optionally a ``requests.Session``
that an Airflow HTTP connection configured, see :mod:`jeugdhulp.cbs.connection`).

What it guarantees to its callers:

* **codes, not labels** – dimension values are the CBS keys (``GM0193``, ``2023JJ00``), with the
  fixed-width space padding of v3 (``'NL01  '``) stripped; titles come separately from the code
  lists;
* **paging** – follows ``odata.nextLink`` (v3 ``ODataFeed``) and ``@odata.nextLink`` (v4) until it is
  absent; pages are yielded as they arrive, so a caller can stream them into COPY;
* **server-side filters** – :meth:`CbsClient.observations` builds ``$filter`` from code lists, with
  the exact (padded) keys CBS expects in v3;
* **retries** – 429 and 5xx answers and connection errors are retried with exponential backoff
  (honouring ``Retry-After``), via tenacity; the backoff is a constructor argument so tests run fast;
* **shape checks** – a table that is gone, or rows that lack a dimension or measure, or carry a
  code that is not in the table's code list, raise :class:`CbsShapeError` with a message that says
  what changed.

v3 vs v4 in one picture: v3 ``TypedDataSet`` is *wide* (one row per combination of dimension
codes, one column per measure); v4 ``Observations`` is *long* (one row per cell with ``Measure``,
``Value`` and ``ValueAttribute``). Both come out of :meth:`CbsClient.observations` as the same
long :class:`Observation` records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import requests
import tenacity

log = logging.getLogger(__name__)

V3, V4 = "v3", "v4"
PUBLIC_V4 = "https://odata4.cbs.nl"
PUBLIC_V3 = "https://opendata.cbs.nl"
_PUBLIC_HOSTS = {urlsplit(PUBLIC_V4).netloc: V4, urlsplit(PUBLIC_V3).netloc: V3}

#: answers worth another try: rate limiting and server trouble
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: DataProperties ``Type`` values of v3 that are dimensions (columns holding codes)
V3_DIMENSION_TYPES = frozenset({"Dimension", "GeoDimension", "GeoDetail", "TimeDimension"})
#: the v4 catalogue the public StatLine tables live in
V4_CATALOG = "CBS"
#: longest request URL sent; longer filters are split over several requests (IIS's default limit
#: on a query string is 2048 bytes)
MAX_URL = 1900
#: a bound on pages per request chain (10 000 rows a page at CBS: 50 M rows)
MAX_PAGES = 5000


class CbsError(RuntimeError):
    """Anything that went wrong talking to CBS."""


class CbsHttpError(CbsError):
    def __init__(self, message: str, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status, self.url = status, url


class CbsShapeError(CbsError):
    """The table, a dimension, a measure or a code is not what the configuration expects."""


class _Transient(Exception):
    """A response or failure that another attempt may fix."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Code:
    """One entry of a dimension code list (v3 ``…/<Dim>``, v4 ``…/<Dim>Codes``)."""

    key: str  # stripped, e.g. "NL01"
    raw_key: str  # exactly as CBS sent it, e.g. "NL01  " – needed in v3 $filter
    title: str
    description: str | None = None
    group: str | None = None  # v3 CategoryGroupID / v4 DimensionGroupId
    status: str | None = None  # Perioden: Definitief / Voorlopig / Nader voorlopig
    position: int = 0


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    kind: str  # Dimension, GeoDimension, TimeDimension, …


@dataclass(frozen=True)
class Measure:
    key: str  # v3 column name (BevolkingOp1Januari_1) / v4 measure code (M000352)
    title: str
    unit: str | None = None
    decimals: int | None = None


@dataclass
class TableInfo:
    """What a table says about itself: enough to decide whether it changed."""

    table_id: str
    api: str
    title: str
    modified: str  # as CBS sent it; compared as text
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class TableMetadata:
    info: TableInfo
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    codes: dict[str, list[Code]]  # dimension key -> code list
    properties: list[dict[str, Any]]  # raw DataProperties (v3) / Dimensions + MeasureCodes (v4)

    def code_keys(self, dimension: str) -> dict[str, Code]:
        return {c.key: c for c in self.codes[dimension]}


@dataclass(frozen=True)
class Observation:
    """One cell: the dimension codes (stripped), the measure, the value (None when CBS gives none)."""

    dims: dict[str, str]
    measure: str
    value: float | int | None
    value_attribute: str | None = None  # v4 ValueAttribute when not "None"


# --------------------------------------------------------------------------- helpers


def strip_key(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def eq_any(dimension: str, raw_keys: Iterable[str]) -> str:
    """``(D eq 'a' or D eq 'b')`` with the keys exactly as given (padded in v3)."""
    keys = list(dict.fromkeys(raw_keys))
    if not keys:
        raise ValueError(f"no codes to filter {dimension} on")
    parts = [f"{dimension} eq {odata_quote(k)}" for k in keys]
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def _query(params: dict[str, Any]) -> str:
    # OData wants %20 for spaces; requests would send '+'. '$', quotes, commas and brackets stay.
    return urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote, safe="$,'()/:")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def default_bases(base_url: str) -> dict[str, str]:
    """Base URL per API. The public hosts map to each other (v4 on odata4, v3 on opendata); any
    other host (a mirror, a proxy, the local snapshot server) serves both APIs under its own root."""
    base = base_url.rstrip("/")
    api = _PUBLIC_HOSTS.get(urlsplit(base).netloc)
    if api is None:
        return {V3: base, V4: base}
    return {V3: PUBLIC_V3, V4: PUBLIC_V4}


# --------------------------------------------------------------------------- client


class CbsClient:
    """CBS OData v3 + v4 over one ``requests.Session``.

    ``base_url``: ``https://odata4.cbs.nl`` (v3 calls then go to ``https://opendata.cbs.nl``) or a
    host that serves both APIs under the same paths as CBS (``/CBS/<id>/…`` and
    ``/ODataApi|ODataFeed/odata/<id>/…``). ``attempts``/``backoff``/``max_backoff``: retry policy
    for 429/5xx and connection errors (wait ``backoff × 2^n`` seconds, at least ``Retry-After``).
    ``max_url``: a ``$filter`` that would make a longer URL is split over several requests.
    """

    def __init__(
        self,
        base_url: str = PUBLIC_V4,
        *,
        v3_base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 60.0,
        attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        max_url: int = MAX_URL,
    ):
        self.bases = default_bases(base_url)
        if v3_base_url:
            self.bases[V3] = v3_base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.setdefault("Accept", "application/json")
        self.timeout = timeout
        self.attempts, self.backoff, self.max_backoff = max(1, attempts), backoff, max_backoff
        self._sleep = sleep
        self.max_url = max_url
        self.requests_made = 0

    # ---------------------------------------------------------------- HTTP

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exp = min(self.max_backoff, self.backoff * 2 ** (state.attempt_number - 1))
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        return max(exp, min(after, self.max_backoff)) if after is not None else exp

    def _get_once(self, url: str) -> Any:
        self.requests_made += 1
        try:
            resp = self.session.get(url, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code in RETRY_STATUSES:
            raise _Transient(
                f"HTTP {resp.status_code} {resp.reason or ''}: {resp.text[:300]}".strip(),
                resp.status_code,
                _retry_after(resp.headers.get("Retry-After")),
            )
        if resp.status_code == 404:
            raise CbsHttpError(f"not found (HTTP 404): {url}", 404, url)
        if resp.status_code >= 400:
            raise CbsHttpError(f"HTTP {resp.status_code} for {url}: {resp.text[:300]}", resp.status_code, url)
        try:
            return resp.json()
        except ValueError as exc:
            raise CbsError(f"{url} did not answer JSON: {resp.text[:200]!r}") from exc

    def get_json(self, url: str) -> Any:
        """GET with retries on 429/5xx/connection errors; raises :class:`CbsHttpError` when out of tries."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Transient),
            sleep=self._sleep,
            before_sleep=lambda s: log.warning(
                "CBS request failed (%s), attempt %d of %d; retrying: %s",
                s.outcome.exception(), s.attempt_number, self.attempts, url,
            ),
            reraise=True,
        )
        try:
            return retrying(self._get_once, url)
        except _Transient as exc:
            raise CbsHttpError(
                f"CBS did not answer after {self.attempts} attempts ({exc}): {url}", exc.status, url
            ) from exc

    def _rebase(self, link: str, previous: str) -> str:
        """A nextLink may name CBS's public host; keep talking to the host we were configured with."""
        lp, pp = urlsplit(link), urlsplit(previous)
        if not lp.netloc:  # relative link
            return urlunsplit((pp.scheme, pp.netloc, lp.path, lp.query, ""))
        if lp.netloc != pp.netloc:
            return urlunsplit((pp.scheme, pp.netloc, lp.path, lp.query, ""))
        return link

    def paged(self, url: str) -> Iterator[list[dict[str, Any]]]:
        """Yield the ``value`` list of every page, following (@)odata.nextLink."""
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            seen.add(url)
            body = self.get_json(url)
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise CbsShapeError(f"{url}: expected an OData collection with a 'value' list, got {str(body)[:200]}")
            yield body["value"]
            link = body.get("@odata.nextLink") or body.get("odata.nextLink")
            if not link:
                return
            url = self._rebase(link, url)
            if url in seen:
                raise CbsError(f"paging loop: nextLink {url} was already fetched")
        raise CbsError(f"more than {MAX_PAGES} pages from {url}")

    def collection(self, url: str) -> list[dict[str, Any]]:
        return [row for page in self.paged(url) for row in page]

    # ---------------------------------------------------------------- URLs

    def url(self, api: str, table_id: str, entity: str = "", params: dict[str, Any] | None = None, *, feed: bool = False) -> str:
        if api == V4:
            path = f"{self.bases[V4]}/{V4_CATALOG}/{table_id}/{entity}"
            params = dict(params or {})
        elif api == V3:
            path = f"{self.bases[V3]}/{'ODataFeed' if feed else 'ODataApi'}/odata/{table_id}/{entity}"
            params = {**(params or {}), "$format": "json"}
        else:
            raise ValueError(f"unknown CBS API {api!r} (expected v3 or v4)")
        return path + ("?" + _query(params) if params else "")

    # ---------------------------------------------------------------- metadata

    def _get_table_doc(self, api: str, table_id: str, entity: str) -> Any:
        try:
            return self.get_json(self.url(api, table_id, entity))
        except CbsHttpError as exc:
            if exc.status == 404:
                raise CbsShapeError(
                    f"CBS table {table_id} ({api}) has no {entity or 'service document'} at {exc.url}: "
                    f"the table was removed, renamed or is not published in OData {api}. Check StatLine and "
                    f"include/cbs/tables.yaml."
                ) from exc
            raise

    def _table_collection(self, api: str, table_id: str, entity: str, what: str) -> list[dict[str, Any]]:
        try:
            return self.collection(self.url(api, table_id, entity))
        except CbsHttpError as exc:
            if exc.status == 404:
                raise CbsShapeError(f"CBS table {table_id} ({api}): {what} (no {entity} at {exc.url})") from exc
            raise

    def table_info(self, table_id: str, api: str) -> TableInfo:
        """One request: title and Modified (v3 ``TableInfos``, v4 ``Properties``)."""
        if api == V3:
            body = self._get_table_doc(api, table_id, "TableInfos")
            rows = body.get("value") if isinstance(body, dict) else None
            if not rows:
                raise CbsShapeError(f"CBS table {table_id} (v3): TableInfos is empty")
            raw = rows[0]
        else:
            raw = self._get_table_doc(api, table_id, "Properties")
            if not isinstance(raw, dict):
                raise CbsShapeError(f"CBS table {table_id} (v4): Properties is not an object")
        ident = strip_key(raw.get("Identifier") or table_id)
        if ident.lower() != table_id.lower():
            raise CbsShapeError(f"asked for CBS table {table_id}, got the properties of {ident}")
        if not raw.get("Modified"):
            raise CbsShapeError(f"CBS table {table_id} ({api}) has no Modified date in its properties")
        raw = {k: v for k, v in raw.items() if not k.startswith(("@odata", "odata."))}
        return TableInfo(table_id, api, raw.get("Title") or "", str(raw["Modified"]), raw)

    def metadata(self, table_id: str, api: str, info: TableInfo | None = None) -> TableMetadata:
        """Properties, dimensions, measures and every dimension's code list."""
        info = info or self.table_info(table_id, api)
        if api == V3:
            props = self._table_collection(V3, table_id, "DataProperties", "no DataProperties")
            dims = {
                strip_key(p["Key"]): Dimension(strip_key(p["Key"]), p.get("Title") or "", p["Type"])
                for p in props if p.get("Type") in V3_DIMENSION_TYPES
            }
            measures = {
                strip_key(p["Key"]): Measure(strip_key(p["Key"]), p.get("Title") or "", p.get("Unit"), p.get("Decimals"))
                for p in props if p.get("Type") == "Topic"
            }
            codes = {}
            for d in dims:
                rows = self._table_collection(V3, table_id, d, f"dimension {d} has no code list")
                codes[d] = [
                    Code(strip_key(r["Key"]), r["Key"], r.get("Title") or "", r.get("Description"),
                         strip_key(r.get("CategoryGroupID")), r.get("Status"), i)
                    for i, r in enumerate(rows)
                ]
        else:
            dim_rows = self._table_collection(V4, table_id, "Dimensions", "no Dimensions")
            measure_rows = self._table_collection(V4, table_id, "MeasureCodes", "no MeasureCodes")
            props = [{**r, "Type": r.get("Kind") or "Dimension"} for r in dim_rows] + [
                {**r, "Type": "Measure"} for r in measure_rows
            ]
            dims = {
                strip_key(r["Identifier"]): Dimension(strip_key(r["Identifier"]), r.get("Title") or "", r.get("Kind") or "Dimension")
                for r in dim_rows
            }
            measures = {
                strip_key(r["Identifier"]): Measure(strip_key(r["Identifier"]), r.get("Title") or "", r.get("Unit"), r.get("Decimals"))
                for r in measure_rows
            }
            codes = {}
            for d in dims:
                rows = self._table_collection(V4, table_id, f"{d}Codes", f"dimension {d} has no code list")
                codes[d] = [
                    Code(strip_key(r["Identifier"]), r["Identifier"], r.get("Title") or "", r.get("Description"),
                         strip_key(r.get("DimensionGroupId")), r.get("Status"), i)
                    for i, r in enumerate(rows)
                ]
        props = [{k: v for k, v in p.items() if not k.startswith(("@odata", "odata."))} for p in props]
        return TableMetadata(info, dims, measures, codes, props)

    # ---------------------------------------------------------------- data

    def observations(
        self,
        meta: TableMetadata,
        measures: Iterable[str],
        filters: dict[str, list[str]] | None = None,
    ) -> Iterator[Observation]:
        """Stream the cells of ``measures`` for the selected codes, page by page.

        ``filters`` maps a dimension to the (stripped) codes to keep; the request uses the keys
        exactly as the code list spells them (padded in v3), so the filtering happens at CBS.
        Every row is checked: it must carry every dimension, its codes must be in the code list,
        and (v3) every requested measure column must be present.
        """
        table_id, api = meta.info.table_id, meta.info.api
        measures = list(dict.fromkeys(measures))
        unknown = [m for m in measures if m not in meta.measures]
        if unknown:
            raise CbsShapeError(f"CBS table {table_id}: no measure {unknown}; it has {sorted(meta.measures)}")
        for dim, keys in (filters or {}).items():
            if dim not in meta.dimensions:
                raise CbsShapeError(f"CBS table {table_id}: no dimension {dim!r}; it has {sorted(meta.dimensions)}")
            lookup = meta.code_keys(dim)
            missing = [k for k in keys if k not in lookup]
            if missing:
                raise CbsShapeError(f"CBS table {table_id}: dimension {dim} has no code(s) {missing}")
        dims = list(meta.dimensions)
        known = {d: set(meta.code_keys(d)) for d in dims}
        raw = {d: {c.key: c.raw_key for c in meta.codes[d]} for d in dims}

        def build(chunk: dict[str, list[str]]) -> str:
            clauses = [eq_any(d, [raw[d][k] for k in keys]) for d, keys in chunk.items()]
            if api == V4:
                clauses.insert(0, eq_any("Measure", [meta.measures[m].key for m in measures]))
                return self.url(V4, table_id, "Observations", {"$filter": " and ".join(clauses)})
            return self.url(V3, table_id, "TypedDataSet",
                            {"$filter": " and ".join(clauses) or None, "$select": ",".join(dims + measures)}, feed=True)

        def split(chunk: dict[str, list[str]]) -> Iterator[str]:
            """Keep every URL under max_url: split the longest code list in halves while needed."""
            url = build(chunk)
            longest = max(chunk, key=lambda d: len(chunk[d]), default=None)
            if len(url) <= self.max_url or longest is None or len(chunk[longest]) < 2:
                yield url
                return
            keys = chunk[longest]
            for half in (keys[: len(keys) // 2], keys[len(keys) // 2:]):
                yield from split({**chunk, longest: half})

        urls = list(split({d: list(keys) for d, keys in (filters or {}).items()}))
        if len(urls) > 1:
            log.info("CBS %s: filter split over %d requests to keep URLs under %d characters", table_id, len(urls), self.max_url)
        for page in (p for url in urls for p in self.paged(url)):
            for row in page:
                codes = {}
                for d in dims:
                    if d not in row:
                        raise CbsShapeError(
                            f"CBS table {table_id}: a data row has no dimension {d!r} (row keys {sorted(row)}); "
                            f"the table changed shape"
                        )
                    code = strip_key(row[d])
                    if code not in known[d]:
                        raise CbsShapeError(
                            f"CBS table {table_id}: code {code!r} of dimension {d} is in the data but not in its code list"
                        )
                    codes[d] = code
                if api == V4:
                    for k in ("Measure", "Value"):
                        if k not in row:
                            raise CbsShapeError(f"CBS table {table_id}: an Observations row has no {k!r} ({sorted(row)})")
                    attr = row.get("ValueAttribute")
                    yield Observation(codes, strip_key(row["Measure"]), row["Value"],
                                      None if attr in (None, "None") else attr)
                else:
                    for m in measures:
                        if m not in row:
                            raise CbsShapeError(
                                f"CBS table {table_id}: a TypedDataSet row has no measure column {m!r}; the table changed shape"
                            )
                        yield Observation(codes, m, row[m])
