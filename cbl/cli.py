"""Command-line tasks: ``flask --app cbl create-user``, ``flask --app cbl seed-demo``."""

import click
from flask import Flask

from cbl.accounts.models import Role
from cbl.errors import ValidationFailed


def register(app: Flask) -> None:
    from cbl.rosters.cli import register as register_roster_commands

    register_roster_commands(app)

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="The account's role.")
    @click.option("--name", "display_name", default=None, help="Display name (defaults to the part before @).")
    @click.password_option(help="The password (asked for when not given).")
    def create_user_command(email: str, role: str, display_name: str | None, password: str) -> None:
        """Create an account, for example: flask --app cbl create-user --role teacher ana@school.org"""
        from cbl.accounts.services import create_user

        if len(password) < app.config["PASSWORD_MIN_LENGTH"]:
            raise click.UsageError(f"Use at least {app.config['PASSWORD_MIN_LENGTH']} characters for the password.")
        try:
            user = create_user(email, display_name or email.split("@")[0], password, Role(role))
        except ValidationFailed as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"Created {user.role.value} account {user.email}.")

    @app.cli.command("purge-deleted")
    @click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
    def purge_deleted_command(dry_run: bool) -> None:
        """Remove for good what was deleted more than 30 days ago (entries with their
        versions and unused files; guiding questions, activities). Run it daily; safe to repeat."""
        from cbl.portfolio.recovery import purge_deleted

        report = purge_deleted(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        for entry_id, title in report.entries:
            click.echo(f"{verb} entry {entry_id}: {title}")
        for key in report.files:
            click.echo(f"{verb} file {key}")
        click.echo(f"{verb} {len(report.entries)} entries, {len(report.files)} files, "
                   f"{report.questions} guiding questions and {report.activities} activities.")

    @app.cli.command("worker")
    @click.option("--workers", type=int, default=None, help="Jobs run at once (default: JOBS_WORKERS, 2).")
    @click.option("--no-schedule", is_flag=True, help="Do not run the daily jobs (another worker does).")
    def worker_command(workers: int | None, no_schedule: bool) -> None:
        """Run queued jobs (mail, digests, purges) and the daily schedule until stopped
        (Ctrl-C lets running jobs finish). Start one beside the web server: `make run` does."""
        import logging

        from cbl.jobs import huey

        if app.config.get("JOBS_IMMEDIATE"):
            raise click.UsageError("JOBS_IMMEDIATE is set: jobs run in the web process, no worker is needed.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app.logger.setLevel(logging.INFO)
        where = huey.storage_kwargs.get("filename") or (app.config.get("JOBS_URL") or "").split("@")[-1]
        click.echo(f"Worker on queue {huey.name!r} at {where}.", err=True)
        consumer = huey.create_consumer(workers=workers or int(app.config["JOBS_WORKERS"]), worker_type="thread",
                                        periodic=not no_schedule, check_worker_health=True)
        consumer.run()

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Fill the database with the demo school (safe to run again: nothing is duplicated)."""
        from cbl.demo import DEMO_PASSWORD, NotADemoDatabase, seed_demo

        try:
            created = seed_demo()
        except NotADemoDatabase:
            raise click.ClickException("This database has accounts of its own: the demo school (whose passwords "
                                       "are published) is only added to an empty database.") from None
        if created:
            click.echo(f"Demo school created. Every demo account's password is {DEMO_PASSWORD!r}.")
        else:
            click.echo("Demo school already present; nothing changed.")
