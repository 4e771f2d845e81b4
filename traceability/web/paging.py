"""Pages of a listing, with links that keep the visitor's filters."""

from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import func, select

from ..extensions import db

PER_PAGE = 25


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int

    def url(self, page: int) -> str:
        args = {**request.view_args, **request.args.to_dict(), "page": page}
        return url_for(request.endpoint, **args)

    @property
    def previous_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None


def page_of(query, per_page: int = PER_PAGE) -> Page:
    """One page of a select that already has its order; ``?page=`` picks which."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(page, pages)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, pages=pages, total=total)
