"""Run the purge of deleted things as if their 30 days had passed."""

from datetime import timedelta

from cbl.dbtypes import utcnow
from cbl.portfolio.recovery import purge_deleted


def purge_later(days: int = 31):
    """Purge what was deleted, as the daily command would ``days`` days from now."""
    return purge_deleted(utcnow() + timedelta(days=days))
