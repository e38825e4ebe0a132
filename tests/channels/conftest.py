import pytest


@pytest.fixture
def imports(tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    folder.mkdir()
    monkeypatch.setenv("ANIMATEUR_IMPORT_DIRS", str(folder))
    return folder
