"""Forms of the notifications area."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from cbl.formtools import Form, choices
from cbl.notifications.models import DigestChoice


class DigestForm(Form):
    digest = RadioField(_l("Email about notifications"), validators=[InputRequired()],
                        choices=choices([(DigestChoice.DAILY.value, _l("Email me a daily digest")),
                                         (DigestChoice.NONE.value, _l("No email"))]),
                        description=_l("The digest lists what you have not read yet, once a day, and only "
                                       "when there is something new."))
