"""The inbox's filter bar shows its fields whole, in French, on a laptop's screen and on a phone.

Found walking through the inbox: « Rechercher dans les conversat », « Toutes les langue »,
« Toutes les tonalit »: each select was capped narrower than its own words.
"""

from __future__ import annotations

import pytest

from tests.core.french_world import build

pytestmark = pytest.mark.browser

# The width each field's longest text needs, measured with the field's own font, against the room
# the field gives its text (its width less padding, borders and a select's arrow).
CUT_FIELDS = """
() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const el of document.querySelectorAll(".inbox-filters select, .inbox-filters input[type=search]")) {
    const style = getComputedStyle(el);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const texts = el.tagName === "SELECT" ? Array.from(el.options, (o) => o.text) : [el.placeholder];
    const needed = Math.max(...texts.map((t) => canvas.measureText(t).width));
    const arrow = el.tagName === "SELECT" ? 20 : 0;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - arrow;
    if (needed > room + 1) cut.push(`${el.name}: needs ${Math.round(needed)}px, has ${Math.round(room)}px`);
  }
  return cut;
}
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_no_filter_field_is_cut_off(new_page, login, workspace, make_user, width):
    build(workspace, make_user)
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "camille@exemple.fr")
    page.goto("/app/inbox/")
    assert page.evaluate(CUT_FIELDS) == []
