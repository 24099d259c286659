"""School sign-in events of the audit log in words (cbl/audit.py): which button, what
happened, and why a sign-in was refused."""

from flask_babel import gettext as _

from cbl import audit


def _reason(code: str) -> str:
    words = {
        "hd": _("the Google account is not of the school's domain"),
        "tid": _("the Microsoft account is of another organization"),
        "domain": _("the account is not of the school's domains"),
        "unknown": _("not in CBL Tracker yet"),
        "deactivated": _("the account is deactivated"),
        "state": _("the state did not match (forged or reused answer)"),
        "code": _("the code was already used or expired"),
        "expired": _("the ID token had expired"),
        "claim_aud": _("the ID token was for another application"),
        "claim_azp": _("the ID token was for another application"),
        "claim_iss": _("the ID token came from another issuer"),
        "claim_nonce": _("the ID token's nonce did not match"),
        "token": _("the ID token's signature was not valid"),
        "provider_unreachable": _("the provider could not be reached"),
    }
    return words.get(code, code)


def _parts(detail: str) -> list[str]:
    parts = detail.split("|")
    return parts + [""] * (3 - len(parts))


@audit.detail_words(audit.Action.SSO_REFUSED)
def _refused(detail: str) -> str:
    label, reason, email = _parts(detail)[:3]
    text = _("%(button)s: %(reason)s", button=label, reason=_reason(reason))
    return f"{text} ({email})" if email else text


@audit.detail_words(audit.Action.SSO_LINKED)
def _linked(detail: str) -> str:
    label, how, email = _parts(detail)[:3]
    if how == "created":
        return _("%(button)s: account created for %(email)s", button=label, email=email)
    return _("%(button)s: linked by %(email)s", button=label, email=email or _("the roster id"))


@audit.detail_words(audit.Action.SSO_SIGN_IN)
def _signed_in(detail: str) -> str:
    return _("with %(button)s", button=detail)


@audit.detail_words(audit.Action.SSO_SETTINGS_CHANGED)
def _settings(detail: str) -> str:
    roles = [words for name, words in (("teachers", _("teachers")), ("students", _("students")))
             if f"{name}=True" in detail]
    if not roles:
        return _("school sign-in required for nobody")
    return _("school sign-in required for %(roles)s", roles=", ".join(roles))
