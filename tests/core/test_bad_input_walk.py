"""Walk every view and API endpoint with bad input, as the workspace's owner: nothing may answer 500.

Bad input is what a person, a stale page or a script sends: ids of 30 digits (past any integer
column), negative and non-numeric ids, NUL bytes (which PostgreSQL refuses in text), lone
surrogates (which cannot be encoded to UTF-8), and long non-ASCII text. Each is sent

- in the path, for every route with parameters;
- in the query string and the form body of every route, under every parameter name a view reads;
- in every field of every form that the pages show, the other fields as the page filled them
  (a checked row, a decision button), so that a view is reached past its first checks;
- in the path, query and JSON body of every API endpoint (from its OpenAPI description).

The answer may be any 2xx, 3xx or 4xx; an exception or a 5xx is a failure, listed with its input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from animateur.core.roles import Role
from tests.core.url_walk import client_for, objects_of, rolled_back_block, route_parameters, walk

HUGE = "9" * 30
LONG_TEXT = "Ωé漢🙂 « déjà » \r\n" * 250
SURROGATE = "\ud800"
# name → how a value goes bad. Ids keep their shape (the digits of "approve:12" become 30 nines).
FORM_MUTATIONS = {
    "huge": lambda v: re.sub(r"\d+", HUGE, v) if re.search(r"\d", v) else HUGE,
    "negative": lambda v: re.sub(r"\d+", "-1", v) if re.search(r"\d", v) else "-1",
    "not a number": lambda v: re.sub(r"\d+", "x1", v) if re.search(r"\d", v) else "x1",
    "NUL": lambda v: v + "\x00" if v else "\x00",
    "long non-ASCII": lambda v: LONG_TEXT,
}
PATH_VALUES = {"huge": HUGE, "negative": "-1", "not a number": "x1", "NUL": "a%00b", "non-ASCII": "%C3%A9t%C3%A9"}
SOURCE = Path(__file__).resolve().parents[2] / "src" / "animateur"
READS = re.compile(
    r"""(?:GET|POST|params|data)(?:\.get|\.getlist|\.pop)?\(\s*["'](\w+)["']|(?:GET|POST)\[["'](\w+)["']"""
)


def parameter_names() -> list[str]:
    """Every name a view reads from a query string or a form, found in the views' source."""
    names: set[str] = {"next", "page", "q", "s", "id", "ids"}
    for path in SOURCE.rglob("*.py"):
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return sorted(names)


class Forms(HTMLParser):
    """The forms of a page: action, method, fields as a browser would submit them, and submit buttons.

    Controls outside a form that name it (`form="id"`) belong to it; a select sends its selected
    option, else the first that chooses something (not a « Choose... » prompt); a checkbox is sent
    as if ticked, since what it sends is what is tested.
    """

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self.current: dict[str, Any] | None = None
        self.controls: list[tuple[dict[str, Any] | str, str, str, str]] = []  # (form or its id, kind, name, value)
        self.select: tuple[dict[str, Any] | str, str, list[tuple[str, bool]]] | None = None
        self.option: list[str] | None = None  # the text of an option without a value
        self.textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = {"action": a.get("action", ""), "method": a.get("method", "get").lower()}
            self.forms.append(self.current)
            if a.get("id"):
                self.by_id[a["id"]] = self.current
            return
        if tag == "option" and self.select is not None:
            if "value" in a:
                self.select[2].append((a["value"], "selected" in a))
            else:
                self.option = []
                self.select[2].append(("", "selected" in a))
            return
        owner: dict[str, Any] | str | None = a.get("form") or self.current
        if owner is None:
            return
        name = a.get("name", "")
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag in ("input", "button") and kind in ("submit", "image"):
            self.controls.append((owner, "button", name, a.get("value", "")))
        elif not name:
            return
        elif tag == "input" and kind == "radio":
            self.controls.append((owner, "radio-checked" if "checked" in a else "radio", name, a.get("value", "on")))
        elif tag == "input" and kind == "checkbox":
            self.controls.append((owner, "field", name, a.get("value", "on")))
        elif tag == "input" and kind not in ("file", "button", "reset"):
            self.controls.append((owner, "field", name, a.get("value", "")))
        elif tag == "select":
            self.select = (owner, name, [])
        elif tag == "textarea":
            self.textarea = []
            self.controls.append((owner, "field", name, ""))

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option.append(data)
        if self.textarea is not None:
            self.textarea.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "option" and self.option is not None and self.select is not None:
            _value, selected = self.select[2][-1]
            self.select[2][-1] = ("".join(self.option).strip(), selected)
            self.option = None
        elif tag == "select" and self.select is not None:
            owner, name, options = self.select
            chosen = (
                [v for v, selected in options if selected] or [v for v, _ in options if v] or ["" if options else ""]
            )
            self.controls.append((owner, "field", name, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            owner, kind, name, _value = self.controls[-1]
            self.controls[-1] = (owner, kind, name, "".join(self.textarea))
            self.textarea = None

    def submissions(self) -> Iterator[tuple[dict[str, Any], list[tuple[str, str]], list[tuple[str, str]]]]:
        """Each form with its fields and its named submit buttons."""
        for form in self.forms:
            mine = [
                (k, n, v)
                for owner, k, n, v in self.controls
                if (self.by_id.get(owner) if isinstance(owner, str) else owner) is form
            ]
            fields = [(n, v) for k, n, v in mine if k == "field"]
            radios: dict[str, str] = {}
            for k, n, v in mine:
                if k == "radio-checked" or (k == "radio" and n not in radios):
                    radios[n] = v
            yield form, fields + list(radios.items()), [(n, v) for k, n, v in mine if k == "button" and n]


def forms_of(page_path: str, html: str) -> Iterator[tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]]:
    """(method, action path, fields, named submit buttons) of each form of the page."""
    parser = Forms()
    parser.feed(html)
    for form, fields, buttons in parser.submissions():
        action = urlsplit(urljoin("http://testserver" + page_path, form["action"]))
        if form["method"] not in ("get", "post") or action.netloc != "testserver":
            continue
        if action.path == reverse("core:logout"):
            continue  # logging out would end the session the walk runs in
        path = action.path + (f"?{action.query}" if action.query else "")
        yield form["method"], path, fields, buttons


@pytest.fixture
def world(workspace, make_user) -> dict[str, Any]:
    """The owner of a workspace in which each kind of object a URL names exists once."""
    from animateur.channels.models import Channel
    from animateur.moderation.actions.rules import do_save_rule
    from animateur.moderation.actions.sanctions import do_sanction_member
    from animateur.moderation.actions.words import do_add_watched_word
    from animateur.moderation.models import ReviewItem
    from animateur.space.actions import posts, taxonomy
    from animateur.stream.models import Message
    from tests.inbox.factories import inbound

    owner = make_user("owner@a.org", workspace, Role.OWNER)
    make_user("manager@a.org", workspace, Role.MANAGER)
    ids: dict[str, Any] = objects_of(workspace, owner)
    word = do_add_watched_word(workspace, "zut", "require_approval", actor=owner)
    held = inbound(workspace, "zut alors", name="Bea", email="bea@example.org")
    item = ReviewItem.objects.select_related("message__author__member").get(message=held)
    member = item.message.author.member
    sanction = do_sanction_member(member, "warn", "suivi", actor=owner)
    rule = do_save_rule(
        workspace,
        {"name": "Liens", "conditions": [{"field": "links", "op": "gte", "value": "1"}], "actions": [{"type": "hold"}]},
        actor=owner,
    )
    channel = Channel.objects.create(workspace=workspace, kind="rss", name="Flux", config={"url": "https://e.org/"})
    category = taxonomy.do_create_category(workspace, actor=owner, name="Ateliers")
    tag = taxonomy.do_create_tag(workspace, actor=owner, name="hiver")
    post = posts.do_create_post(workspace, actor=owner, title="Un billet", body="Bonjour.", tags=["hiver"])
    comment = Message.objects.filter(workspace=workspace, kind="comment").first()
    assert comment is not None
    ids.update(
        item_id=item.pk,
        message_id=comment.pk,
        member_id=member.pk,
        sanction_id=sanction.pk,
        word_id=word.pk,
        rule_id=rule.pk,
        pk=channel.pk,
        kind="rss",
        post_id=post.pk,
        category_id=category.pk,
        tag_id=tag.pk,
        author_id=post.author_id,
        token=ids["invitation_id"],
    )
    from animateur.api.actions import do_create_api_token

    _token, key = do_create_api_token(workspace, owner, "fuzz", actor=owner)
    return {"owner": owner, "ids": ids, "key": key}


class Walk:
    """Sends each request rolled back (every request meets the same objects) and records failures."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.problems: list[str] = []
        self.sent = 0

    def send(self, method: str, path: str, what: str, **kwargs: Any) -> int:
        self.sent += 1
        with rolled_back_block():
            try:
                response = getattr(self.client, method)(path, **kwargs)
            except Exception as exc:  # the crash is the finding: report it with the input that caused it
                transaction.set_rollback(True)
                self.problems.append(f"{method.upper()} {path[:120]} {what}: {type(exc).__name__}: {str(exc)[:160]}")
                return 500
            transaction.set_rollback(True)
        if response.status_code >= 500:
            self.problems.append(f"{method.upper()} {path[:120]} {what}: {response.status_code}")
        return response.status_code


def fill_path(route: str, ids: dict[str, Any], bad: tuple[str, str] | None = None) -> str:
    def sub(match: re.Match) -> str:
        name = match.group(2)
        if bad is not None and name == bad[0]:
            return bad[1]
        return str(ids.get(name, 1))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def site_routes(ids: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, route) of every page outside the API, the public site's regular expressions made paths."""
    routes = []
    for name, route, _view in walk():
        if route.startswith("api/"):
            continue
        if route.startswith("^"):  # re_path: the public site, with its named groups as parameters
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route).strip("^$")
            route = route.replace("(?!app/|api/|static/)[^/].*", "")
            if "(" in route or "[" in route:
                continue
        routes.append((name, route))
    return routes


def test_no_view_answers_500_to_bad_ids_nul_bytes_or_long_text(world, settings):
    ids = {**world["ids"], "year": "2011", "month": "01", "day": "06", "slug": "un-billet", "path": "ateliers"}
    ids.update(page=1, uidb64="MQ", token=ids["token"])
    run = Walk(client_for(world["owner"]))
    names = parameter_names()
    seen_forms: set[tuple[str, str, tuple[str, ...]]] = set()
    submissions: list[tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]] = []
    for name, route in site_routes(ids):
        if name == "core:logout":
            continue  # would end the session the walk runs in
        path = fill_path(route, ids)
        # The page as its links lead to it: its forms are the submissions tested below.
        with rolled_back_block():
            response = run.client.get(path)
            transaction.set_rollback(True)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for method, action, fields, buttons in forms_of(path, response.content.decode()):
                names_sent = {n for n, _ in fields} | {n for n, _ in buttons}
                signature = (method, re.sub(r"\d+", "N", action), tuple(sorted(names_sent)))
                if signature not in seen_forms:
                    seen_forms.add(signature)
                    submissions.append((method, action, fields, buttons))
        for converter, parameter in route_parameters(route):
            for kind, value in PATH_VALUES.items():
                bad_path = fill_path(route, ids, (parameter, value))
                if converter == "int" and kind != "huge" and _view_of(bad_path) != name:
                    continue  # the route's converter refuses it before its view (another view may take it)
                run.send("get", bad_path, f"{parameter}={kind}")
        # Every name any view reads, each bad in the same way; sent as the view takes its input.
        verb = "post" if response.status_code == 405 else "get"
        for kind, mutate in FORM_MUTATIONS.items():
            # Long, but short enough that a hundred of them stay a query string a browser sends.
            data = {n: mutate(str(ids.get(n, "1")))[:300] for n in names}
            run.send(verb, path, f"every parameter {kind}", data=data)
    for method, action, form_fields, buttons in submissions:
        verb = "post" if method == "post" else "get"
        # The form sent with its first button, every field bad in turn; then with each other button,
        # that button's value bad (a row's own « approve:12 »).
        for number, button in enumerate(buttons or [None]):
            fields = form_fields + ([button] if button else [])
            run.send(verb, action, "the page's form as filled", data=_as_data(fields))
            mutated = {n for n, _ in fields} if number == 0 else {button[0]} if button else set()
            shapes: set[str] = set()
            for field in sorted(mutated - {"csrfmiddlewaretoken"}):
                if re.sub(r"\d+", "N", field) in shapes:
                    continue  # the rule builder's rows (c0_value, c1_value...) are read alike: one of each
                shapes.add(re.sub(r"\d+", "N", field))
                numeric = any(n == field and re.search(r"\d", v) for n, v in fields)
                for kind, mutate in FORM_MUTATIONS.items():
                    if not numeric and kind in ("negative", "not a number"):
                        continue  # a text field: one number (huge) is enough to probe it
                    changed = [(n, mutate(v) if n == field else v) for n, v in fields]
                    run.send(verb, action, f"form field {field}: {kind}", data=_as_data(changed))
    print(f"{run.sent} requests, {len(submissions)} forms")
    assert len(submissions) > 30, "the pages' forms were not found: the walk would test little"
    assert not run.problems, f"{len(run.problems)} answers were 500:\n" + "\n".join(run.problems)


def _view_of(path: str) -> str | None:
    try:
        return resolve(path.split("?")[0]).view_name
    except Resolver404:
        return None


def _as_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


# ------------------------------------------------------------------ the API


def _json_value(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _json_body(components[schema["$ref"].rsplit("/", 1)[1]], components)
    kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    if "integer" in kinds:
        return 1
    if "boolean" in kinds:
        return False
    if "array" in kinds:
        return []
    return "ok"


def _json_body(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    return {name: _json_value(prop, components) for name, prop in schema.get("properties", {}).items()}


JSON_MUTATIONS: dict[str, Any] = {
    "huge": int(HUGE),
    "negative": -1,
    "huge as text": HUGE,
    "not a number": "x1",
    "NUL": "a\x00b",
    "lone surrogate": f"a{SURROGATE}b",
    "long non-ASCII": LONG_TEXT,
    "null": None,
    "list": [1],
}


def test_no_api_endpoint_answers_500_to_bad_ids_nul_bytes_or_lone_surrogates(world, settings):
    from animateur.api.urls import api

    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    run = Walk(Client(HTTP_AUTHORIZATION=f"Bearer {world['key']}"))
    conversation = world["ids"]["conversation_id"]
    endpoints = 0
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            endpoints += 1
            params = operation.get("parameters", [])
            in_path = [p["name"] for p in params if p["in"] == "path"]
            in_query = [p["name"] for p in params if p["in"] == "query"]
            good_path = re.sub(r"\{\w+\}", str(conversation), template)
            for name in in_path:
                for kind, value in PATH_VALUES.items():
                    path = template.replace("{" + name + "}", value)
                    path = re.sub(r"\{\w+\}", str(conversation), path)
                    run.send(method, path, f"{name}={kind}", content_type="application/json", data={})
            body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body = _json_value(body_schema, components) if body_schema else None
            for kind, value in JSON_MUTATIONS.items():
                if in_query:
                    text = "" if value is None else str(value) if not isinstance(value, list) else "1"
                    query = dict.fromkeys(in_query, text)
                    if SURROGATE in text:
                        continue  # a query string is UTF-8: it cannot carry one
                    run.send("get", good_path, f"query {kind}", data=query)
                if isinstance(body, dict):
                    for name in body:
                        payload = json.dumps({**body, name: value})
                        run.send(
                            method, good_path, f"body {name}: {kind}", data=payload, content_type="application/json"
                        )
            if body is not None:
                for raw in ("{", "[]", '"x"', '{"text": "\\u0000"}', '{"text": "\\udc00"}', "\x00"):
                    run.send(method, good_path, f"raw body {raw!r}", data=raw, content_type="application/json")
    assert endpoints >= 5
    assert not run.problems, f"{len(run.problems)} answers were 500:\n" + "\n".join(run.problems)
