"""The providers people may sign in with: those an admin configured (table ``sso_provider``)
and those of the ``OIDC_PROVIDERS`` setting (``CBL_OIDC_PROVIDERS``, a JSON list), e.g.::

    CBL_OIDC_PROVIDERS='[{"key": "google", "kind": "google", "label": "Riverside Google",
      "client_id": "…apps.googleusercontent.com", "client_secret": "…",
      "allowed": ["riverside.org"], "create_domains": [], "create_role": "student"}]'

``kind`` is ``google``, ``entra`` or ``oidc``; ``discovery_url`` (an issuer or its
``/.well-known/openid-configuration``) is required for ``oidc`` and found for the others."""

import json
import re
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from cbl.accounts.models import Role
from cbl.extensions import db
from cbl.sso.models import ProviderKind, SsoProvider

GOOGLE_DISCOVERY = "https://accounts.google.com/.well-known/openid-configuration"
ENTRA_DISCOVERY = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
WELL_KNOWN = "/.well-known/openid-configuration"
CREATABLE_ROLES = (Role.STUDENT, Role.TEACHER)


def split_list(text: str | list | None) -> list[str]:
    """Domains or tenant ids typed one per line or separated by commas or spaces, lower-cased."""
    if not text:
        return []
    if isinstance(text, list):
        text = " ".join(str(item) for item in text)
    return [item.lower().lstrip("@") for item in re.split(r"[\s,;]+", text) if item.strip()]


def discovery_document_url(kind: ProviderKind, url: str, allowed: list[str]) -> str:
    """Where the provider's discovery document is: typed by the admin (an issuer is completed
    with ``/.well-known/openid-configuration``) or known for Google and Entra."""
    url = (url or "").strip()
    if not url:
        if kind is ProviderKind.GOOGLE:
            return GOOGLE_DISCOVERY
        if kind is ProviderKind.ENTRA:
            # One tenant: its own endpoint. Several: the multi-tenant one, checked by ``tid``.
            return ENTRA_DISCOVERY.format(tenant=allowed[0] if len(allowed) == 1 else "organizations")
        return ""
    if not url.endswith(WELL_KNOWN):
        url = url.rstrip("/") + WELL_KNOWN
    return url


@dataclass
class ProviderConfig:
    key: str  # in the sign-in URL: "db3" for a configured row, "env-<key>" for the setting
    kind: ProviderKind
    label: str
    discovery_url: str
    client_id: str
    client_secret: str
    allowed: list[str] = field(default_factory=list)
    create_domains: list[str] = field(default_factory=list)
    create_role: Role = Role.STUDENT
    roster_claim: str = ""
    enabled: bool = True
    school_id: int | None = None  # a school's button (None: the district's)

    @property
    def metadata_url(self) -> str:
        return discovery_document_url(self.kind, self.discovery_url, self.allowed)


def from_row(row: SsoProvider) -> ProviderConfig:
    allowed = split_list(row.allowed)
    return ProviderConfig(key=f"db{row.id}", kind=row.kind, label=row.label, discovery_url=row.discovery_url,
                          client_id=row.client_id, client_secret=row.client_secret, allowed=allowed,
                          create_domains=split_list(row.create_domains), create_role=row.create_role,
                          roster_claim=row.roster_claim or "", enabled=row.enabled,
                          school_id=row.school_id)


def from_settings() -> list[ProviderConfig]:
    """The providers of the ``OIDC_PROVIDERS`` setting (a JSON text or an already parsed list).
    A malformed entry is logged and left out rather than taking sign-in down."""
    raw = current_app.config.get("OIDC_PROVIDERS") or []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            current_app.logger.error("OIDC_PROVIDERS is not valid JSON; no provider from the settings is used.")
            return []
    found = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            kind = ProviderKind(entry.get("kind", "oidc"))
            role = Role(entry.get("create_role", "student"))
            if role not in CREATABLE_ROLES:
                raise ValueError("create_role")
            key = re.sub(r"[^a-z0-9-]", "", str(entry["key"]).lower())
            if not key or not entry.get("client_id"):
                raise ValueError("key/client_id")
            config = ProviderConfig(
                key=f"env-{key}", kind=kind, label=str(entry.get("label") or key), client_id=str(entry["client_id"]),
                discovery_url=str(entry.get("discovery_url") or ""), client_secret=str(entry.get("client_secret") or ""),
                allowed=split_list(entry.get("allowed")), create_domains=split_list(entry.get("create_domains")),
                create_role=role, roster_claim=str(entry.get("roster_claim") or ""),
                enabled=bool(entry.get("enabled", True)))
            if not config.metadata_url or (kind is not ProviderKind.OIDC and not config.allowed):
                raise ValueError("discovery_url/allowed")
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            current_app.logger.error("OIDC_PROVIDERS: an entry is left out (%s is missing or wrong).", err)
            continue
        found.append(config)
    return found


def all_providers() -> list[ProviderConfig]:
    rows = db.session.scalars(select(SsoProvider).order_by(SsoProvider.label, SsoProvider.id)).all()
    return from_settings() + [from_row(row) for row in rows]


def enabled_providers() -> list[ProviderConfig]:
    return [provider for provider in all_providers() if provider.enabled]


def find(key: str) -> ProviderConfig | None:
    """The enabled provider with this key, or None."""
    if key.startswith("db") and key[2:].isdigit() and len(key) < 12:
        row = db.session.get(SsoProvider, int(key[2:]))
        provider = from_row(row) if row else None
    else:
        provider = next((p for p in from_settings() if p.key == key), None)
    return provider if provider and provider.enabled else None
