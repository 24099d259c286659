"""What the worker runs on a schedule (times in the school's time zone, settings in
``cbl/config.py``): the daily digest at ``DIGEST_AT`` and the purge of what was deleted more
than 30 days ago (and of sign-up requests never confirmed, and of roster uploads previewed but
never confirmed) at ``PURGE_AT``; the nightly roster import at ``ROSTER_IMPORT_AT`` is in
``cbl/rosters/jobs.py``. The commands
``send-digests`` and ``purge-deleted`` do the same by hand."""

from flask import current_app

from cbl.jobs import daily_at, periodic


@periodic(daily_at("DIGEST_AT"))
def send_digests() -> None:
    from cbl.notifications.services import send_digests as send

    sent = send()
    current_app.logger.info("Daily digest: %d sent.", sent)


@periodic(daily_at("PURGE_AT"))
def purge_deleted() -> None:
    from cbl.accounts.signup import purge_expired
    from cbl.portfolio.recovery import purge_deleted as purge
    from cbl.rosters.uploads import prune

    report = purge()
    requests = purge_expired()
    prune()  # roster ZIPs previewed and never confirmed: the district's people, in instance/rosters
    current_app.logger.info("Daily purge: %d entries, %d files, %d guiding questions, %d activities, "
                            "%d unconfirmed sign-ups removed.", len(report.entries), len(report.files),
                            report.questions, report.activities, requests)
