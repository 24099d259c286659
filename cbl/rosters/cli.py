"""``flask --app cbl roster-import FILE.zip [--dry-run]``: the import a nightly job runs.

It prints the preview (counts, notes, every problem by file and line) and, unless
``--dry-run``, imports. The exit code is 0 when the file was imported (or, dry, could be)
and 1 when it has problems: nothing is saved then."""

import sys
from pathlib import Path

import click
from flask import Flask


def _print_plan(plan) -> None:
    from cbl.rosters.plan import Act, Kind

    counts = plan.counts()
    click.echo(f"OneRoster {plan.roster.version}: " + ", ".join(
        f"{name} {mode}" for name, mode in sorted(plan.roster.modes.items()) if mode != "absent"))
    for kind in Kind:
        line = ", ".join(f"{counts[kind][act]} {act.value}" for act in Act if counts[kind][act])
        if line:
            click.echo(f"  {kind.value}: {line}")
    for note in plan.notes:
        click.echo(f"  note: {note}")
    for problem in plan.problems:
        click.echo(f"{problem.where}: {problem.message}", err=True)
    if plan.problem_count > len(plan.problems):
        click.echo(f"... and {plan.problem_count - len(plan.problems)} more problems", err=True)


def register(app: Flask) -> None:
    @app.cli.command("roster-import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Only print what the import would change.")
    def roster_import_command(path: Path, dry_run: bool) -> None:
        """Import a OneRoster 1.2 (or 1.1) CSV ZIP: schools, terms, classes, people, enrolments."""
        from cbl.rosters import services

        try:
            plan = services.preview(path) if dry_run else None
            if plan is None:
                plan, run = services.run_import(path, None, path.name)
            else:
                run = None
        except services.RosterRejected as err:
            for problem in err.problems:
                click.echo(f"{problem.where}: {problem.message}", err=True)
            sys.exit(1)
        _print_plan(plan)
        if not plan.ok:
            click.echo(f"{plan.problem_count} problems: nothing was imported.", err=True)
            sys.exit(1)
        if not plan.changes:
            click.echo("No changes: everything in the file is here already.")
        elif dry_run:
            click.echo(f"Dry run: {len(plan.changes)} changes would be imported; nothing was saved.")
        else:
            click.echo(f"Imported {len(plan.changes)} changes (import {run.id}).")
