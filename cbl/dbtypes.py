"""Column types shared by every area."""

from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the default of every timestamp)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database.

    SQLite stores datetimes without a zone; this type stores UTC and hands back aware
    values, so code never compares naive with aware times."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def str_enum(cls, length: int = 24) -> Enum:
    """A column type for a fixed vocabulary, stored as its value strings: readable in
    the database, and no native enum type to migrate."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda c: [m.value for m in c])
