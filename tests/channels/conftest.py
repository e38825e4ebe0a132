import pytest


@pytest.fixture
def imports(tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    folder.mkdir()
    monkeypatch.setenv("ANIMATEUR_IMPORT_DIRS", str(folder))
    return folder


@pytest.fixture
def private_urls(settings):
    settings.ALLOW_PRIVATE_URLS = True


@pytest.fixture
def replay(private_urls):
    from tests.channels.replay import Replay

    server = Replay()
    yield server
    server.close()
