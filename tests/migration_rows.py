"""Rows for migration tests, written through the tables as they stand at an older revision
(reflected from the database), not through today's models, which may have columns the old
schema lacks. Every required column the caller does not give gets a plain value of its type."""

from datetime import datetime, timezone

from sqlalchemy import Boolean, Date, DateTime, Integer, MetaData, String, Table, Text, insert


def _plain_value(column, n: int):
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
    if isinstance(kind, Date):
        return datetime(2026, 9, 1).date()
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, (String, Text)):
        length = getattr(kind, "length", None) or 40
        return f"{column.name[: max(1, length - 6)]}-{n}"[:length]
    raise TypeError(f"no plain value for {column.table.name}.{column.name} ({kind!r})")


_counter = [0]


def insert_row(connection, table_name: str, **values) -> int:
    """Insert one row into ``table_name`` as the database has it now; return its id."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    _counter[0] += 1
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.primary_key or column.nullable or column.server_default is not None:
            continue
        row[column.name] = _plain_value(column, _counter[0])
    return connection.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()
