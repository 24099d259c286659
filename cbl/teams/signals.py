"""Signals other areas listen to, so that teams never import them."""

from blinker import Namespace

_signals = Namespace()

# Sent with the new Team (flushed, not yet committed) as sender; projects creates the
# team's project for every challenge of the class in the same transaction.
team_created = _signals.signal("team-created")
