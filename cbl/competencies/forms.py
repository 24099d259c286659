"""Forms of the competencies area. Forms check shape; the import service checks the file."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from cbl.competencies.interchange_parse import MAX_BYTES, MAX_ITEMS, TITLE_MAX
from cbl.formtools import Form, OnceForm, choices

FORMAT_CHOICES = choices([
    ("auto", _l("Recognise it from the file")),
    ("case", _l("1EdTech CASE package (JSON)")),
    ("csv", _l("CSV: code, short_name, description, parent_code")),
])


class ImportForm(OnceForm):
    file = FileField(_l("Framework file"), validators=[FileRequired(_l("Choose a file to import."))],
                     render_kw={"accept": ".json,.csv,application/json,text/csv"},
                     description=_l("A CASE package (.json) or a CSV file in UTF-8, up to %(mb)d MB and "
                                    "%(items)d competencies.", mb=MAX_BYTES // (1024 * 1024), items=MAX_ITEMS))
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="auto")
    title = StringField(_l("Title (optional)"), validators=[Length(max=TITLE_MAX)],
                        description=_l("Replaces the title in the file. A CSV file has none: its name is used "
                                       "unless you give one here."))


class ReimportForm(Form):
    """The confirm button under a re-import preview: the file's text travels with it (the
    server keeps nothing between the two steps), and the fingerprint of the changes shown."""

    payload = HiddenField(validators=[DataRequired(), Length(max=MAX_BYTES)])
    title = HiddenField(validators=[Length(max=TITLE_MAX)])
    digest = HiddenField(validators=[DataRequired(), Length(max=64)])
