"""The school's own name and mail sender, as an administrator fills them in.

Mail to people outside the school (invitations above all) names the school and comes from a
sender the school chose, so that a cautious parent does not take it for phishing. The
defaults come from the configuration (``SCHOOL_NAME``, ``MAIL_FROM``, i.e. ``CBL_SCHOOL_NAME``
and ``CBL_MAIL_FROM``); an administrator's "School settings" page overrides them. One row
(id 1) holds the page's values; no row means the defaults."""

from datetime import datetime
from email.headerregistry import Address
from email.utils import formataddr, parseaddr

from flask import current_app
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cbl.dbtypes import UTCDateTime, utcnow
from cbl.extensions import db

SETTINGS_ID = 1


class SchoolSettings(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), default="")
    sender_name: Mapped[str] = mapped_column(String(160), default="")
    sender_email: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def load_settings() -> SchoolSettings | None:
    return db.session.get(SchoolSettings, SETTINGS_ID)


def installation_name() -> str:
    """The installation's name: the administrator's, else ``SCHOOL_NAME`` of the configuration."""
    settings = load_settings()
    return (settings.name if settings and settings.name else "") or current_app.config.get("SCHOOL_NAME") or ""


def school_name(classroom=None) -> str:
    """The name outsiders see: that of the class's school (a district holds several) when a
    class is in context, else the installation's."""
    school = getattr(classroom, "school", None) if classroom is not None else None
    if school is not None and school.name:
        return school.name
    return installation_name()


def school_name_for(user) -> str:
    """The school a mail to ``user`` names: the school of the class of their latest guest access
    (a partner or family), else the first school they belong to, else the installation's."""
    from sqlalchemy import select

    from cbl.projects.models import Project, ProjectPartner
    from cbl.schools.models import School, SchoolMember
    from cbl.teams.models import Classroom, Team

    name = db.session.scalar(
        select(School.name).join(Classroom, Classroom.school_id == School.id)
        .join(Team, Team.classroom_id == Classroom.id).join(Project, Project.team_id == Team.id)
        .join(ProjectPartner, ProjectPartner.project_id == Project.id)
        .where(ProjectPartner.user_id == user.id).order_by(ProjectPartner.id.desc()).limit(1))
    if not name:
        name = db.session.scalar(select(School.name).join(SchoolMember, SchoolMember.school_id == School.id)
                                 .where(SchoolMember.user_id == user.id).order_by(School.id).limit(1))
    return name or installation_name()


def mail_sender() -> str:
    """The From header of the site's mail: the administrator's sender when set, else
    ``MAIL_FROM``. A sender without a name is named after the school."""
    settings = load_settings()
    if settings is None or not settings.sender_email:
        return current_app.config["MAIL_FROM"]
    name = settings.sender_name or installation_name() or parseaddr(current_app.config["MAIL_FROM"])[0]
    return formataddr((name, settings.sender_email))


def valid_address(email: str) -> bool:
    """Whether ``email`` is a plain address a From header can carry."""
    try:
        address = Address(addr_spec=email)
    except (ValueError, IndexError):
        return False
    return bool(address.username and "." in address.domain) and email == address.addr_spec


def save_settings(name: str, sender_name: str, sender_email: str) -> SchoolSettings:
    """Store the school's name and mail sender (empty values fall back to the configuration)."""
    settings = load_settings()
    if settings is None:
        settings = SchoolSettings(id=SETTINGS_ID)
        db.session.add(settings)
    settings.name, settings.sender_name, settings.sender_email = name.strip(), sender_name.strip(), \
        sender_email.strip()
    db.session.commit()
    return settings
