"""Queries over hand-curated evidence: search logs, reported results, every trial of a substance.

Mixed into :class:`immunograde.kb.queries.KnowledgeBase` (use it through ``open_kb()``).  What a page can
say from them:

- ``search_log_for("ergoferon")`` -> the dated search: "no randomised trial found in registries and
  PubMed as of 2026-11-25" (``finding``, ``searched_on``, ``conclusion``), or None: "not searched yet";
- ``trials_for_substance("umifenovir")`` -> every trial whose arms name the substance or one of its
  products, whether or not a question pools it (status, results posted, design flags, registry ids);
- ``reported_results(question_id)`` -> what trials reported that is not poolable (shown beside the
  trial's design, never pooled).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
from pydantic import BaseModel

from immunograde.kb.models import ReportedResult, SearchLog, Trial

M = TypeVar("M", bound=BaseModel)


class CurationQueries:
    """Search logs, reported results and substance-wide trial lists."""

    con: duckdb.DuckDBPyConnection
    if TYPE_CHECKING:  # provided by KnowledgeBase

        def _models(self, model: type[M], sql: str, params: list[Any] | None = None) -> list[M]: ...
        def _rows(self, sql: str, params: list[Any] | None = None) -> list[Any]: ...
        def get_question(self, question_id: str) -> Any: ...
        def get_substance(self, substance_id: str) -> Any: ...
        def get_product(self, product_id: str) -> Any: ...

    def all_search_logs(self) -> list[SearchLog]:
        return self._models(SearchLog, "SELECT record_json FROM search_logs ORDER BY id")

    def search_logs_for(self, substance_id: str) -> list[SearchLog]:
        """Search logs of the substance (by its id), newest search first."""
        self.get_substance(substance_id)
        return self._models(
            SearchLog,
            "SELECT record_json FROM search_logs WHERE substance = ? ORDER BY searched_on DESC, id",
            [substance_id],
        )

    def search_log_for(self, substance_id: str) -> SearchLog | None:
        """The newest search log of the substance, or None (the substance has not been searched)."""
        logs = self.search_logs_for(substance_id)
        return logs[0] if logs else None

    def search_logs_for_product(self, product_id: str) -> list[SearchLog]:
        """Search logs that name the product, newest search first."""
        self.get_product(product_id)
        return self._models(
            SearchLog,
            "SELECT record_json FROM search_logs WHERE id IN (SELECT log_id FROM "
            "search_log_products WHERE product_id = ?) ORDER BY searched_on DESC, id",
            [product_id],
        )

    def reported_results(self, question_id: str) -> list[ReportedResult]:
        """The question's reported-but-not-poolable results, in file order."""
        self.get_question(question_id)
        rows = self._rows(
            "SELECT record_json FROM reported_results WHERE question_id = ? ORDER BY ord",
            [question_id],
        )
        return [ReportedResult.model_validate(json.loads(r[0])) for r in rows]

    def trials_for_substance(self, substance_id: str) -> list[Trial]:
        """Every trial with an arm naming the substance or one of its products (by year, then id)."""
        self.get_substance(substance_id)
        return self._models(
            Trial,
            "SELECT record_json FROM trials WHERE id IN (SELECT trial_id FROM trial_arms WHERE "
            "substance = ? OR product IN (SELECT product_id FROM product_substances WHERE "
            "substance_id = ?)) ORDER BY year NULLS LAST, id",
            [substance_id, substance_id],
        )

    def trials_for_product(self, product_id: str) -> list[Trial]:
        """Every trial with an arm naming the product (by year, then id)."""
        self.get_product(product_id)
        return self._models(
            Trial,
            "SELECT record_json FROM trials WHERE id IN (SELECT trial_id FROM trial_arms "
            "WHERE product = ?) ORDER BY year NULLS LAST, id",
            [product_id],
        )
