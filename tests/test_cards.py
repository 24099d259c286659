"""Sign-in cards: a teacher prints a page of QR cards for a class; a card opens a "Sign in as
Maya?" page on a shared device and its button signs that student in. Cards are stored only as
hashes, can be voided and reprinted, work only for active students still in the class, are
rate limited, and every use is audited."""

import html
import io
import re

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from cbl.accounts.models import Role
from cbl.audit import Action, AuditEvent
from cbl.cards import services
from cbl.cards.models import SignInCard
from cbl.cards.qr import card_url, qr_svg
from cbl.extensions import db
from cbl.schools.models import School
from cbl.teams.models import Enrolment
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def tokens(monkeypatch):
    """The tokens the next prints issue, in order (they are stored nowhere else)."""
    issued: list[str] = []
    real = services.new_token

    def recording() -> str:
        token = real()
        issued.append(token)
        return token

    monkeypatch.setattr(services, "new_token", recording)
    return issued


@pytest.fixture
def world():
    teacher = factories.make_user("teacher", name="Ana Rivera")
    school = School(name="Riverside Elementary")
    db.session.add(school)
    db.session.commit()
    classroom = factories.make_classroom(teacher, name="Room 4 Science", school_id=school.id)
    # Rostered without a mailbox: she has a username only.
    maya = factories.make_user("student", name="Maya Lopez Garcia")
    maya.email, maya.username = None, "maya.lopez"
    db.session.commit()
    leo = factories.make_user("student", name="Leo Park")
    factories.enrol(classroom, maya, leo)
    return {"teacher": teacher, "classroom": classroom, "maya": maya, "leo": leo}


def _print(client, classroom, scope="all", student=None):
    data = {"scope": scope} if student is None else {"scope": scope, "student": student.id}
    return client.post(f"/classes/{classroom.id}/cards/print", data=data)


def _as(app, user):
    client = app.test_client()
    Auth(client).as_user(user)
    return client


def _card_of(world, student, scope="student", tokens=None):
    """Issue a card for ``student`` through the service and return its token."""
    issued = services.issue_cards(world["classroom"], world["teacher"], scope, student.id)
    return issued[0][1]


def _signed_in_as(client):
    page = client.get("/home", follow_redirects=True).get_data(as_text=True)
    match = re.search(r"<h1>Hello, ([^<]+)</h1>", page)
    return match.group(1) if match else None


def _audit(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- reading the QR code back: the page's own SVG, drawn and decoded -----------------------

def _draw_svg(svg: str) -> Image.Image:
    """Paint segno's SVG path (``M x y`` / ``m dx dy`` moves, ``h n`` dark runs on the line
    y + 0.5) onto an image, 8 pixels a module, so a barcode reader can read the page's code."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1)) // 4  # scale(4)
    image = Image.new("L", (size * 8, size * 8), 255)
    pen = ImageDraw.Draw(image)
    x = y = 0.0
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    for command, args in re.findall(r"([MmHh])([-\d. ]+)", path):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            run = numbers[0] if command == "h" else numbers[0] - x
            pen.rectangle([x * 8, (y - 0.5) * 8, (x + run) * 8 - 1, (y + 0.5) * 8 - 1], fill=0)
            x += run
    return image


def _decode(svg: str) -> str:
    zxingcpp = pytest.importorskip("zxingcpp")
    found = zxingcpp.read_barcodes(_draw_svg(svg))
    assert len(found) == 1
    return found[0].text


# --- printing ---------------------------------------------------------------------------

def test_print_page_has_one_qr_per_student_with_first_names_class_and_school(app, world, tokens):
    response = _print(_as(app, world["teacher"]), world["classroom"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    svgs = re.findall(r'<svg viewBox="[^"]+" class="qr">.*?</svg>', page, re.S)
    assert len(svgs) == 2 and len(tokens) == 2
    names = re.findall(r'<p class="signin-card-name[^"]*">([^<]+)</p>', page)
    assert names == ["Leo", "Maya"]  # by full name, printed by first name only
    for surname in ("Lopez", "Garcia", "Park"):
        assert surname not in page
    assert page.count("Room 4 Science") >= 2 and page.count("Riverside Elementary") == 2
    assert "<img" not in page.split('<ul class="card-sheet"')[1]  # the codes are inline SVG
    # Each code holds the card's address: the one the QR function was given, and what a reader reads.
    with app.test_request_context():
        expected = [card_url(token) for token in tokens]
        assert expected[0].startswith("http://localhost/card/")
        for token, svg in zip(tokens, svgs):
            assert html.unescape(svg) == html.unescape(str(qr_svg(card_url(token), "x"))).replace(
                "<title>x</title>", re.search(r"<title>.*?</title>", svg).group(0))
    assert sorted(_decode(svg) for svg in svgs) == sorted(expected)
    (printed,) = _audit(Action.CARDS_PRINTED)
    assert (printed.actor_id, printed.classroom_id, printed.detail) == (world["teacher"].id, world["classroom"].id, "2")


def test_cards_come_eight_to_a_page(app, world, tokens):
    extra = [factories.make_user("student", name=f"Kid{n} Smith") for n in range(8)]
    factories.enrol(world["classroom"], *extra)
    page = _print(_as(app, world["teacher"]), world["classroom"]).get_data(as_text=True)
    sheets = page.split('<ul class="card-sheet"')[1:]
    assert [sheet.count('class="signin-card"') for sheet in sheets] == [8, 2]


def test_token_is_stored_only_hashed(app, world, tokens):
    _print(_as(app, world["teacher"]), world["classroom"], "student", world["maya"])
    card = db.session.scalar(select(SignInCard))
    (token,) = tokens
    assert len(token) >= 22  # at least 128 random bits, URL-safe
    assert card.token_hash == services.token_hash(token) != token
    assert card.student_id == world["maya"].id and card.created_by_id == world["teacher"].id
    for row in db.session.execute(select(SignInCard.__table__)).all():
        assert token not in " ".join(str(value) for value in row)


def test_reprinting_one_student_voids_their_old_card_only(app, world, tokens):
    client = _as(app, world["teacher"])
    _print(client, world["classroom"])
    maya_old, leo_card = tokens[1], tokens[0]  # Leo prints first (by name)
    assert _print(client, world["classroom"], "student", world["maya"]).status_code == 200
    maya_new = tokens[2]
    kiosk = app.test_client()
    assert kiosk.get(f"/card/{maya_old}").status_code == 410
    assert kiosk.get(f"/card/{maya_new}").status_code == 200
    assert kiosk.get(f"/card/{leo_card}").status_code == 200


def test_void_all_and_reprint_replaces_every_card(app, world, tokens):
    client = _as(app, world["teacher"])
    _print(client, world["classroom"])
    _print(client, world["classroom"], "all")
    kiosk = app.test_client()
    assert [kiosk.get(f"/card/{t}").status_code for t in tokens] == [410, 410, 200, 200]


def test_print_missing_skips_students_who_hold_a_card(app, world, tokens):
    client = _as(app, world["teacher"])
    _print(client, world["classroom"], "student", world["maya"])
    page = _print(client, world["classroom"], "missing").get_data(as_text=True)
    assert re.findall(r'<p class="signin-card-name[^"]*">([^<]+)</p>', page) == ["Leo"]
    again = _print(client, world["classroom"], "missing")
    assert again.status_code == 302  # nobody left without a card: back to the list, nothing issued
    assert len(tokens) == 2


def test_teacher_voids_one_card_and_the_list_shows_who_has_one(app, world, tokens):
    client = _as(app, world["teacher"])
    _print(client, world["classroom"])
    page = client.get(f"/classes/{world['classroom'].id}/cards").get_data(as_text=True)
    assert page.count("Works, printed") == 2
    response = client.post(f"/classes/{world['classroom'].id}/cards/void", data={"student": world["maya"].id},
                           follow_redirects=True)
    assert "1 card no longer works." in response.get_data(as_text=True)
    kiosk = app.test_client()
    assert kiosk.get(f"/card/{tokens[1]}").status_code == 410  # Maya's
    assert kiosk.get(f"/card/{tokens[0]}").status_code == 200  # Leo's
    page = client.get(f"/classes/{world['classroom'].id}/cards").get_data(as_text=True)
    assert page.count("Works, printed") == 1 and "No card" in page
    assert [e.object_id for e in _audit(Action.CARD_VOIDED)] == [world["maya"].id]


def test_list_shows_when_a_card_was_last_used(app, world):
    token = _card_of(world, world["maya"])
    client = _as(app, world["teacher"])
    assert "Not yet" in client.get(f"/classes/{world['classroom'].id}/cards").get_data(as_text=True)
    app.test_client().post(f"/card/{token}")
    card = db.session.scalar(select(SignInCard))
    assert card.last_used_at is not None
    assert "Not yet" not in client.get(f"/classes/{world['classroom'].id}/cards").get_data(as_text=True)


def test_teacher_of_another_class_gets_404_and_students_403(app, world):
    stranger = factories.make_user("teacher")
    factories.make_classroom(stranger)
    classroom = world["classroom"]
    for path in (f"/classes/{classroom.id}/cards",):
        assert _as(app, stranger).get(path).status_code == 404
        assert _as(app, world["maya"]).get(path).status_code == 403
    assert _print(_as(app, stranger), classroom).status_code == 404
    assert _as(app, stranger).post(f"/classes/{classroom.id}/cards/void", data={}).status_code == 404
    assert _print(_as(app, world["maya"]), classroom).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SignInCard)) == 0


def test_a_student_of_another_class_cannot_be_printed_or_voided(app, world):
    other = factories.make_user("student")
    client = _as(app, world["teacher"])
    assert _print(client, world["classroom"], "student", other).status_code == 404
    assert client.post(f"/classes/{world['classroom'].id}/cards/void", data={"student": other.id}).status_code == 404
    assert _print(client, world["classroom"], "nobody").status_code == 400
    assert client.post(f"/classes/{world['classroom'].id}/cards/print", data={"scope": "student"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(SignInCard)) == 0


# --- signing in with a card ---------------------------------------------------------------

def test_card_shows_whose_it_is_and_only_the_button_signs_in(app, world):
    token = _card_of(world, world["maya"])
    kiosk = app.test_client()
    page = kiosk.get(f"/card/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sign in as Maya?" in text and "Lopez" not in text
    assert kiosk.get(f"/card/{token}").status_code == 200  # a link preview fetching it twice spends nothing
    assert _signed_in_as(kiosk) is None
    assert _audit(Action.CARD_SIGN_IN) == []
    response = kiosk.post(f"/card/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _signed_in_as(kiosk) == "Maya"


def test_card_sign_in_is_audited_and_ends_no_other_session(app, world):
    maya = world["maya"]
    token = _card_of(world, maya)
    laptop = _as(app, maya)  # Maya is signed in elsewhere too
    kiosk = app.test_client()
    kiosk.post(f"/card/{token}")
    (event,) = _audit(Action.CARD_SIGN_IN)
    assert (event.actor_id, event.object_id, event.classroom_id) == (maya.id, maya.id, world["classroom"].id)
    assert _signed_in_as(laptop) == "Maya"
    # The class's teacher reads it in the audit log, in words.
    log = _as(app, world["teacher"]).get("/audit").get_data(as_text=True)
    assert "signed in with a card" in log and "(None)" not in log


def test_card_session_gets_a_big_sign_out_and_does_not_skip_a_forced_password_change(app, world):
    maya = world["maya"]
    token = _card_of(world, maya)
    kiosk = app.test_client()
    kiosk.post(f"/card/{token}")
    home = kiosk.get("/home", follow_redirects=True).get_data(as_text=True)
    assert 'class="panel shared-device"' in home and "Sign out when you are done" in home
    # A password sign-in in another browser does not get the shared-device panel.
    laptop = app.test_client()
    Auth(laptop).login(maya)
    assert "shared-device" not in laptop.get("/home", follow_redirects=True).get_data(as_text=True)
    # Signing out in the kiosk forgets the card: the next person is not taken for a card's.
    kiosk.post("/logout")
    with kiosk.session_transaction() as session:
        assert "card_user" not in session


def test_a_card_student_asked_to_choose_a_password_is_not_told_she_typed_one(app, world):
    """A class imported with starting passwords: a child who signed in with her card is not
    sent to replace it, and if she opens the page herself it does not say "You signed in with
    a password someone gave you", which she never saw."""
    maya = world["maya"]
    maya.must_change_password = True
    db.session.commit()
    kiosk = app.test_client()
    kiosk.post(f"/card/{_card_of(world, maya)}")
    page = kiosk.get("/account/new-password").get_data(as_text=True)
    assert "Choose your own password" in page
    assert "You signed in with a password" not in page
    assert "a password someone else chose for you: your teacher or your school" in page


def test_card_session_cannot_change_the_password_without_the_current_one(app, world):
    maya = world["maya"]
    token = _card_of(world, maya)
    kiosk = app.test_client()
    kiosk.post(f"/card/{token}")
    before = maya.password_hash
    response = kiosk.post("/account/password", data={
        "password-current_password": "a guess", "password-new_password": "a brand new secret",
        "password-confirm": "a brand new secret"})
    assert response.status_code == 400
    assert "The current password is not right." in response.get_data(as_text=True)
    db.session.refresh(maya)
    assert maya.password_hash == before


@pytest.mark.parametrize("case", ["voided", "inactive", "left_class", "left_and_came_back", "archived_class",
                                  "teacher_role"])
def test_cards_that_no_longer_work_get_a_clear_page(app, world, case):
    maya, classroom = world["maya"], world["classroom"]
    token = _card_of(world, maya)
    if case == "voided":
        services.void_cards(classroom, world["teacher"])
    elif case == "inactive":
        maya.active = False
    elif case in ("left_class", "left_and_came_back"):
        db.session.delete(db.session.scalar(select(Enrolment).where(Enrolment.user_id == maya.id)))
        if case == "left_and_came_back":
            db.session.flush()
            db.session.add(Enrolment(classroom_id=classroom.id, user_id=maya.id))
    elif case == "archived_class":
        classroom.archived = True
    else:
        maya.role = Role.TEACHER
    db.session.commit()
    kiosk = app.test_client()
    for response in (kiosk.get(f"/card/{token}"), kiosk.post(f"/card/{token}")):
        assert response.status_code == 410
        assert "This card no longer works. Ask your teacher for a new one." in response.get_data(as_text=True)
    assert _signed_in_as(kiosk) is None
    assert _audit(Action.CARD_SIGN_IN) == []


@pytest.mark.parametrize("token", ["A" * 24, "short", "x" * 300, "card.png", "%00abc", "ü" * 24])
def test_forged_cards_are_refused_without_error(app, world, token):
    kiosk = app.test_client()
    for response in (kiosk.get(f"/card/{token}"), kiosk.post(f"/card/{token}")):
        assert response.status_code == 404
        assert "This is not a sign-in card of this school." in response.get_data(as_text=True)
    assert _signed_in_as(kiosk) is None


def test_a_teacher_signed_in_on_the_device_must_sign_out_first(app, world):
    token = _card_of(world, world["maya"])
    device = _as(app, world["teacher"])
    response = device.post(f"/card/{token}")
    assert response.status_code == 403 and "Sign out first" in response.get_data(as_text=True)
    assert _signed_in_as(device) == "Ana"
    # The page itself signs the teacher out and comes back to the card: no hunting in the menu.
    page = device.get(f"/card/{token}").get_data(as_text=True)
    assert 'action="/logout"' in page and f'name="next" value="/card/{token}"' in page
    assert "Sign out, then use the card" in page
    out = device.post("/logout", data={"next": f"/card/{token}"})
    assert out.status_code == 302 and out.headers["Location"] == f"/card/{token}"
    assert _signed_in_as(device) is None
    assert "Sign in as Maya?" in device.get(f"/card/{token}").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/card/x", "//evil.example/", "/\\evil.example/",
                                    "/\tevil", "card/x", ""])
def test_signing_out_follows_only_same_site_paths(app, world, target):
    device = _as(app, world["teacher"])
    out = device.post("/logout", data={"next": target})
    assert out.status_code == 302 and out.headers["Location"] == "/login"


def test_a_classmate_left_signed_in_is_signed_out_here_only(app, world):
    token = _card_of(world, world["maya"])
    device = _as(app, world["leo"])
    page = device.get(f"/card/{token}").get_data(as_text=True)
    assert "Leo is still signed in on this device" in page
    device.post(f"/card/{token}")
    assert _signed_in_as(device) == "Maya"
    assert world["leo"].session_token == db.session.get(type(world["leo"]), world["leo"].id).session_token


def test_spanish_confirm_page(app, world):
    token = _card_of(world, world["maya"])
    page = app.test_client().get(f"/card/{token}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "¿Iniciar sesión como Maya?" in page


# --- abuse limits -------------------------------------------------------------------------

LOW = {"RATELIMIT_CARD_PER_ADDRESS": "3 per 10 minutes", "RATELIMIT_CARD_PER_CARD": "2 per hour"}


@pytest.mark.parametrize("app", [LOW], indirect=True, ids=["low-limits"])
def test_guessing_cards_from_one_address_is_slowed_down(app, world):
    token = _card_of(world, world["maya"])
    kiosk = app.test_client()
    for n in range(3):
        assert kiosk.get(f"/card/{'B' * 23}{n}").status_code == 404
    assert kiosk.get(f"/card/{'B' * 24}").status_code == 429
    assert kiosk.post(f"/card/{token}").status_code == 429  # even a good card waits here
    other = app.test_client()
    assert other.post(f"/card/{token}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


@pytest.mark.parametrize("app", [LOW], indirect=True, ids=["low-limits"])
def test_one_card_signs_in_a_limited_number_of_times(app, world):
    token = _card_of(world, world["maya"])
    answers = [app.test_client().post(f"/card/{token}", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
               for n in range(3)]
    assert answers == [302, 302, 429]
    assert len(_audit(Action.CARD_SIGN_IN)) == 2


def test_a_card_session_is_not_sent_to_choose_a_password_but_a_password_session_is(app, world):
    """A teacher gave Maya a one-time password; her card still takes her straight home on the
    class tablet (young students never type it), while signing in with that password must
    choose her own first."""
    maya = world["maya"]
    maya.set_password("koala-piano-47")
    maya.must_change_password = True
    db.session.commit()
    token = _card_of(world, maya)
    kiosk = app.test_client()
    kiosk.post(f"/card/{token}")
    home = kiosk.get("/home")
    assert home.status_code == 200 and "Choose your own password" not in home.get_data(as_text=True)
    laptop = app.test_client()
    laptop.post("/login", data={"email": "maya.lopez", "password": "koala-piano-47"})
    assert laptop.get("/home").headers["Location"].endswith("/account/new-password")


def test_menu_entries_are_finger_sized_on_a_shared_tablet():
    """A child signs out from the menu on a phone or tablet: its links and the "Sign out"
    button are at least 36px tall (they were 19px, the text's height)."""
    from pathlib import Path
    css = Path(__file__).resolve().parents[1].joinpath("static/css/app.css").read_text()
    rule = re.search(r"\.site-header ul a, \.site-header ul \.link-button \{([^}]*)\}", css)
    assert rule and re.search(r"min-height:\s*2\.25rem", rule.group(1)) and "inline-flex" in rule.group(1)


def test_a_project_cards_phases_stack_so_no_phase_name_is_cut():
    """On a wide screen a project card is still a narrow column: side by side, "Investigate"
    broke into "Investigat / e"."""
    from pathlib import Path
    css = Path(__file__).resolve().parents[1].joinpath("static/css/app.css").read_text()
    assert re.search(r"\.card \.stepper \{[^}]*flex-direction:\s*column", css)


def test_the_qr_code_holds_the_sites_own_address_not_the_requests_host(app, world, tokens):
    """Printed behind a proxy, or through a request naming another host, the cards still lead
    to the school's site (``BASE_URL``), not to the host the request named (here localhost)."""
    app.config["BASE_URL"] = "https://cbl.riverside.example"
    client = _as(app, world["teacher"])
    response = client.post(f"/classes/{world['classroom'].id}/cards/print", data={"scope": "all"})
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    first_svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert _decode(first_svg) in {f"https://cbl.riverside.example/card/{token}" for token in tokens}
