"""The site's icon: every page names it, and the address browsers ask for without asking leads to it."""

import re
import xml.etree.ElementTree as ET

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def icon_href(html: str) -> str:
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert found, "the page names no icon"
    return found[1]


def test_public_pages_and_team_pages_name_the_project_icon(client, workspace):
    public = client.get("/")
    login = client.get("/app/login/")
    assert public.status_code == 200 and login.status_code == 200
    assert icon_href(public.content.decode()) == static("animateur/favicon.svg")
    assert icon_href(login.content.decode()) == static("animateur/favicon.svg")


def test_favicon_ico_leads_to_the_svg_icon_instead_of_a_404(client, workspace):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("animateur/favicon.svg")
    path = finders.find("animateur/favicon.svg")
    assert path, "the icon is not among the static files"
    svg = ET.parse(path).getroot()  # noqa: S314 - the project's own file
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 32 32"
