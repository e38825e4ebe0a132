import pytest


@pytest.fixture
def receiver(private_urls):
    from tests.moderation.receiver import Receiver

    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def empty_task_schedule():
    """Tasks run at once under tests; retries wait in Huey's schedule, which each test starts empty."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


@pytest.fixture
def run_scheduled():
    """Run the retries waiting in Huey's schedule, as the consumer does when their time comes."""
    from huey.contrib.djhuey import HUEY

    def run(name: str) -> list:
        ran = []
        for task in HUEY.read_schedule(HUEY._get_timestamp().replace(year=2999)):
            if task.name.endswith(name):
                HUEY.execute(task, timestamp=task.eta)
                ran.append(task)
        return ran

    return run


@pytest.fixture
def open_site(workspace):
    """A site that holds nobody by default and ignores scores, so that only the rules decide."""
    from animateur.moderation.actions.settings import do_update_moderation_settings

    from .factories import SYSTEM

    workspace.hold_first_comments = False
    workspace.save()
    do_update_moderation_settings(
        workspace,
        site_hold_below="new",
        score_thresholds={"spam_hold": 1, "spam_spam": 1, "toxicity_hold": 1},
        actor=SYSTEM,
    )
    return workspace


@pytest.fixture
def scores_decide(workspace):
    """Newcomers are not held for being new: only what they write (the scores, the link-drop rule) holds them."""
    from animateur.moderation.actions.settings import do_update_moderation_settings
    from tests.moderation.factories import SYSTEM

    workspace.hold_first_comments = False
    workspace.save()
    do_update_moderation_settings(workspace, site_hold_below="new", actor=SYSTEM)
    return workspace
