"""School sign-in with OpenID Connect, through a real provider on 127.0.0.1 in the test process
(cbl/sso/devprovider.py): the test client follows the whole redirect dance, the provider is
called with requests, and the site fetches tokens and keys from it over HTTP."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from cbl.accounts import sessions
from cbl.accounts.models import Role, User, UserSession
from cbl.audit import Action, AuditEvent
from cbl.extensions import db
from cbl.sso import services as sso_services
from cbl.sso.devprovider import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DevProvider
from cbl.sso.models import ProviderKind, SsoIdentity, SsoProvider, SsoSettings
from tests import factories

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def idp():
    provider = DevProvider()
    running = provider.serve("127.0.0.1", 0)
    yield provider
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_idp(idp):
    idp.next_claims, idp.tamper, idp.id_token_seconds, idp.published_issuer = None, {}, 300, ""
    sso_services._metadata.clear()
    yield


def add_provider(idp, kind=ProviderKind.GOOGLE, allowed="riverside.example", **extra) -> SsoProvider:
    row = SsoProvider(kind=kind, label=extra.pop("label", "Riverside Google"), discovery_url=idp.issuer,
                      client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, allowed=allowed,
                      enabled=extra.pop("enabled", True), **extra)
    db.session.add(row)
    db.session.commit()
    return row


def student_claims(**claims) -> dict:
    return {"sub": "g-123", "email": "maya@riverside.example", "email_verified": True, "hd": "riverside.example",
            "name": "Maya Okafor", **claims}


def to_provider(client, key: str):
    """Press the button; return the provider's authorize URL."""
    response = client.get(f"/login/school/{key}")
    assert response.status_code == 302, response.data
    return response.headers["Location"]


def provider_answer(idp, authorize_url: str, claims: dict) -> str:
    """The person signs in at the provider; return the path the provider sends them back to."""
    idp.next_claims = claims
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(client, idp, key: str, claims: dict):
    return client.get(provider_answer(idp, to_provider(client, key), claims))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def signed_in_as(client) -> User | None:
    """The account this browser is signed in to: its cookie names one of the account's
    sessions (per-browser sessions), or, for a cookie from before them, the account's token."""
    with client.session_transaction() as session:
        token = session.get("_user_id")
    if not token:
        return None
    if token.startswith(sessions.PREFIX):  # a session of its own (cbl/accounts/sessions.py)
        return db.session.scalar(select(User).join(UserSession, UserSession.user_id == User.id).where(
            UserSession.token_hash == sessions.token_hash(token[len(sessions.PREFIX):])))
    return db.session.scalar(select(User).where(User.session_token == token))


def refusals() -> list[str]:
    return db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == Action.SSO_REFUSED)).all()


def test_the_sign_in_page_shows_a_button_per_enabled_provider(client, idp):
    add_provider(idp, label="Riverside Google")
    add_provider(idp, label="Hidden one", enabled=False)
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Riverside Google" in page
    assert "Hidden one" not in page


def test_a_rostered_student_signs_in_with_the_school_google_account(client, idp):
    maya = factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    authorize_url = to_provider(client, f"db{row.id}")
    query = parse_qs(urlsplit(authorize_url).query)
    # state, nonce and PKCE travel with the request; hd is only a hint there
    assert query["state"] and query["nonce"] and query["code_challenge_method"] == ["S256"]
    response = client.get(provider_answer(idp, authorize_url, student_claims()))
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"
    assert signed_in_as(client).id == maya.id
    identity = db.session.scalar(select(SsoIdentity))
    assert (identity.user_id, identity.subject, identity.issuer) == (maya.id, "g-123", idp.issuer)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.SSO_SIGN_IN)).actor_id == maya.id
    # next time the identity is found by its subject, even if the address changed
    client.post("/logout")
    response = sign_in(client, idp, f"db{row.id}", student_claims(email="maya.o@riverside.example"))
    assert response.status_code == 302 and signed_in_as(client).id == maya.id


def test_a_google_account_outside_the_schools_domain_is_refused(client, idp):
    factories.make_user(Role.STUDENT, email="maya@gmail.example")
    row = add_provider(idp)
    response = sign_in(client, idp, f"db{row.id}", student_claims(email="maya@gmail.example", hd="gmail.example"))
    assert response.status_code == 403
    assert "not one of your school's (riverside.example)" in text(response)
    assert signed_in_as(client) is None
    # a personal account carries no hd at all: refused too, whatever the request's hint said
    response = sign_in(client, idp, f"db{row.id}", student_claims(email="maya@gmail.example", hd=None))
    assert response.status_code == 403 and signed_in_as(client) is None
    assert refusals() == ["Riverside Google|hd|@gmail.example"] * 2


def test_a_forged_state_is_refused(client, idp):
    factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    back = provider_answer(idp, to_provider(client, f"db{row.id}"), student_claims())
    forged = back.replace("state=", "state=forged")
    response = client.get(forged)
    assert response.status_code == 400
    assert "state" in text(response) and signed_in_as(client) is None
    # a callback from a sign-in another browser started is refused the same way
    other = factories_client(client)
    assert other.get(back).status_code == 400


def factories_client(client):
    return client.application.test_client()


def test_a_replayed_code_is_refused(client, idp):
    factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    back = provider_answer(idp, to_provider(client, f"db{row.id}"), student_claims())
    assert client.get(back).status_code == 302
    client.post("/logout")
    # the very same answer again: its state is spent
    again = client.get(back)
    assert again.status_code == 400 and signed_in_as(client) is None
    # the old code inside a new sign-in: the provider refuses it
    fresh = provider_answer(idp, to_provider(client, f"db{row.id}"), student_claims())
    old_code = parse_qs(urlsplit(back).query)["code"][0]
    new_code = parse_qs(urlsplit(fresh).query)["code"][0]
    response = client.get(fresh.replace(new_code, old_code))
    assert response.status_code == 400
    assert "already used" in text(response) and signed_in_as(client) is None


def test_an_expired_id_token_is_refused(client, idp):
    factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    idp.id_token_seconds = -600
    response = sign_in(client, idp, f"db{row.id}", student_claims())
    assert response.status_code == 400
    assert "ID token has expired" in text(response) and signed_in_as(client) is None
    assert refusals() == ["Riverside Google|expired|"]


@pytest.mark.parametrize("tamper, words", [
    ({"aud": "another-app"}, "made for another application"),
    ({"aud": "another-app", "azp": DEMO_CLIENT_ID}, "made for another application"),
    ({"exp": None, "iat": None}, "is not valid"),
    ({"iss": "http://127.0.0.1:1/elsewhere"}, "comes from another issuer"),
    ({"nonce": "not-this-sign-in"}, "does not belong to this sign-in"),
])
def test_an_id_token_with_a_wrong_claim_is_refused(client, idp, tamper, words):
    factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    idp.tamper = tamper
    response = sign_in(client, idp, f"db{row.id}", student_claims())
    assert response.status_code == 400
    assert words in text(response)
    assert signed_in_as(client) is None and db.session.scalar(select(SsoIdentity)) is None


def test_an_id_token_signed_by_another_key_is_refused(client, idp):
    factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    idp.forge_signature = True
    try:
        response = sign_in(client, idp, f"db{row.id}", student_claims())
    finally:
        idp.forge_signature = False
    assert response.status_code == 400 and "signature is not valid" in text(response)
    assert signed_in_as(client) is None


def test_an_unverified_email_is_never_linked(client, idp):
    factories.make_user(Role.TEACHER, email="rivera@riverside.example")
    row = add_provider(idp, kind=ProviderKind.OIDC, allowed="", create_domains="riverside.example")
    response = sign_in(client, idp, f"db{row.id}", student_claims(email="rivera@riverside.example",
                                                                  email_verified=False))
    assert response.status_code == 403
    assert "isn't in CBL Tracker yet" in text(response)
    assert signed_in_as(client) is None and db.session.scalar(select(SsoIdentity)) is None
    # and no account is created from it either
    assert db.session.scalar(select(User).where(User.email == "rivera@riverside.example")).role is Role.TEACHER


def test_an_unknown_person_is_refused_with_a_clear_page(client, idp):
    row = add_provider(idp)
    response = sign_in(client, idp, f"db{row.id}", student_claims(email="new@riverside.example"))
    assert response.status_code == 403
    page = text(response)
    assert "Your school account isn't in CBL Tracker yet. Ask your teacher to add you" in page
    assert db.session.scalar(select(User).where(User.email == "new@riverside.example")) is None
    assert refusals() == ["Riverside Google|unknown|new@riverside.example"]


def test_a_domain_the_admin_allowed_gets_accounts_of_the_chosen_role(client, idp):
    row = add_provider(idp, create_domains="riverside.example", create_role=Role.TEACHER)
    response = sign_in(client, idp, f"db{row.id}", student_claims(email="new.teacher@riverside.example",
                                                                  name="Sam Lee"))
    assert response.status_code == 302
    user = signed_in_as(client)
    assert (user.email, user.display_name, user.role) == ("new.teacher@riverside.example", "Sam Lee", Role.TEACHER)


def test_the_roster_id_claim_links_a_student_without_email(client, idp):
    student = factories.make_user(Role.STUDENT)
    student.email, student.sourced_id = None, "stu-0042"
    db.session.commit()
    row = add_provider(idp, kind=ProviderKind.OIDC, allowed="", roster_claim="sourced_id")
    response = sign_in(client, idp, f"db{row.id}", {"sub": "clever-9", "sourced_id": "stu-0042"})
    assert response.status_code == 302 and signed_in_as(client).id == student.id


def test_entra_accepts_only_allowed_tenants(client, idp):
    teacher = factories.make_user(Role.TEACHER, email="rivera@riverside.example")
    row = add_provider(idp, kind=ProviderKind.ENTRA, allowed=TENANT, label="Riverside Microsoft")
    claims = {"sub": "e-1", "tid": OTHER_TENANT, "email": "rivera@riverside.example"}
    response = sign_in(client, idp, f"db{row.id}", claims)
    assert response.status_code == 403 and "another organization" in text(response)
    assert signed_in_as(client) is None
    response = sign_in(client, idp, f"db{row.id}", {**claims, "tid": TENANT})
    assert response.status_code == 302 and signed_in_as(client).id == teacher.id


def test_entra_for_several_tenants_wants_the_issuer_of_the_tokens_own_tenant(client, idp):
    teacher = factories.make_user(Role.TEACHER, email="rivera@riverside.example")
    row = add_provider(idp, kind=ProviderKind.ENTRA, allowed=f"{TENANT}\n{OTHER_TENANT}")
    idp.published_issuer = idp.issuer + "/{tenantid}/v2.0"
    claims = {"sub": "e-1", "tid": TENANT, "email": "rivera@riverside.example"}
    idp.tamper = {"iss": f"{idp.issuer}/{OTHER_TENANT}/v2.0"}  # an allowed tenant, but not the token's own
    response = sign_in(client, idp, f"db{row.id}", claims)
    assert response.status_code == 400 and "comes from another issuer" in text(response)
    idp.tamper = {"iss": f"{idp.issuer}/{TENANT}/v2.0"}
    response = sign_in(client, idp, f"db{row.id}", claims)
    assert response.status_code == 302 and signed_in_as(client).id == teacher.id


def test_a_deactivated_account_is_refused(client, idp):
    factories.make_user(Role.STUDENT, email="maya@riverside.example", active=False)
    row = add_provider(idp)
    response = sign_in(client, idp, f"db{row.id}", student_claims())
    assert response.status_code == 403 and "deactivated" in text(response)
    assert signed_in_as(client) is None


def test_required_school_sign_in_refuses_passwords_but_not_for_admins(client, idp, auth):
    student = factories.make_user(Role.STUDENT)
    teacher = factories.make_user(Role.TEACHER)
    admin = factories.make_user(Role.ADMIN)
    add_provider(idp)
    db.session.add(SsoSettings(require_for_students=True, require_for_teachers=False))
    db.session.commit()
    response = auth.login(student)
    assert response.status_code == 403
    page = text(response)
    assert "sign in with your school account, not with a password" in page and "Sign in with Riverside Google" in page
    assert signed_in_as(client) is None
    assert auth.login(teacher).status_code == 302
    auth.logout()
    assert auth.login(admin).status_code == 302


def test_a_teacher_resetting_a_password_is_told_it_will_not_sign_the_student_in(client, idp, auth):
    teacher, student = factories.make_user(Role.TEACHER), factories.make_user(Role.STUDENT, name="Mateo Gómez")
    classroom = factories.make_classroom(teacher)
    factories.enrol(classroom, student)
    auth.as_user(teacher)
    assert "school-sign-in-required" not in text(client.get(f"/people/{student.id}/password"))
    add_provider(idp)
    db.session.add(SsoSettings(require_for_students=True, require_for_teachers=False))
    db.session.commit()
    for response in (client.get(f"/people/{student.id}/password"), client.post(f"/people/{student.id}/password")):
        assert response.status_code == 200
        assert "requires school sign-in for students: while it does, a password does not sign Mateo in" in text(
            response)


def test_requiring_school_sign_in_without_any_button_locks_nobody_out(client, idp, auth):
    student = factories.make_user(Role.STUDENT)
    add_provider(idp, enabled=False)
    db.session.add(SsoSettings(require_for_students=True, require_for_teachers=True))
    db.session.commit()
    assert auth.login(student).status_code == 302


@pytest.fixture
def env_provider_app(app, idp):
    app.config["OIDC_PROVIDERS"] = (
        '[{"key": "google", "kind": "google", "label": "District Google", "discovery_url": "%s", '
        '"client_id": "%s", "client_secret": "%s", "allowed": ["riverside.example"]}]'
        % (idp.issuer, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    return app


def test_a_provider_from_the_environment_settings_works(env_provider_app, client, idp):
    maya = factories.make_user(Role.STUDENT, email="maya@riverside.example")
    assert "Sign in with District Google" in client.get("/login").get_data(as_text=True)
    response = sign_in(client, idp, "env-google", student_claims())
    assert response.status_code == 302 and signed_in_as(client).id == maya.id


def test_an_unknown_button_is_not_found(client, idp):
    row = add_provider(idp, enabled=False)
    assert client.get(f"/login/school/db{row.id}").status_code == 404
    assert client.get("/login/school/db99999999999999").status_code == 404
    assert client.get("/login/school/env-nothing/callback?code=x&state=y").status_code == 404


@pytest.mark.parametrize("app", [{"RATELIMIT_SSO_CALLBACK_PER_ADDRESS": "2 per minute"}], indirect=True)
def test_the_callback_is_rate_limited(client, idp):
    row = add_provider(idp)
    for _ in range(2):
        assert client.get(f"/login/school/db{row.id}/callback?code=x&state=y").status_code == 400
    assert client.get(f"/login/school/db{row.id}/callback?code=x&state=y").status_code == 429


def test_an_admin_adds_a_provider_and_its_secret_is_never_shown_back(client, auth, idp):
    admin = factories.make_user(Role.ADMIN)
    auth.as_user(admin)
    form = {"kind": "google", "label": "Riverside Google", "discovery_url": "", "client_id": "abc.apps",
            "client_secret": "super-secret-value-1234", "allowed": "riverside.example\nriverside-ms.example",
            "create_domains": "", "create_role": "student", "roster_claim": "", "enabled": "y"}
    response = client.post("/admin/sign-in/new", data=form)
    row = db.session.scalar(select(SsoProvider))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/sign-in/{row.id}")
    assert f"/login/school/db{row.id}/callback" in text(client.get(response.headers["Location"]))
    assert (row.kind, row.allowed, row.client_secret) == (ProviderKind.GOOGLE, "riverside.example\nriverside-ms.example",
                                                          "super-secret-value-1234")
    for page in (client.get("/admin/sign-in"), client.get(f"/admin/sign-in/{row.id}")):
        words = text(page)
        assert page.status_code == 200 and "super-secret-value-1234" not in words and "1234" in words
    # saving with the secret left empty keeps it
    assert client.post(f"/admin/sign-in/{row.id}", data={**form, "client_secret": "", "label": "RG"}).status_code == 302
    db.session.refresh(row)
    assert (row.label, row.client_secret) == ("RG", "super-secret-value-1234")
    # require it for students
    assert client.post("/admin/sign-in/settings", data={"require_for_students": "y"}).status_code == 302
    settings = db.session.scalar(select(SsoSettings))
    assert (settings.require_for_students, settings.require_for_teachers) == (True, False)
    assert "school sign-in required for students" in text(client.get("/audit"))


def test_the_audit_log_tells_sign_ins_and_refusals_in_words(client, auth, idp):
    factories.make_user(Role.STUDENT, email="maya@riverside.example")
    row = add_provider(idp)
    sign_in(client, idp, f"db{row.id}", student_claims())
    client.post("/logout")
    sign_in(client, idp, f"db{row.id}", student_claims(sub="g-999", email="new@riverside.example"))
    auth.as_user(factories.make_user(Role.ADMIN))
    page = text(client.get("/audit"))
    assert "Riverside Google: linked by maya@riverside.example" in page
    assert "with Riverside Google" in page
    assert "Riverside Google: not in CBL Tracker yet (new@riverside.example)" in page


@pytest.mark.parametrize("changes, words", [
    ({"kind": "entra", "allowed": "riverside.example"}, "Not a tenant id: riverside.example"),
    ({"kind": "google", "allowed": ""}, "Google Workspace domain"),
    ({"kind": "oidc", "discovery_url": ""}, "issuer or discovery address"),
    ({"discovery_url": "http://idp.example.org"}, "https://"),
    ({"create_domains": "not a domain!"}, "Not a domain"),
    ({"create_role": "admin"}, "Not a valid choice"),
    ({"client_secret": ""}, "Enter the client secret"),
])
def test_a_wrong_provider_form_names_the_problem(client, auth, changes, words):
    auth.as_user(factories.make_user(Role.ADMIN))
    form = {"kind": "google", "label": "X", "discovery_url": "", "client_id": "abc", "client_secret": "s",
            "allowed": "riverside.example", "create_domains": "", "create_role": "student", "roster_claim": ""}
    response = client.post("/admin/sign-in/new", data={**form, **changes})
    assert response.status_code == 400 and words in text(response)
    assert db.session.scalar(select(SsoProvider)) is None


def test_a_school_sign_in_is_not_sent_to_choose_a_password(client, idp):
    """A student who still holds a teacher's one-time password signs in with the school's
    account: she never types that password, so she is not asked to replace it."""
    maya = factories.make_user(Role.STUDENT, email="maya@riverside.example")
    maya.must_change_password = True
    db.session.commit()
    row = add_provider(idp)
    response = sign_in(client, idp, f"db{row.id}", student_claims())
    assert response.status_code == 302 and signed_in_as(client).id == maya.id
    assert client.get("/home").status_code == 200
