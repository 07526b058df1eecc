"""Great Expectations Data Docs that keep the pages of earlier runs.

GX's ``DefaultSiteIndexBuilder`` deletes every page of the site whose validation result is not in
the data context's own store. Our context is ephemeral (one per process, see
``quality._gx_datasource``), so each ``validate`` run would delete the pages of all earlier runs,
and ``dq.validation_result.data_docs_page`` of older batches would point at nothing. Configure the
site with ``"site_index_builder": {"class_name": "KeepingSiteIndexBuilder",
"module_name": "jeugdhulp.gx_docs"}``. Only GX imports this module (it imports GX itself).

GX's pages also load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from public CDNs
and are blank offline (a regional network often has no internet). After each build the site gets
the same files from ``include/datadocs/vendor`` (``static/vendor/``, see SOURCES.md there) and every
page's CDN links point at them.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder


class KeepingSiteIndexBuilder(DefaultSiteIndexBuilder):
    """Builds the index page like GX does, but never removes pages it does not know."""

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True):
        result = super().build(skip_and_clean_missing=False, build_index=build_index)
        for backend in self.target_store.store_backends.values():
            if getattr(backend, "full_base_directory", None):
                localize(Path(backend.full_base_directory))
                break
        return result


VENDOR_DIR = Path(__file__).resolve().parents[2] / "include" / "datadocs" / "vendor"

#: CDN link in GX 1.24's page templates -> file in VENDOR_DIR
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
}
_LINK = re.compile(r'(?P<attr>href|src)="(?P<url>https://[^"]+)"(?P<rest>[^>]*)>')
_SRI = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')
#: GX's own relative links into the site's static folder (GX gets their depth wrong on deep pages)
_STATIC = re.compile(r'(?P<attr>href|src)="(?:\.\./)*static/(?P<path>[^"]+)"')


def localize(site: Path) -> int:
    """Copy the vendored assets into ``site``/static/vendor and point every page's CDN links at
    them, and GX's own ``static/`` links at the right depth (relative to the page, so the site works
    from any URL or folder). Idempotent. Returns the number of pages changed."""
    vendor = site / "static" / "vendor"
    shutil.copytree(VENDOR_DIR, vendor, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md"))
    changed = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        static = os.path.relpath(site / "static", page.parent).replace(os.sep, "/")
        prefix = f"{static}/vendor"

        def local(m: re.Match) -> str:
            name = CDN.get(m["url"])
            if name is None:
                return m[0]
            return f'{m["attr"]}="{prefix}/{name}"{_SRI.sub("", m["rest"])}>'

        new = _STATIC.sub(lambda m: f'{m["attr"]}="{static}/{m["path"]}"', _LINK.sub(local, text))
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed
