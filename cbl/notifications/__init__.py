"""In-app notifications and the daily email digest.

Other areas tell people what happened with :func:`notify` (inside their own transaction);
people read the notices at /notifications, see an unread count in the navigation, and get
at most one email a day listing what they have not read (``flask --app cbl send-digests``).

This area sits low in the dependency order: it knows accounts, and nothing of the areas
that call it."""

from cbl.notifications.models import DigestChoice, Notification, NotificationKind
from cbl.notifications.services import notify, settle, site_path

__all__ = ["DigestChoice", "Notification", "NotificationKind", "notify", "settle", "site_path"]
