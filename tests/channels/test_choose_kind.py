"""The page listing the kinds of channel a manager can add."""

from animateur.channels.connectors import kinds


def test_the_add_page_links_to_the_setup_form_of_every_kind(manager_client):
    response = manager_client.get("/app/channels/add/")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in kinds():
        assert f'href="/app/channels/add/{kind}/"' in page
    for kind in kinds():
        assert manager_client.get(f"/app/channels/add/{kind}/").status_code == 200
