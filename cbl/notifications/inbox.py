"""What waits for a teacher: the "Waiting for you" list of their home and of their digest.

The list is computed from the current state each time it is shown (a pending request, a
draft assessment, a question without an answer), never from notices, so an item leaves the
list, and the next digest, as soon as it is done. Notifications sit low in the dependency
order: the areas above register a source each (:func:`inbox_source`), a function
``source(user) -> list[InboxItem]`` running one query, however much data."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from cbl.accounts.models import User


@dataclass(frozen=True)
class InboxItem:
    """One thing waiting, of a ``kind`` (its source's name): its sentence (in the current language), where to act on it
    (``action`` is the link's words), the class and challenge it belongs to, and since when
    it waits. ``more`` holds further (label, path) links."""

    kind: str
    text: str
    url: str
    action: str
    classroom: str
    challenge: str
    since: datetime
    more: tuple[tuple[str, str], ...] = field(default=())


InboxSource = Callable[[User], list[InboxItem]]
_sources: dict[str, InboxSource] = {}


def inbox_source(kind: str) -> Callable[[InboxSource], InboxSource]:
    """Register the source of one kind of item (a decorator); registering again replaces it."""
    def register(function: InboxSource) -> InboxSource:
        _sources[kind] = function
        return function
    return register


def inbox_for(user: User, *, without: tuple[str, ...] = ()) -> list[InboxItem]:
    """Everything waiting for this teacher, oldest first (one query per source); ``without``
    leaves out kinds the page shows otherwise."""
    items = [item for kind, source in _sources.items() if kind not in without for item in source(user)]
    return sorted(items, key=lambda item: item.since)
