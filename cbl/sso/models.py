"""Sign-in providers configured by an admin, the identities linked to accounts, and whether
a role must use school sign-in."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cbl.accounts.models import Role, User
from cbl.dbtypes import UTCDateTime, str_enum, utcnow
from cbl.extensions import db
from cbl.schools.models import School  # noqa: F401  (the relationship's target)


class ProviderKind(enum.StrEnum):
    GOOGLE = "google"  # Google Workspace for Education: the ID token's ``hd`` names the domain
    ENTRA = "entra"  # Microsoft Entra ID: the ``tid`` claim names the tenant
    OIDC = "oidc"  # any standard provider found by discovery (Clever, ClassLink, Keycloak)


class SsoProvider(db.Model):
    """A provider an admin configured on the School sign-in page."""

    __tablename__ = "sso_provider"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProviderKind] = mapped_column(str_enum(ProviderKind, 16))
    # The words on the sign-in button, e.g. "Riverside Google".
    label: Mapped[str] = mapped_column(String(80))
    # The issuer or its discovery document (…/.well-known/openid-configuration).
    discovery_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # Never shown back in full (the admin page shows its last characters).
    client_secret: Mapped[str] = mapped_column(String(500), default="")
    # Google: the Workspace domains (``hd``); Entra: the tenant ids (``tid``); other providers:
    # the email domains accepted (empty: any). One per line or separated by commas/spaces.
    allowed: Mapped[str] = mapped_column(Text, default="")
    # Email domains whose unknown people get an account at their first sign-in (empty: none).
    create_domains: Mapped[str] = mapped_column(Text, default="")
    create_role: Mapped[Role] = mapped_column(str_enum(Role, 16), default=Role.STUDENT)
    # A claim holding the roster's id of the person (User.sourced_id), e.g. "sourced_id".
    roster_claim: Mapped[str] = mapped_column(String(80), default="")
    enabled: Mapped[bool] = mapped_column(default=True, server_default=false())
    # The school whose admins manage it; empty: a district-wide button only a district admin manages.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped["School | None"] = relationship()  # noqa: F821


class SsoIdentity(db.Model):
    """A person at a provider (issuer and subject: ``sub`` is unique within its issuer)
    linked to an account."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sso_identity_issuer_subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # The provider's button that first linked it (a configured key such as "db3" or "env:google").
    provider: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SsoSettings(db.Model):
    """Which roles must sign in with a school account (admins never must): one row for the
    whole district (no school, set by a district admin) and one per school whose admin set it.
    A teacher or student must when the district's row or a row of one of their schools says so."""

    __tablename__ = "sso_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    require_for_teachers: Mapped[bool] = mapped_column(default=False, server_default=false())
    require_for_students: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
