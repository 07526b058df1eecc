"""Great Expectations Data Docs that keep the pages of earlier runs.

GX's ``DefaultSiteIndexBuilder`` deletes every page of the site whose validation result is not in
the data context's own store. Our context is ephemeral (one per process, see
``quality._gx_datasource``), so each ``validate`` run would delete the pages of all earlier runs,
and ``dq.validation_result.data_docs_page`` of older batches would point at nothing. Configure the
site with ``"site_index_builder": {"class_name": "KeepingSiteIndexBuilder",
"module_name": "jeugdhulp.gx_docs"}``. Only GX imports this module (it imports GX itself).
"""

from __future__ import annotations

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder


class KeepingSiteIndexBuilder(DefaultSiteIndexBuilder):
    """Builds the index page like GX does, but never removes pages it does not know."""

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True):
        return super().build(skip_and_clean_missing=False, build_index=build_index)
