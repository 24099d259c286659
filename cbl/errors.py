"""Domain exceptions raised by services and turned into messages by views."""


class DomainError(Exception):
    """Base class: a rule of the domain refused the request. ``str(err)`` is a
    message fit to show the user (already translated by the raiser)."""


class NotFound(DomainError):
    """The object does not exist, or the acting user may not see it."""


class Forbidden(DomainError):
    """The acting user can see the object but may not take this action."""


class ValidationFailed(DomainError):
    """The input breaks a rule that forms cannot check (uniqueness, state).

    ``field`` names the form field the message belongs to, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class EditConflict(DomainError):
    """Someone else saved the record since the editor loaded it.

    Carries both texts so the second editor sees theirs next to the saved one, and who
    saved the other version and when (``saved_by`` a User or None, ``saved_at`` aware UTC)."""

    def __init__(self, message: str, *, current_text: str, your_text: str, current_version: int,
                 saved_by=None, saved_at=None):
        super().__init__(message)
        self.current_text = current_text
        self.your_text = your_text
        self.current_version = current_version
        self.saved_by = saved_by
        self.saved_at = saved_at
