"""The administrator's School settings page: the school's name and the sender of its mail
(cbl/school.py), so that mail to families and partners is recognisably the school's."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional, ValidationError

from cbl import school
from cbl.accounts.models import Role
from cbl.accounts.views import admin_bp
from cbl.formtools import Form
from cbl.permissions import role_required


def _address(form, field) -> None:
    if field.data and not school.valid_address(field.data.strip()):
        raise ValidationError(_("Enter an email address such as office@school.org."))


class SchoolSettingsForm(Form):
    name = StringField(_l("School name"), validators=[Optional(), Length(max=160)],
                       description=_l("Invitations and mail to families and partners name the school."))
    sender_name = StringField(_l("Mail sender name"), validators=[Optional(), Length(max=160)],
                              description=_l("Shown as who the mail is from. Empty: the school name."))
    sender_email = StringField(_l("Mail sender address"), validators=[Optional(), Length(max=254), _address],
                               description=_l("An address of the school that your mail server may send from. "
                                              "Empty: the address of the configuration."))


@admin_bp.route("/school", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def school_settings():
    """Admins set the school's name and the sender of the mail the site sends."""
    form = SchoolSettingsForm()
    if request.method == "GET":
        current = school.load_settings()
        form.name.data = current.name if current else ""
        form.sender_name.data = current.sender_name if current else ""
        form.sender_email.data = current.sender_email if current else ""
    elif form.validate_on_submit():
        school.save_settings(form.name.data or "", form.sender_name.data or "", form.sender_email.data or "")
        flash(_("School settings saved."), "success")
        return redirect(url_for("admin.school_settings"))
    return render_template("admin/school.html", form=form, school_name=school.school_name(),
                           sender=school.mail_sender()), 400 if request.method == "POST" else 200
