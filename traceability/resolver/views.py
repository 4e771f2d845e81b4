"""The GS1-Conformant resolver and the consumer scan page.

* ``/01/<gtin>[/22/…][/10/<lot>][/21/<serial>]`` (and every other GS1 primary key, and
  compressed Digital Links): 307 to the default link (the consumer page), ``linkType``
  selection, the linkset, ``Link`` headers, HEAD, OPTIONS and CORS, 400 for a malformed
  Digital Link, 404 for an unknown key, walk-up to the less specific record.
* ``/scan/01/…``: the consumer page; ``/report/01/…``: the report-a-problem form;
  ``/status/01/…``: the machine-readable recall status (``gs1:recallStatus``).
* ``/.well-known/gs1resolver``: the resolver description file.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import time
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    json,
    render_template,
    request,
)
from flask_babel import get_babel
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

from .. import gs1
from ..database import utcnow
from ..errors import ValidationFailed
from ..extensions import db, limiter
from ..ratelimits import limit_scans
from . import linkset as links
from . import scanlog, services
from .cache import cache, cached, close_reader
from .page import certificates_context, page_context, producer_context, product_context
from .texts import escaped_texts, normalize_locale, translator

bp = Blueprint("resolver_web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/resolver")
limit_scans(bp)
# The scan path's read-only connection goes back to the pool with the app context.
bp.record_once(lambda state: state.app.teardown_appcontext(close_reader))

PRIMARY_KEYS = sorted(ai for ai, entry in gs1.AI_TABLE.items() if entry.dl_primary_key)
_KEYS_RULE = "any(" + ", ".join(f'"{ai}"' for ai in PRIMARY_KEYS) + ")"
PROBE = "https://resolver.invalid"
LINKSET_TYPE = "application/linkset+json"
METHODS = "GET, HEAD, OPTIONS"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Location, Content-Language",
}


class NonCanonical(Exception):
    """The code is acceptable but written in a non-canonical form (e.g. a 13-digit GTIN)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(slots=True)
class Requested:
    """A parsed request Digital Link."""

    link: gs1.DigitalLink
    path: str  # canonical path: primary key and qualifiers
    query: str  # raw query string, passed on when redirecting

    @property
    def primary_key(self) -> str:
        return self.link.primary_key

    @property
    def key_value(self) -> str:
        return self.link.key_value

    @property
    def key_path(self) -> str:
        return f"/{self.primary_key}/{gs1.dl_escape(self.key_value)}"

    @property
    def qualifiers(self) -> list[tuple[str, str]]:
        return self.link.qualifiers

    def qualifier(self, ai: str) -> str | None:
        return next((value for q, value in self.link.qualifiers if q == ai), None)

    @property
    def compressed(self) -> bool:
        return self.link.compressed


# --------------------------------------------------------------------------- parsing


def _raw_path_and_query(prefix: str = "") -> tuple[str, str]:
    """The path as sent (still percent-encoded: a lot may contain '/') and the query."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        if raw.startswith(("http://", "https://")):
            after_scheme = raw.split("//", 1)[1]
            raw = "/" + after_scheme.split("/", 1)[1] if "/" in after_scheme else "/"
        path, _, query = raw.partition("?")
        query = query.split("#", 1)[0]
    else:
        path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
        query = request.query_string.decode("latin-1")
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    if prefix and path.startswith(prefix):
        path = path[len(prefix):]
    return path, query


_PARSED: dict[str, Requested] = {}
PARSED_MAX = 20_000


def parse_requested(path: str, query: str) -> Requested:
    """Parse and validate with the project's GS1 library; raises GS1Error or NonCanonical.

    Valid links are remembered (a printed code is scanned again and again; parsing does not
    depend on the database, so nothing ever makes a remembered parse stale).
    """
    key = path + "?" + query
    found = _PARSED.get(key)
    if found is not None:
        return found
    requested = _parse(path, query)
    if len(_PARSED) >= PARSED_MAX:
        _PARSED.clear()
    _PARSED[key] = requested
    return requested


def _parse(path: str, query: str) -> Requested:
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]  # GS1: tolerate one trailing slash
    uri = PROBE + path + ("?" + query if query else "")
    try:
        link = gs1.parse_digital_link(uri)
    except gs1.GS1Error as error:
        try:
            relaxed = gs1.parse_digital_link(uri, permit_zero_suppressed_gtin=True)
        except gs1.GS1Error:
            raise error from None
        raise NonCanonical(_canonical_path(relaxed)) from None
    if link.stem != PROBE:
        raise gs1.GS1Error.of("DL_INVALID_PATH_SEQUENCE",
                              detail=link.stem[len(PROBE):] or "/")
    return Requested(link, _canonical_path(link), query)


def _canonical_path(link: gs1.DigitalLink) -> str:
    return "".join(f"/{ai}/{gs1.dl_escape(value)}"
                   for ai, value in link.elements[: len(link.path_ais)])


def _base() -> str:
    return current_app.config["RESOLVER_BASE_URL"]


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    base, hash_mark, fragment = url.partition("#")
    return base + ("&" if "?" in base else "?") + query + (hash_mark + fragment)


def _link_type_param() -> str | None:
    if "linktype" not in request.environ.get("QUERY_STRING", "").lower():
        return None  # the usual scan: no query at all, no need to parse one
    for name, value in request.args.items(multi=True):
        if name.lower() == "linktype":
            return value.strip()
    return None


def _explicitly_accepts(mimetype: str) -> bool:
    accept = request.environ.get("HTTP_ACCEPT", "")
    if mimetype not in accept.lower():
        return False  # a phone's camera app sends text/html, */* or nothing: no parse needed
    return any(value.lower() == mimetype and quality > 0
               for value, quality in request.accept_mimetypes)


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json",
                                                "application/problem+json", LINKSET_TYPE])
    return best == "text/html"


def _locale() -> str:
    """The request's language by the app's own locale selector (``?lang=``, the session,
    ``Accept-Language``), asked directly: no Babel ``Locale`` object is needed here."""
    selector = get_babel().locale_selector
    return normalize_locale(selector() if selector is not None else None)


# --------------------------------------------------------------------------- the resolver


@bp.route(f"/<{_KEYS_RULE}:ai>/<path:rest>", methods=["GET", "OPTIONS"],
          provide_automatic_options=False, strict_slashes=False)
def resolve(ai, rest):
    return _resolve()


@bp.route("/<string(minlength=8):compressed>", methods=["GET", "OPTIONS"],
          provide_automatic_options=False, strict_slashes=False)
def resolve_compressed(compressed):
    return _resolve(compressed_only=True)


def _resolve(compressed_only: bool = False):
    if request.method == "OPTIONS":
        return _preflight()
    path, query = _raw_path_and_query()
    try:
        requested = parse_requested(path, query)
    except NonCanonical as moved:
        return _finish(Response(status=301, headers={
            "Location": _with_query(_base() + moved.path, query)}))
    except gs1.GS1Error as error:
        if compressed_only:
            return _not_found_plain()
        return _invalid(error)
    if compressed_only and not requested.compressed:
        return _not_found_plain()
    cache.ensure_fresh()
    info = services.key_info(requested.primary_key, requested.key_value)
    if info["product_id"] is None and not info["has_links"]:
        _log_scan(requested, "redirect", "", "unknown")
        return _unknown(requested)
    matched = "product" if info["product_id"] is not None else "links"
    link_type = services.normalize_link_type(_link_type_param())
    if link_type in ("linkset", "all") or _explicitly_accepts(LINKSET_TYPE) or (
            _explicitly_accepts("application/json") and not _explicitly_accepts("text/html")
            and link_type is None):
        _log_scan(requested, "linkset", "linkset", matched, info)
        return _linkset_response(requested, info)
    if link_type in (None, links.DEFAULT_LINK):
        _log_scan(requested, "redirect", "", matched, info)
        if info["product_id"] is not None:
            target = _page_url(requested.path)
        else:
            levels = build_levels(requested, info)
            choice = links.default_link(levels, request.headers.get("Accept-Language"),
                                        request.args.get("context"))
            if choice is None:
                return _unknown(requested)
            target = choice.href
        return _redirect(requested, target)
    _log_scan(requested, "link", link_type, matched, info)
    levels = build_levels(requested, info)
    found = links.find_type(levels, link_type)
    chosen = links.best_links(found, request.headers.get("Accept-Language"),
                              request.args.get("context"))
    if not chosen:
        return _no_such_link(requested, link_type)
    if len(chosen) > 1:
        body = links.choices_linkset(_base() + requested.path, _description(requested, info,
                                     levels), link_type, chosen)
        return _finish(Response(json.dumps(body, ensure_ascii=False), status=300,
                                mimetype=LINKSET_TYPE,
                                headers={"Link": _link_header(requested)}))
    return _redirect(requested, chosen[0].href)


def _page_url(path: str) -> str:
    return _base() + "/scan" + path


class _Redirect(Response):
    """A bodiless redirect whose headers are final as built.

    The resolver only ever puts percent-encoded, absolute URLs in ``Location``, so Werkzeug's
    IRI conversion and length counting (a large share of a scan's cost) are skipped when the
    target is ASCII; anything else goes through them as usual.
    """

    def get_wsgi_headers(self, environ):
        location = self.headers.get("Location", "")
        if location.isascii() and location.startswith(("https://", "http://")):
            return self.headers
        return super().get_wsgi_headers(environ)


def _redirect(requested: Requested, target: str) -> Response:
    return _Redirect(status=307, headers=[
        ("Location", _with_query(target, requested.query)), ("Link", _link_header(requested)),
        *_COMMON_HEADERS, ("Cache-Control", "no-store"), ("Content-Length", "0")])


def _link_header(requested: Requested) -> str:
    anchor = _base() + requested.path
    header = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    if requested.compressed:
        header += f', <{anchor}>; rel="owl:sameAs"'
    return header


_COMMON_HEADERS = (*CORS.items(), ("Vary", "Accept, Accept-Language"))


def _finish(response: Response, *, cacheable: bool = False) -> Response:
    response.headers.extend(_COMMON_HEADERS)
    response.headers["Cache-Control"] = "no-cache" if cacheable else "no-store"
    return response


def _preflight() -> Response:
    response = Response(status=204, headers={
        "Access-Control-Allow-Methods": METHODS, "Allow": METHODS,
        "Access-Control-Allow-Headers": request.headers.get(
            "Access-Control-Request-Headers", "Accept, Accept-Language"),
        "Access-Control-Max-Age": "86400",
    })
    return _finish(response)


def _linkset_response(requested: Requested, info: dict) -> Response:
    levels = build_levels(requested, info)
    description = _description(requested, info, levels)
    if info["product_id"] is not None:
        default = links.Link("gs1:pip", _page_url(requested.path), description, "text/html")
    else:
        default = links.default_link(levels, request.headers.get("Accept-Language"))
        if default is None:
            return _unknown(requested)
    body = links.linkset(levels, _base(), default, description)
    mimetype = (LINKSET_TYPE if _explicitly_accepts(LINKSET_TYPE) or
                not _explicitly_accepts("application/json") else "application/json")
    header = (f'<{links.LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; '
              f'type="application/ld+json"')
    if requested.compressed:
        header += f', <{_base() + requested.path}>; rel="owl:sameAs"'
    return _finish(Response(json.dumps(body, ensure_ascii=False), status=200, mimetype=mimetype,
                            headers={"Link": header}), cacheable=True)


def build_levels(requested: Requested, info: dict) -> list[links.Level]:
    """Every level of the request with the registry's links and the recorded ones."""
    levels = [links.Level(path, quals) for path, quals in links.level_paths(
        requested.primary_key, requested.key_value, requested.qualifiers)]
    if info["product_id"] is not None:
        _add_registry_links(requested, levels)
    if info["has_links"]:
        links.add_recorded_links(levels, services.link_rows(requested.key_path))
    return levels


def _add_registry_links(requested: Requested, levels: list[links.Level]) -> None:
    view = services.item_view(requested.key_value, requested.qualifier("10"),
                              requested.qualifier("21"))
    if view is None:
        return
    product, batch, unit = view["product"], view["batch"], view["unit"]
    base = _base()
    epcis = _epcis_available()
    for level in levels:
        ais = [ai for ai, _ in level.qualifiers]
        if "21" in ais:
            kind = "unit" if unit is not None else None
        elif ais and ais[-1] == "10":
            kind = "batch" if batch is not None else None
        else:
            kind = "product" if not ais else None
        if kind is None:
            continue
        location_id = batch["location_id"] if batch is not None and kind != "product" else None
        certificates = bool(services.certificates_view(product["organization_id"],
                                                       product["id"], location_id))
        links.registry_links(
            level, kind, _page_url(level.path), product["name"], product["name_en"],
            certificates=certificates,
            status_url=base + "/status" + level.path if kind != "product" else None,
            epcis_url=(base + "/api/v1/epcis/events?MATCH_epcClass="
                       + quote(base + level.path, safe="")) if epcis else None)
        level.description = _item_description(product["name"], level.qualifiers)


def _item_description(name: str, qualifiers) -> str:
    parts = [name]
    for ai, value in qualifiers:
        if ai == "10":
            parts.append(f"lô {value}")
        elif ai == "21":
            parts.append(f"sê-ri {value}")
        elif ai == "22":
            parts.append(f"biến thể {value}")
    return ", ".join(parts)


def _description(requested: Requested, info: dict, levels: list[links.Level]) -> str:
    if info["product_id"] is not None:
        return _item_description(info["name"], requested.qualifiers)
    for level in levels:
        if level.description:
            return level.description
    return requested.path


def _epcis_available() -> bool:
    flag = current_app.extensions.get("resolver_epcis")
    if flag is None:
        flag = any(rule.rule == "/api/v1/epcis/events" for rule in current_app.url_map.iter_rules())
        current_app.extensions["resolver_epcis"] = flag
    return flag


def _log_scan(requested: Requested, kind: str, link_type: str, matched: str,
              info: dict | None = None) -> None:
    req = request._get_current_object()
    if req.method != "GET":
        return
    app = current_app._get_current_object()
    config = app.config
    headers = req.headers
    region = headers.get(config.get("GEO_REGION_HEADER") or "X-Geo-Region", "")
    now = utcnow()
    gtin = requested.key_value if requested.primary_key == "01" else ""
    due = scanlog.record(app, scanlog.Scan(
        now, services.local_day(now), requested.key_path,
        info["product_id"] if info else None, info["organization_id"] if info else None, gtin,
        requested.qualifier("10") if gtin else None, requested.qualifier("21") if gtin else None,
        kind, link_type or "", matched,
        scanlog.network_hash(req.remote_addr, config["SECRET_KEY"]), region.strip()[:64],
        scanlog.is_bot(headers.get("User-Agent"))))
    if due:
        after_this_request(_write_scans_after_sending)


def _write_scans_after_sending(response: Response) -> Response:
    response.call_on_close(scanlog.buffer.flush_quietly)
    return response


# --------------------------------------------------------------------------- answers


def _problem(status: int, title: str, detail: str, errors: dict | None = None,
             code: str | None = None) -> Response:
    body = {"type": f"https://traceability.local/problems/{title.lower().replace(' ', '-')}",
            "title": title, "status": status, "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = errors
    if code:
        body["code"] = code
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/problem+json")


def _notice(status: int, code: str, title_key: str, text: str, locale: str) -> Response:
    t = translator(locale)
    html = render_template("resolver/notice.html", t=t, T=escaped_texts(locale), lang=locale,
                           status_code=code, title=t(title_key), text=text,
                           **_chrome(locale, keep_args=True))
    return Response(html, status=status, mimetype="text/html",
                    headers={"Content-Language": locale})


STATIC_VERSION = "1"


def _chrome(locale: str, keep_args: bool = False) -> dict:
    """The language switch and the style sheet, for the page layout."""
    other = "en" if locale == "vi" else "vi"
    args = request.args.to_dict() if keep_args else {}
    args["lang"] = other
    switch = quote(request.path) + "?" + "&".join(
        f"{quote(k)}={quote(v)}" for k, v in args.items())
    return {"switch_url": switch,
            "css_url": f"{request.script_root}/static/resolver/scan.css?v={STATIC_VERSION}"}


def _invalid(error: gs1.GS1Error, html: bool | None = None) -> Response:
    english = "; ".join(p.message for p in error.problems)
    vietnamese = "; ".join(p.message_vi for p in error.problems)
    if _wants_html() if html is None else html:
        locale = _locale()
        t = translator(locale)
        reason = vietnamese if locale == "vi" else english
        return _finish(_notice(400, "unknown", "status.invalid.title",
                               t("status.invalid.text", reason=reason), locale))
    return _finish(_problem(
        400, "Bad Request",
        f"Not a valid GS1 Digital Link: {english} (Mã không hợp lệ: {vietnamese})",
        errors={"digital_link": [p.message for p in error.problems]},
        code=error.codes[0] if error.codes else None))


def _unknown(requested: Requested, html: bool | None = None) -> Response:
    code = (gs1.gtin_display(requested.key_value) if requested.primary_key == "01"
            else requested.key_value)
    if _wants_html() if html is None else html:
        locale = _locale()
        t = translator(locale)
        return _finish(_notice(404, "unknown", "status.unknown.title",
                               t("status.unknown.gtin", code=code), locale))
    return _finish(_problem(404, "Not Found",
                            f"{requested.key_path} is not registered with this resolver "
                            f"(mã chưa được đăng ký)."))


def _no_such_link(requested: Requested, link_type: str) -> Response:
    if _wants_html():
        locale = _locale()
        t = translator(locale)
        return _finish(_notice(404, "unknown", "status.link_type.title",
                               t("status.link_type.text", link_type=link_type), locale))
    return _finish(_problem(404, "Not Found",
                            f"No link of type {link_type} for {requested.path}."))


def _not_found_plain() -> Response:
    from werkzeug.exceptions import NotFound

    raise NotFound()


# --------------------------------------------------------------------------- well-known


@bp.route("/.well-known/gs1resolver", methods=["GET", "OPTIONS"],
          provide_automatic_options=False)
def resolver_description():
    if request.method == "OPTIONS":
        return _preflight()
    body = {
        "name": "Truy xuất nguồn gốc — GS1 resolver / Traceability registry resolver",
        "resolverRoot": _base(),
        "supportedPrimaryKeys": ["all"],
        "supportedLinkType": [{"namespace": services.GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedContextValuesEnumerated": [],
        "supportsLanguageVariants": True,
        "validatesAIcombinations": True,
    }
    return _finish(Response(json.dumps(body, ensure_ascii=False), mimetype="application/json"),
                   cacheable=True)


# --------------------------------------------------------------------------- consumer page


def _page_request(prefix: str, html: bool = True):
    """(requested, view) for /scan, /report and /status, or the answer to give instead."""
    path, query = _raw_path_and_query(prefix)
    try:
        requested = parse_requested(path, query)
    except NonCanonical as moved:
        return None, None, Response(status=301, headers={
            "Location": _with_query(_base() + prefix + moved.path, query)})
    except gs1.GS1Error as error:
        return None, None, _invalid(error, html)
    cache.ensure_fresh()
    view = None
    if requested.primary_key == "01":
        view = services.item_view(requested.key_value, requested.qualifier("10"),
                                  requested.qualifier("21"))
    if view is None:
        return requested, None, _unknown(requested, html)
    return requested, view, None


@bp.route("/scan/01/<path:rest>", strict_slashes=False)
def page(rest):
    requested, view, answer = _page_request("/scan")
    if answer is not None:
        return answer
    locale = _locale()
    # The rendered page is kept with the data it shows (dropped with it); the day is part of
    # the key because expiry dates turn into "expired" at midnight.
    today = services.local_today()
    key = (requested.path, locale, today, _base(), request.script_root)
    html = cached("unit_pages" if requested.qualifier("21") is not None else "pages", key,
                  lambda: _render_page(requested, view, locale, today))
    return _finish(Response(html, status=200, mimetype="text/html",
                            headers={"Content-Language": locale}), cacheable=True)


def _render_page(requested: Requested, view: dict, locale: str, today) -> str:
    """The page as of ``today``: the day its cache key names, so the two always agree."""
    context = page_context(view, locale, today, anchor=_base() + requested.path,
                           report_url=f"{request.script_root}/report{requested.path}"
                                      f"?lang={locale}")
    product, batch = view["product"], view["batch"]
    location_id = batch["location_id"] if batch else None
    context["product_html"] = _fragment("_product", (view["gtin"], locale),
                                        lambda: product_context(view, locale))
    context["producer_html"] = _fragment("_producer", (product["organization_id"], locale),
                                         lambda: producer_context(view, locale))
    context["certificates_html"] = _fragment(
        "_certificates", (product["organization_id"], product["id"], location_id, today, locale),
        lambda: certificates_context(view, locale, today))
    return _render("resolver/page.html", context | _chrome(locale))


def _fragment(name: str, key: tuple, build) -> Markup:
    """A part of the page shared by every page of a product or producer, rendered once per
    language and kept with the data it shows (dropped with it)."""
    # Markup: the output of an autoescaped .html template, every value in it escaped already.
    return cached("fragments", (name, *key),
                  lambda: Markup(_render(f"resolver/{name}.html", build())))  # noqa: S704


def _render(template: str, context: dict) -> str:
    # Rendered without Flask's context processors: the page needs none of them.
    return current_app.jinja_env.get_template(template).render(**context)


@bp.route("/status/01/<path:rest>", methods=["GET", "OPTIONS"], provide_automatic_options=False,
          strict_slashes=False)
def recall_status(rest):
    """gs1:recallStatus: whether this batch (or unit) is recalled, on hold, void, expired."""
    if request.method == "OPTIONS":
        return _preflight()
    requested, view, answer = _page_request("/status", html=False)
    if answer is not None:
        return answer
    status = services.item_status(view)
    batch = view["batch"]
    body = {
        "digital_link": _base() + requested.path, "gtin": view["gtin"], "lot": view["lot"],
        "serial": view["serial"], "status": status["code"],
        "recalled": status["code"] == "recalled", "reason": status.get("reason") or None,
        "unknown_part": status.get("unknown_part"),
        "expiry_date": batch["expiry_date"].isoformat() if batch and batch["expiry_date"]
        else None,
        "checked_at": utcnow().isoformat(),
    }
    return _finish(Response(json.dumps(body, ensure_ascii=False), mimetype="application/json"))


# --------------------------------------------------------------------------- reports


def _report_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="resolver-report")


def _report_limit() -> str:
    return current_app.config.get("REPORT_RATE_LIMIT", "5 per minute;20 per hour;60 per day")


@bp.route("/report/01/<path:rest>", methods=["GET", "POST"], strict_slashes=False)
@limiter.limit(_report_limit, methods=["POST"])
def report(rest):
    """Report a problem: CSRF token, a honeypot field and a minimum fill time keep spam out;
    the POST is rate-limited per client address."""
    requested, view, answer = _page_request("/report")
    if answer is not None:
        return answer
    locale = _locale()
    t = translator(locale)
    form = {"category": "", "message": "", "contact": ""}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "GET" and request.args.get("sent"):
        return _report_page(requested, view, locale, sent=True)
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in form}
        if request.form.get("website"):
            # A bot filled the field people do not see: thank it and keep nothing.
            return _report_sent(requested, locale)
        errors = _check_fill_time(request.form.get("started", ""))
        if not errors:
            try:
                services.create_consumer_report(
                    view, form, lang=locale,
                    ip_hash=scanlog.network_hash(request.remote_addr,
                                                 current_app.config["SECRET_KEY"]),
                    region=request.headers.get(
                        current_app.config.get("GEO_REGION_HEADER") or "X-Geo-Region", ""))
            except ValidationFailed as failure:
                errors = failure.errors
            else:
                db.session.commit()
                return _report_sent(requested, locale)
        status = 422
    messages = {field: [t(f"report.error.{code}") for code in codes]
                for field, codes in errors.items()}
    return _report_page(requested, view, locale, form=form, errors=messages, status=status)


def _check_fill_time(token: str) -> dict:
    minimum = float(current_app.config.get("REPORT_MIN_SECONDS", 3))
    try:
        _, signed_at = _report_serializer().loads(token, max_age=86400, return_timestamp=True)
    except SignatureExpired:
        return {"_form": ["stale"]}
    except BadSignature:
        return {"_form": ["stale"]}
    if time() - signed_at.timestamp() < minimum:
        return {"_form": ["too_fast"]}
    return {}


def _report_sent(requested: Requested, locale: str) -> Response:
    target = f"/report{requested.path}?sent=1&lang={locale}"
    return Response(status=303, headers={"Location": target})


def _report_page(requested: Requested, view: dict, locale: str, *, sent: bool = False,
                 form: dict | None = None, errors: dict | None = None,
                 status: int = 200) -> Response:
    t = translator(locale)
    product = view["product"]
    name = product["name_en"] if locale == "en" and product["name_en"] else product["name"]
    html = render_template(
        "resolver/report.html", t=t, T=escaped_texts(locale), lang=locale, name=name, sent=sent,
        form=form or {"category": "", "message": "", "contact": ""}, errors=errors or {},
        started=_report_serializer().dumps("report"),
        categories=services.REPORT_CATEGORIES,
        page_url=f"/scan{requested.path}?lang={locale}",
        action=f"/report{requested.path}?lang={locale}", **_chrome(locale, keep_args=True))
    return Response(html, status=status, mimetype="text/html",
                    headers={"Content-Language": locale, "Cache-Control": "no-store"})
