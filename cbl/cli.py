"""Command-line tasks: ``flask --app cbl create-user``, ``flask --app cbl seed-demo``."""

import click
from flask import Flask

from cbl.accounts.models import Role
from cbl.errors import ValidationFailed


def register(app: Flask) -> None:
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

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Fill the database with the demo school (safe to run again: nothing is duplicated)."""
        from cbl.demo import DEMO_PASSWORD, seed_demo

        created = seed_demo()
        if created:
            click.echo(f"Demo school created. Every demo account's password is {DEMO_PASSWORD!r}.")
        else:
            click.echo("Demo school already present; nothing changed.")
