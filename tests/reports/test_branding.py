"""A workspace's look in its reports: a logo (PNG or JPEG only, redrawn) and an accent colour, in the
PDF and on the shared page; an SVG, a fake image or a huge one is refused with its reason."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from animateur.api.actions import do_create_api_token
from animateur.core.actions import ActionError, SystemActor
from animateur.core.roles import Role
from animateur.reports import actions
from animateur.reports.models import ReportBranding
from tests.action_walk.cases_reports import png
from tests.reports.test_reports import pdf_text

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def manager(workspace, make_user):
    return make_user("camille@example.org", workspace, Role.MANAGER, display_name="Camille")


def test_a_logo_is_redrawn_as_png_and_what_is_not_png_or_jpeg_is_refused(workspace, manager):
    jpeg_with_payload = png(fmt="JPEG") + b"<script>alert(1)</script>"
    branding = actions.do_set_report_branding(workspace, "#AA3300", logo=jpeg_with_payload, actor=manager)
    stored = branding.logo.read()
    assert stored.startswith(b"\x89PNG") and b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 20)
    assert branding.accent == "#aa3300"
    for bad, reason in (
        (SVG, "PNG ou JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"not really", "PNG ou JPEG"),
        (png(size=(5000, 10)), "4000 pixels"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 1_000_001, "1 Mo"),
    ):
        with pytest.raises(ActionError, match=reason):
            actions.do_set_report_branding(workspace, "", logo=bad, actor=manager)
    with pytest.raises(ActionError, match="#RRGGBB"):
        actions.do_set_report_branding(workspace, "red; background: url(x)", actor=manager)
    assert ReportBranding.objects.get().logo.read().startswith(b"\x89PNG")  # the refused ones changed nothing


def test_the_pdf_and_shared_page_wear_the_logo_and_colour(workspace, manager, client):
    actions.do_set_report_branding(workspace, "#aa3300", logo=png(), actor=manager)
    client.force_login(manager)
    page = client.get("/app/reports/").content.decode()
    link = page.split("data-share-url")[0].rsplit('value="', 1)[1].split('"')[0]
    pdf = client.get("/app/reports/report.pdf")
    assert pdf.status_code == 200 and "Temps de réponse" in pdf_text(pdf.content)
    from pypdf import PdfReader

    images = [image for p in PdfReader(io.BytesIO(pdf.content)).pages for image in p.images]
    assert images, "the logo is in the PDF"
    client.logout()
    shared = client.get(link.replace("http://testserver", "")).content.decode()
    assert "--brand-accent: #aa3300" in shared and 'src="data:image/png;base64,' in shared


def test_the_branding_page_is_for_managers_and_refuses_an_svg_clearly(workspace, manager, client, client_as):
    client.force_login(manager)
    assert client.get("/app/reports/branding/").status_code == 200
    refused = client.post(
        "/app/reports/branding/",
        {"accent": "#112233", "logo": SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")},
    )
    assert refused.status_code == 400 and "Le logo doit être une image PNG ou JPEG." in refused.content.decode()
    saved = client.post(
        "/app/reports/branding/",
        {"accent": "#112233", "logo": SimpleUploadedFile("logo.png", png(), content_type="image/png")},
    )
    assert saved.status_code == 302 and ReportBranding.objects.get().accent == "#112233"
    removed = client.post("/app/reports/branding/", {"accent": "", "remove_logo": "on"})
    assert removed.status_code == 302 and not ReportBranding.objects.get().logo
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.get("/app/reports/branding/").status_code == 403


def test_the_api_sets_the_branding(workspace, manager):
    _token, key = do_create_api_token(workspace, manager, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    api = Client()
    body = {"accent": "#0a0b0c", "logo_base64": base64.b64encode(png()).decode()}
    response = api.put("/api/reports/branding", body, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json() == {"accent": "#0a0b0c", "has_logo": True}
    svg = {"logo_base64": base64.b64encode(SVG).decode()}
    assert api.put("/api/reports/branding", svg, content_type="application/json", **headers).status_code == 400
    garbage = {"logo_base64": "%%%"}
    assert api.put("/api/reports/branding", garbage, content_type="application/json", **headers).status_code == 400
    assert api.get("/api/reports/branding", **headers).json()["accent"] == "#0a0b0c"
