"""Forms of the roster import: the upload, and the confirm button under the preview."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from cbl.formtools import Form, OnceForm
from cbl.rosters.uploads import MAX_UPLOAD_BYTES


class UploadForm(Form):
    file = FileField(_l("OneRoster file (ZIP)"), validators=[FileRequired(_l("Choose the ZIP file to import."))],
                     render_kw={"accept": ".zip,application/zip"},
                     description=_l("The OneRoster 1.2 (or 1.1) CSV export of your student information system: "
                                    "one .zip with manifest.csv, up to %(mb)d MB.", mb=MAX_UPLOAD_BYTES // 2**20))


class ConfirmForm(OnceForm):
    upload = HiddenField(validators=[DataRequired(), Length(max=64)])
