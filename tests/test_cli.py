"""The `animateur` command: what each subcommand does, prints, and exits with.

Most commands run in this process through `main(argv)` against the test database; `run` and
`worker` run as real processes on a temporary data folder (SQLite, the embedded mode).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from animateur.cli import main
from animateur.core.models import AuditEvent, Membership, User, Workspace

# A bound, not a measure: setting up a fresh data folder takes minutes on a loaded machine.
STARTUP_SECONDS = 240
DEMO_TITLE = "Le Community Management"


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("animateur: error: ")
    return lines[0]


# --- createworkspace ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_createworkspace_creates_the_workspace_and_says_so(capsys):
    assert main(["createworkspace", "acme", "--name", "Acme", "--language", "en", "--timezone", "UTC"]) == 0

    workspace = Workspace.objects.get(slug="acme")
    assert (workspace.name, workspace.language, workspace.timezone) == ("Acme", "en", "UTC")
    assert "created workspace acme" in capsys.readouterr().out
    assert AuditEvent.objects.filter(workspace=workspace, verb="workspace.create", actor="system:cli").exists()


@pytest.mark.django_db(transaction=True)
def test_createworkspace_refuses_a_slug_that_exists_and_changes_nothing(capsys):
    main(["createworkspace", "acme", "--name", "Acme"])
    capsys.readouterr()

    assert main(["createworkspace", "acme", "--name", "Other"]) == 2

    assert "acme" in one_error_line(capsys.readouterr().err)
    assert list(Workspace.objects.values_list("name", flat=True)) == ["Acme"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["createworkspace", "Not A Slug", "--name", "X"], "slug"),
        (["createworkspace", "acme", "--name", "X", "--timezone", "Mars/Olympus"], "Mars/Olympus"),
        (["createworkspace", "acme", "--name", "X", "--language", "de"], "language"),
        (["createworkspace", "acme"], "--name"),
    ],
)
def test_createworkspace_names_the_bad_input(capsys, argv, named):
    assert main(argv) == 2

    assert named in one_error_line(capsys.readouterr().err)
    assert not Workspace.objects.exists()


# --- createuser -------------------------------------------------------------------------------


@pytest.fixture
def acme(db) -> Workspace:
    assert main(["createworkspace", "acme", "--name", "Acme"]) == 0
    return Workspace.objects.get(slug="acme")


def test_createuser_reads_the_password_file_and_gives_the_role(acme, tmp_path, capsys):
    password_file = tmp_path / "password"
    password_file.write_text("a long passphrase for alice\n")

    status = main(
        [
            "createuser",
            "Alice@Example.org",
            "--workspace",
            "acme",
            "--role",
            "moderator",
            "--password-file",
            str(password_file),
        ]
    )

    assert status == 0
    user = User.objects.get(email="alice@example.org")
    assert user.check_password("a long passphrase for alice")
    assert Membership.objects.get(user=user, workspace=acme).role == "moderator"
    out = capsys.readouterr().out
    assert "alice@example.org" in out and "moderator" in out
    assert "a long passphrase" not in out


def test_createuser_without_a_password_generates_one_and_prints_it(acme, capsys):
    # pytest's stdin is not a terminal, so the command cannot prompt.
    assert main(["createuser", "bob@example.org", "--workspace", "acme", "--role", "analyst"]) == 0

    lines = capsys.readouterr().out.splitlines()
    password = next(line.split(": ", 1)[1] for line in lines if line.startswith("password: "))
    assert User.objects.get(email="bob@example.org").check_password(password)


def test_createuser_again_changes_the_role_of_the_existing_user(acme, capsys):
    main(["createuser", "carol@example.org", "--workspace", "acme", "--role", "guest"])
    main(["createuser", "carol@example.org", "--workspace", "acme", "--role", "manager"])

    assert User.objects.filter(email="carol@example.org").count() == 1
    assert Membership.objects.get(user__email="carol@example.org").role == "manager"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["createuser", "dan@example.org", "--workspace", "nowhere", "--role", "manager"], "nowhere"),
        (["createuser", "dan@example.org", "--workspace", "acme", "--role", "boss"], "boss"),
        (["createuser", "not-an-email", "--workspace", "acme", "--role", "manager"], "not-an-email"),
        (
            [
                "createuser",
                "dan@example.org",
                "--workspace",
                "acme",
                "--role",
                "manager",
                "--password-file",
                "/nonexistent/password",
            ],
            "/nonexistent/password",
        ),
    ],
)
def test_createuser_refuses_bad_input_and_creates_nobody(acme, capsys, argv, named):
    capsys.readouterr()

    assert main(argv) == 2

    assert named in one_error_line(capsys.readouterr().err)
    assert not User.objects.exists()


def test_createuser_refuses_a_weak_password(acme, tmp_path, capsys):
    password_file = tmp_path / "password"
    password_file.write_text("short")
    capsys.readouterr()

    status = main(
        [
            "createuser",
            "eve@example.org",
            "--workspace",
            "acme",
            "--role",
            "guest",
            "--password-file",
            str(password_file),
        ]
    )

    assert status == 2
    assert "password" in one_error_line(capsys.readouterr().err)
    assert not User.objects.exists()


# --- argument checking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["run", "--port", "99999"], "99999"),
        (["run", "--port", "http"], "http"),
        (["run", "--host", "bad host!"], "bad host!"),
        (["frobnicate"], "frobnicate"),
        ([], "COMMAND"),
        (["import", "joomla", "x.xml", "--workspace", "acme"], "joomla"),
    ],
)
def test_bad_arguments_exit_2_with_one_line_naming_the_problem(capsys, argv, named):
    assert main(argv) == 2

    assert named in one_error_line(capsys.readouterr().err)


def test_run_refuses_a_port_already_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert main(["run", "--port", str(port)]) == 2

    assert str(port) in one_error_line(capsys.readouterr().err)


def test_manage_passes_through_to_django(capsys):
    assert main(["manage", "check"]) == 0
    assert "System check identified no issues" in capsys.readouterr().out


# --- WordPress import and export ---------------------------------------------------------------

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Acme</title><link>https://acme.example</link><language>fr-FR</language>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[alice]]></wp:author_login>
    <wp:author_email><![CDATA[alice@example.org]]></wp:author_email>
    <wp:author_display_name><![CDATA[Alice]]></wp:author_display_name></wp:author>
  <wp:category><wp:term_id>2</wp:term_id><wp:category_nicename><![CDATA[nouvelles]]></wp:category_nicename>
    <wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Nouvelles]]></wp:cat_name></wp:category>
  <item>
    <title>Bonjour</title><link>https://acme.example/2011/01/06/bonjour/</link>
    <pubDate>Thu, 06 Jan 2011 10:00:00 +0000</pubDate><dc:creator><![CDATA[alice]]></dc:creator>
    <guid isPermaLink="false">https://acme.example/?p=10</guid>
    <content:encoded><![CDATA[<p>Premier billet.</p>]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>10</wp:post_id><wp:post_date><![CDATA[2011-01-06 11:00:00]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[2011-01-06 10:00:00]]></wp:post_date_gmt>
    <wp:comment_status><![CDATA[open]]></wp:comment_status><wp:post_name><![CDATA[bonjour]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status><wp:post_parent>0</wp:post_parent>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <category domain="category" nicename="nouvelles"><![CDATA[Nouvelles]]></category>
    <wp:comment><wp:comment_id>7</wp:comment_id><wp:comment_author><![CDATA[Bernard]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[bernard@example.org]]></wp:comment_author_email>
      <wp:comment_author_url></wp:comment_author_url><wp:comment_author_IP><![CDATA[192.0.2.1]]></wp:comment_author_IP>
      <wp:comment_date><![CDATA[2011-01-06 12:00:00]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[2011-01-06 11:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Bravo !]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>
  </item>
</channel>
</rss>
"""


def test_import_wordpress_of_a_missing_file_exits_2(acme, capsys):
    capsys.readouterr()

    assert main(["import", "wordpress", "/nonexistent/export.xml", "--workspace", "acme"]) == 2

    assert "/nonexistent/export.xml" in one_error_line(capsys.readouterr().err)


def test_import_wordpress_prints_what_it_created_then_nothing_new_the_second_time(acme, tmp_path, capsys):
    export = tmp_path / "acme.xml"
    export.write_text(WXR, encoding="utf-8")
    capsys.readouterr()

    assert main(["import", "wordpress", str(export), "--workspace", "acme"]) == 0
    first = capsys.readouterr().out
    assert main(["import", "wordpress", str(export), "--workspace", "acme"]) == 0
    second = capsys.readouterr().out

    created_first = next(line for line in first.splitlines() if line.startswith("created: "))
    assert created_first != "created: nothing"
    assert "created: nothing" in second.splitlines()
    # A progress bar only on a terminal: captured output has none.
    assert "\r" not in first


def test_import_wordpress_of_a_broken_file_names_the_line_and_changes_nothing(acme, tmp_path, capsys):
    from animateur.space.models import Post

    export = tmp_path / "broken.xml"
    export.write_text(WXR.replace("</item>", "</itme>"), encoding="utf-8")
    capsys.readouterr()

    assert main(["import", "wordpress", str(export), "--workspace", "acme"]) == 2

    line = one_error_line(capsys.readouterr().err)
    assert "broken.xml" in line and "line" in line
    assert not Post.objects.filter(workspace=acme).exists()


def test_import_wordpress_into_an_unknown_workspace_exits_2(db, tmp_path, capsys):
    export = tmp_path / "acme.xml"
    export.write_text(WXR, encoding="utf-8")

    assert main(["import", "wordpress", str(export), "--workspace", "nowhere"]) == 2

    assert "nowhere" in one_error_line(capsys.readouterr().err)


def test_export_wordpress_writes_a_file_the_importer_reads_back(acme, tmp_path, capsys):
    source = tmp_path / "acme.xml"
    source.write_text(WXR, encoding="utf-8")
    assert main(["import", "wordpress", str(source), "--workspace", "acme"]) == 0
    target = tmp_path / "out.xml"
    capsys.readouterr()

    assert main(["export", "wordpress", "--workspace", "acme", "-o", str(target)]) == 0

    assert "exported acme" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert "Bonjour" in text and "Bravo !" in text
    assert not list(tmp_path.glob(".*.partial"))


def test_export_wordpress_to_a_missing_directory_exits_2(acme, capsys):
    capsys.readouterr()

    assert main(["export", "wordpress", "--workspace", "acme", "-o", "/nonexistent/dir/out.xml"]) == 2

    assert "/nonexistent/dir" in one_error_line(capsys.readouterr().err)


# --- score --------------------------------------------------------------------------------------


def test_score_with_an_unknown_workspace_exits_2(db, capsys):

    assert main(["score", "--workspace", "nowhere"]) == 2

    assert "nowhere" in one_error_line(capsys.readouterr().err)


def test_score_for_a_workspace_does_not_read_links_to_its_own_site(workspace, monkeypatch, capsys):
    workspace.domain = "exemple.fr"
    workspace.save()
    answer = "Voir ma réponse sur https://{}/2010/04/forums , elle répond à ta question."
    lines = "".join(json.dumps({"text": answer.format(host)}) + "\n" for host in ("exemple.fr", "promo.example"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))

    assert main(["score", "--workspace", workspace.slug]) == 0

    own, elsewhere = (json.loads(line)["spam"] for line in capsys.readouterr().out.splitlines())
    # The community's own site is not read as a link at all; any other link counts against.
    assert own < 0.5 and own < elsewhere


def score(argv: list[str], lines: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "animateur.cli", "score", *argv],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        env=embedded_env(data_dir),
    )


def test_score_reads_json_lines_and_writes_one_scored_line_each(tmp_path):
    messages = [
        {"id": "a", "text": "Merci pour cet article, très utile !"},
        {"id": "b", "text": "BUY CHEAP PILLS NOW http://spam.example"},
    ]

    done = score([], "".join(json.dumps(m) + "\n" for m in messages), tmp_path / "data")

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert all({"spam", "toxicity", "sentiment", "language"} <= line.keys() for line in lines)


def test_score_names_a_malformed_line_and_exits_2(tmp_path):

    done = score([], '{"text": "Bonjour"}\nnot json\n', tmp_path / "data")

    assert done.returncode == 2
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[1]["line"] == 2 and "JSON" in lines[1]["error"]


# --- run and worker, as real processes ----------------------------------------------------------


def embedded_env(data_dir: Path) -> dict[str, str]:
    """The environment of `make run` on a fresh machine: SQLite and tasks in the data folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "ANIMATEUR_TESTING", "ANIMATEUR_TASKS_IMMEDIATE")
        and not key.startswith("PYTEST")
    }
    env.update({"ANIMATEUR_DATA_DIR": str(data_dir), "ANIMATEUR_WEB_WORKERS": "2", "PYTHONUNBUFFERED": "1"})
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(argv: list[str], env: dict[str, str], out: Path) -> subprocess.Popen:
    with open(out, "wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "animateur.cli", *argv],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )


def get_when_up(url: str, process: subprocess.Popen, log: Path) -> tuple[int, str]:
    """The status and body of the first answer at `url`, waiting (bounded) for the server to start."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own http URL)
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"nothing answered at {url} in {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=45)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail("the process did not stop within 45 s of SIGTERM")


def wait_for_line(log: Path, text: str, process: subprocess.Popen, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace")
        if text in content:
            return content
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{text!r} never appeared:\n{log.read_text(errors='replace')}")


def consumer_lock_is_held(data_dir: Path) -> bool:
    fd = os.open(data_dir / "consumer.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def consumer_taken_over(data_dir: Path, previous_pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        holder = (data_dir / "consumer.lock").read_text().strip()
        if holder and int(holder) != previous_pid and consumer_lock_is_held(data_dir):
            return True
        time.sleep(0.2)
    return False


def test_run_serves_the_demo_with_a_task_consumer_that_survives_its_worker_and_stops_on_sigterm(tmp_path):
    data_dir, port, log = tmp_path / "var", free_port(), tmp_path / "run.log"
    server = start(["run", "--port", str(port)], embedded_env(data_dir), log)
    try:
        status, page = get_when_up(f"http://127.0.0.1:{port}/", server, log)
        output = wait_for_line(log, "animateur is running at", server)

        assert status < 500, page
        assert f"animateur is running at http://127.0.0.1:{port}/" in output
        assert (data_dir / "animateur.sqlite3").exists()
        assert (data_dir / "secret_key").exists()
        # Static files are collected with hashed names and served by the production server itself.
        manifest = json.loads((data_dir / "static" / "staticfiles.json").read_text())
        hashed = next(iter(manifest["paths"].values()))
        static_status, _ = get_when_up(f"http://127.0.0.1:{port}/static/{hashed}", server, log)
        assert static_status == 200
        wait_for_line(log, "task consumer running", server)
        assert consumer_lock_is_held(data_dir)
        # Kill the worker that runs the consumer: another worker takes the consumer over.
        first_seat = int((data_dir / "consumer.lock").read_text())
        os.kill(first_seat, signal.SIGKILL)
        assert consumer_taken_over(data_dir, first_seat), log.read_text(errors="replace")
        assert status == 200
        assert DEMO_TITLE in page
        assert "demo staff login: " in output
        login_file = data_dir / "demo-login.txt"
        assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
        email = output.split("demo staff login: ", 1)[1].split(" ", 1)[0]
        assert email in login_file.read_text()
        # The output goes to a file here, as to a service's log: it names the file, never the password.
        password = login_file.read_text().split("password: ", 1)[1].strip()
        assert password not in output
        assert f"(password in {login_file})" in output
        # The database holds members' messages and addresses: its files are the owner's only.
        for name in ("animateur.sqlite3", "animateur.sqlite3-wal", "tasks.sqlite3"):
            if (data_dir / name).exists() or name != "animateur.sqlite3-wal":
                assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
    finally:
        status = stop(server)
    assert status == 0, log.read_text(errors="replace")
    assert not consumer_lock_is_held(data_dir)


def test_run_again_points_to_the_demo_login_file_instead_of_loading_the_demo_twice(tmp_path):
    data_dir = tmp_path / "var"
    for attempt in range(2):
        port, log = free_port(), tmp_path / f"run{attempt}.log"
        server = start(["run", "--port", str(port)], embedded_env(data_dir), log)
        try:
            get_when_up(f"http://127.0.0.1:{port}/", server, log)
            output = wait_for_line(log, "animateur is running at", server)
        finally:
            assert stop(server) == 0

    assert "demo staff login: " not in output
    assert str(data_dir / "demo-login.txt") in output
    counted = subprocess.run(
        [
            sys.executable,
            "-m",
            "animateur.cli",
            "manage",
            "shell",
            "-c",
            "from animateur.core.models import Workspace; print(Workspace.objects.count())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=embedded_env(data_dir),
    )
    assert counted.stdout.strip().splitlines()[-1] == "1", counted.stderr


def test_run_no_demo_starts_with_no_workspace(tmp_path):
    data_dir, port, log = tmp_path / "var", free_port(), tmp_path / "run.log"
    server = start(["run", "--port", str(port), "--no-demo"], embedded_env(data_dir), log)
    try:
        status, _ = get_when_up(f"http://127.0.0.1:{port}/", server, log)
        output = wait_for_line(log, "animateur is running at", server)
    finally:
        assert stop(server) == 0
    assert status < 500
    assert "demo staff login" not in output
    assert not (data_dir / "demo-login.txt").exists()


def test_worker_consumes_until_sigterm(tmp_path):
    log = tmp_path / "worker.log"
    worker = start(["worker"], embedded_env(tmp_path / "var"), log)
    try:
        wait_for_line(log, "consuming tasks", worker, seconds=STARTUP_SECONDS)
    finally:
        status = stop(worker)
    assert status == 0, log.read_text(errors="replace")


# A bound, not a measure: on a loaded machine a worker still loading Django may take the first request.
ANSWER_SECONDS = 60


def head_and_get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own http URL
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_SECONDS) as response:  # noqa: S310
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def keep_alive_connection(port: int) -> socket.socket:
    """A connection that asked for a page and stays open, as a browser's does."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return connection


def test_run_answers_cached_pages_in_front_of_django_and_shows_a_post_published_elsewhere(tmp_path):
    data_dir, port, log = tmp_path / "var", free_port(), tmp_path / "run.log"
    env = embedded_env(data_dir)
    server = start(["run", "--port", str(port)], env, log)
    home = f"http://127.0.0.1:{port}/"
    try:
        get_when_up(home, server, log)
        wait_for_line(log, "animateur is running at", server)
        # The command became the server's master (same process), with its workers under it.
        assert len(children_of(server.pid)) == 2
        status, headers, first = head_and_get(home)
        status_again, headers_again, again = head_and_get(home + "?utm_source=test")
        assert status == status_again == 200
        assert again == first and headers_again["etag"] == headers["etag"]
        assert "script-src 'self'" in headers_again["content-security-policy"]
        assert head_and_get(home, **{"If-None-Match": headers["etag"]})[0] == 304
        head = urllib.request.Request(home, method="HEAD")  # noqa: S310
        with urllib.request.urlopen(head, timeout=ANSWER_SECONDS) as response:  # noqa: S310
            assert response.status == 200 and response.read() == b""
            assert response.headers["Content-Length"] == str(len(first))
        # Another process publishes: every worker shows it once its trust in the old version ran out.
        published = subprocess.run(
            [
                sys.executable,
                "-m",
                "animateur.cli",
                "manage",
                "shell",
                "-c",
                "from animateur.core.actions import SystemActor; from animateur.core.models import Workspace; "
                "from animateur.space.actions.posts import do_create_post; "
                "do_create_post(Workspace.objects.get(is_default=True), title='Publié à l’instant', "
                "body='Texte', status='published', actor=SystemActor('test'))",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert published.returncode == 0, published.stderr
        deadline = time.monotonic() + 30
        while "Publié à l’instant" not in head_and_get(home)[2].decode() and time.monotonic() < deadline:
            time.sleep(0.3)
        for _ in range(10):  # whichever worker answers
            assert "Publié à l’instant" in head_and_get(home)[2].decode()
        # A visitor with a session is answered by Django, never with the anonymous copy.
        logged = head_and_get(home, Cookie="sessionid=not-a-session")
        assert logged[0] == 200 and "etag" not in logged[1]
        # Browsers keep their connections open between pages: idle ones never keep the next visitor
        # waiting (granian's backpressure counts connections; it was 8 a worker, and the ninth hung).
        idle = [keep_alive_connection(port) for _ in range(40)]
        try:
            assert head_and_get(home)[0] == 200
        finally:
            for connection in idle:
                connection.close()
    finally:
        status = stop(server)
    assert status == 0, log.read_text(errors="replace")
    assert "Traceback" not in log.read_text(errors="replace")
