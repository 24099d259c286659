"""Re-importing the default framework in Spanish (found walking as a school admin): the
preview asks to update the framework by the name the admin knows it by everywhere else."""

import re

from cbl.accounts.models import Role
from cbl.competencies import interchange
from cbl.competencies.services import install_default_framework
from tests import factories
from tests.test_competency_reimport import _upload


def test_the_reimport_preview_names_the_default_framework_in_the_readers_language(client, auth):
    framework = install_default_framework()
    package = interchange.case_package(framework, document_url="https://school.example/c/1")
    package["CFItems"][0]["fullStatement"] += " (revised)"
    admin = factories.make_user(Role.ADMIN)
    admin.locale = "es"
    auth.as_user(admin)
    page = _upload(client, package).get_data(as_text=True)
    assert "1 competencia cambiada" in page
    assert "¿Actualizar «Competencias transversales de CBL Tracker»?" in page
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "cross-curricular" not in heading  # the file itself (in the form) keeps its English
