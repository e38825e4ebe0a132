"""Connecting a channel « in one click »: OAuth 2.0's authorization-code flow with Meta (Facebook Pages
and Instagram professional accounts), LinkedIn, Google (YouTube) and Reddit, through the app the
workspace's owner registered once with each network (OAuthApp); and with Mastodon, whose every server
is a network of its own: there the app is registered on the manager's server at the moment they
connect (`POST /api/v1/apps`), kept in their session (encrypted) for the return from its consent screen.

Reddit's app is an « installed app »: it has no secret, and its code is exchanged with the client id
alone (HTTP Basic with an empty password); the refresh token it gives (`duration=permanent`) is what
the channel keeps, praw getting fresh access tokens with it.

The flow: the manager's browser is sent to the network's consent screen with a `state` that is signed
(it names the workspace, the user and the network, and cannot be forged) and single-use (its nonce is
kept in the session and consumed by the callback); the callback exchanges the code for tokens, asks
the network which pages, accounts or channels they open, and the manager picks those to connect.
Everything here talks to the network and writes nothing: the actions (oauth_actions.py) store.

Each network's addresses can be replaced (settings.OAUTH_ENDPOINTS, or the environment's
ANIMATEUR_OAUTH_ENDPOINTS as JSON: {"facebook": {"authorize": ..., "token": ..., "api": ...}}) so that
tests serve a local stand-in; channels connected through a replaced address read from it too.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors import failures
from animateur.channels.errors import ConnectorError, TransientError
from animateur.config.env import env_str
from animateur.core.crypto import decrypt, encrypt

STATE_SALT = "animateur.channels.oauth"
STATE_MAX_AGE = 900  # seconds from the click to the return from the consent screen
NONCES = "oauth_nonces"  # the session key of the states not yet used
PENDING = "oauth_pending"  # the session key of the pages found, waiting for the manager's pick
PENDING_MAX_AGE = 1800


@dataclass(frozen=True)
class Permission:
    scope: str
    why: Promise


@dataclass(frozen=True)
class Network:
    name: str
    label: str  # a proper name: Facebook, LinkedIn, Google
    authorize: str
    token: str
    api: str
    scopes: tuple[Permission, ...]
    console: str  # where the owner registers the app
    kinds: Promise  # what it connects, in words
    steps: tuple[Promise, ...]
    extra: dict[str, str] = field(default_factory=dict)  # more parameters for the consent screen
    per_server: bool = False  # Mastodon: the addresses are the manager's server's, the app registered there
    needs_secret: bool = True  # Reddit's installed apps have none


NETWORKS: dict[str, Network] = {
    "facebook": Network(
        "facebook",
        "Facebook",
        "https://www.facebook.com/v21.0/dialog/oauth",
        "https://graph.facebook.com/v21.0/oauth/access_token",
        "https://graph.facebook.com/v21.0",
        (
            Permission("pages_show_list", _("to list the pages you manage, so that you pick those to connect")),
            Permission("pages_read_engagement", _("to read the posts of the pages and their comments")),
            Permission("pages_read_user_content", _("to read what visitors post and to name who comments")),
            Permission("pages_manage_engagement", _("to answer, hide and delete comments from the inbox")),
            Permission("instagram_basic", _("to find the Instagram account linked to each page")),
            Permission("instagram_manage_comments", _("to read, answer, hide and delete Instagram comments")),
            Permission("pages_messaging", _("to read the pages' Messenger conversations and answer them")),
            Permission("pages_manage_metadata", _("needed by Meta to read the conversations of a page")),
            Permission("instagram_manage_messages", _("to read the Instagram direct messages and answer them")),
        ),
        "https://developers.facebook.com/apps/",
        _("Facebook Pages and the Instagram professional accounts linked to them"),
        (
            _("At developers.facebook.com › My Apps, create an app of type « Business »."),
            _(
                "Add the product « Facebook Login for Business » and, under its settings, add the address below "
                "as a valid OAuth redirect URI."
            ),
            _("In App settings › Basic, copy the App ID and the App secret into the form below."),
            _("Until Meta has reviewed the app, only its administrators and testers can connect their pages."),
        ),
    ),
    "linkedin": Network(
        "linkedin",
        "LinkedIn",
        "https://www.linkedin.com/oauth/v2/authorization",
        "https://www.linkedin.com/oauth/v2/accessToken",
        "https://api.linkedin.com/rest",
        (
            Permission(
                "rw_organization_admin",
                _("to list the pages you administer, so that you pick those to connect, and to read their mentions"),
            ),
            Permission("r_organization_social", _("to read the pages' posts and their comments")),
            Permission("w_organization_social", _("to answer and delete comments as the page")),
        ),
        "https://www.linkedin.com/developers/apps",
        _("LinkedIn organisation pages"),
        (
            _("At linkedin.com/developers › Create app, create an app linked to your company page."),
            _("Under Products, request the « Community Management API »; LinkedIn reviews the request."),
            _(
                "Under Auth, add the address below as an authorized redirect URL, then copy the Client ID and "
                "the Primary Client Secret into the form below."
            ),
        ),
    ),
    "google": Network(
        "google",
        "Google",
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/youtube/v3",
        (
            Permission(
                "https://www.googleapis.com/auth/youtube.force-ssl",
                _("to read the comments on your videos, answer them and hold or reject them"),
            ),
        ),
        "https://console.cloud.google.com/apis/credentials",
        _("YouTube channels"),
        (
            _("In the Google Cloud console, create a project and enable the « YouTube Data API v3 »."),
            _(
                "Set up the OAuth consent screen (External), then create an OAuth client ID of type « Web "
                "application » with the address below as an authorized redirect URI."
            ),
            _("Copy the client ID and the client secret into the form below."),
        ),
        {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
    ),
    "reddit": Network(
        "reddit",
        "Reddit",
        "https://www.reddit.com/api/v1/authorize",
        "https://www.reddit.com/api/v1/access_token",
        "https://oauth.reddit.com",
        (
            Permission("identity", _("to know which account connects")),
            Permission("mysubreddits", _("to list the subreddits you moderate or follow, so that you pick them")),
            Permission("read", _("to read the subreddits' posts and comments")),
            Permission("modposts", _("to remove and approve posts and comments where you moderate")),
        ),
        "https://www.reddit.com/prefs/apps",
        _("subreddits"),
        (
            _("At reddit.com/prefs/apps, create an app of type « installed app »."),
            _("Give the address below as its redirect URI."),
            _("Copy the app's id (under its name) into the form below; an installed app has no secret."),
        ),
        {"duration": "permanent"},
        needs_secret=False,
    ),
    "mastodon": Network(
        "mastodon",
        "Mastodon",
        "/oauth/authorize",
        "/oauth/token",
        "/api/v1",
        (
            Permission("read", _("to read your mentions, private mentions and the statuses you follow")),
            Permission("write", _("to answer, publish and delete your statuses from animateur")),
        ),
        "",
        _("a Mastodon account, on any server"),
        (
            _(
                "Nothing to register beforehand: animateur registers itself as an app on your server when "
                "you connect, then your server asks you to authorize it."
            ),
        ),
        per_server=True,
    ),
}
MASTODON_APP = "oauth_mastodon_app"  # the session key of the app registered on a server, until its return
MASTODON_SCOPES = "read write"


def network(name: str) -> Network | None:
    """The network, with its addresses as this installation sets them."""
    found = NETWORKS.get(name)
    if found is None:
        return None
    overrides = _overrides().get(name) or {}
    return Network(
        found.name,
        found.label,
        str(overrides.get("authorize") or found.authorize),
        str(overrides.get("token") or found.token),
        str(overrides.get("api") or found.api),
        found.scopes,
        found.console,
        found.kinds,
        found.steps,
        found.extra,
        found.per_server,
        found.needs_secret,
    )


def on_server(net: Network, server: str) -> Network:
    """A per-server network (Mastodon) with its addresses on `server` (https://mastodon.example)."""
    base = server.rstrip("/")
    return Network(
        net.name,
        net.label,
        f"{base}{net.authorize}",
        f"{base}{net.token}",
        f"{base}{net.api}",
        net.scopes,
        base,
        net.kinds,
        net.steps,
        net.extra,
        net.per_server,
        net.needs_secret,
    )


def register_on_server(net: Network, server: str, redirect_uri: str) -> tuple[str, str]:
    """Register animateur as an app on a Mastodon server (`POST /api/v1/apps`): its client id and secret."""
    answer = _call(
        net,
        "POST",
        f"{server.rstrip('/')}/api/v1/apps",
        data={
            "client_name": "animateur",
            "redirect_uris": redirect_uri,
            "scopes": MASTODON_SCOPES,
            "website": redirect_uri.split("/app/", 1)[0],
        },
    )
    if not answer.get("client_id") or not answer.get("client_secret"):
        raise failures.failure(failures.NOT_UNDERSTOOD, net.label)
    return str(answer["client_id"]), str(answer["client_secret"])


def keep_server_app(session: Any, workspace_id: int, server: str, client_id: str, client_secret: str) -> None:
    data = {"w": workspace_id, "s": server, "i": client_id, "k": client_secret, "at": timezone.now().isoformat()}
    session[MASTODON_APP] = encrypt(json.dumps(data))


def server_app(session: Any, workspace_id: int) -> tuple[str, str, str] | None:
    """The server, client id and secret registered for this workspace's connection in progress."""
    kept = session.get(MASTODON_APP)
    if not kept:
        return None
    try:
        data = json.loads(decrypt(str(kept)))
        at = datetime.fromisoformat(str(data["at"]))
    except (ValueError, KeyError, TypeError):
        return None
    if data.get("w") != workspace_id or (timezone.now() - at).total_seconds() > PENDING_MAX_AGE:
        return None
    return str(data["s"]), str(data["i"]), str(data["k"])


def _overrides() -> dict[str, Any]:
    configured = getattr(settings, "OAUTH_ENDPOINTS", None)
    if configured is None:
        try:
            configured = json.loads(env_str("ANIMATEUR_OAUTH_ENDPOINTS") or "{}")
        except ValueError:
            configured = {}
    return configured if isinstance(configured, dict) else {}


def overridden_api(net: Network) -> str:
    """The API address when this installation replaced the network's own (channels then read from it)."""
    return net.api if net.api != NETWORKS[net.name].api else ""


# -- state ------------------------------------------------------------------------------------------
def new_state(session: Any, workspace_id: int, user_id: int, network_name: str) -> str:
    nonce = secrets.token_urlsafe(16)
    session[NONCES] = [*list(session.get(NONCES) or [])[-4:], nonce]
    return signing.dumps({"w": workspace_id, "u": user_id, "n": network_name, "x": nonce}, salt=STATE_SALT)


def use_state(session: Any, state: str, workspace_id: int, user_id: int, network_name: str) -> bool:
    """Whether `state` is one we signed for this workspace, user and network, within its time, and not
    used yet; it is used up either way."""
    try:
        data = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:
        return False
    nonces = list(session.get(NONCES) or [])
    nonce = data.get("x") if isinstance(data, dict) else None
    if nonce not in nonces:
        return False
    nonces.remove(nonce)
    session[NONCES] = nonces
    return data.get("w") == workspace_id and data.get("u") == user_id and data.get("n") == network_name


def authorize_url(net: Network, client_id: str, redirect_uri: str, state: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": (" " if net.name != "facebook" else ",").join(p.scope for p in net.scopes),
        **({"scope": MASTODON_SCOPES} if net.per_server else {}),
        **net.extra,
    }
    return f"{net.authorize}{'&' if '?' in net.authorize else '?'}{urlencode(params)}"


# -- tokens -----------------------------------------------------------------------------------------
@dataclass
class Grant:
    access_token: str
    refresh_token: str = ""
    expires_at: str = ""  # ISO time, "" when the token does not expire (or the network does not say)
    refresh_expires_at: str = ""


def _in(seconds: Any) -> str:
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        return ""
    return (timezone.now() + timedelta(seconds=value)).isoformat() if value > 0 else ""


def _call(net: Network, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
    try:
        sent = {"Accept": "application/json", **(headers or {})}
        response = safe_http.fetch(url, method=method, headers=sent, **kwargs)
    except safe_http.BlockedAddress:
        raise
    except TransientError as exc:
        raise failures.failure(failures.UNREACHABLE, net.label, detail=str(exc)) from exc
    try:
        answer = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        answer = None
    if response.status >= 400:
        detail = ""
        if isinstance(answer, dict):
            error = answer.get("error")
            detail = str((error.get("message") if isinstance(error, dict) else error) or answer.get("message") or "")
            detail = f"{detail} {answer.get('error_description') or ''}".strip()
        kind = failures.REFUSED if response.status in (400, 401) else None
        raise failures.for_status(
            net.label, response.status, response.headers, detail=detail, kind=kind, credentials=_("the connection")
        )
    if not isinstance(answer, dict):
        raise failures.failure(failures.NOT_UNDERSTOOD, net.label)
    return answer


def _grant(net: Network, answer: dict[str, Any]) -> Grant:
    if not answer.get("access_token"):
        raise failures.failure(failures.NOT_UNDERSTOOD, net.label)
    return Grant(
        str(answer["access_token"]),
        str(answer.get("refresh_token") or ""),
        _in(answer.get("expires_in")),
        _in(answer.get("refresh_token_expires_in")),
    )


def _basic(client_id: str, client_secret: str) -> dict[str, str]:
    """HTTP Basic with the app's id and secret (empty for Reddit's installed apps), as Reddit asks."""
    pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def exchange_code(net: Network, client_id: str, client_secret: str, code: str, redirect_uri: str) -> Grant:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    if net.name == "reddit":
        fields = {k: v for k, v in fields.items() if k not in ("client_id", "client_secret")}
        grant = _grant(net, _call(net, "POST", net.token, data=fields, headers=_basic(client_id, client_secret)))
        return grant
    if net.per_server:
        fields["scope"] = MASTODON_SCOPES
    grant = _grant(net, _call(net, "POST", net.token, data=fields))
    if net.name == "facebook":  # a short-lived user token (hours) becomes a long-lived one (60 days)
        longer = {
            "grant_type": "fb_exchange_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "fb_exchange_token": grant.access_token,
        }
        grant = _grant(net, _call(net, "POST", net.token, data=longer))
    return grant


def refresh(net: Network, client_id: str, client_secret: str, refresh_token: str) -> Grant:
    fields = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    grant = _grant(net, _call(net, "POST", net.token, data=fields))
    grant.refresh_token = grant.refresh_token or refresh_token
    return grant


# -- what the grant opens ---------------------------------------------------------------------------
@dataclass
class Choice:
    """A page, account or channel the grant opens, as the channel it would become."""

    kind: str
    key: str  # the config field naming it (page_id, ig_user_id...)
    value: str
    name: str
    config: dict[str, Any]
    secrets: dict[str, str]
    expires_at: str = ""


def discover(net: Network, grant: Grant, client_id: str, client_secret: str) -> list[Choice]:
    """The pages, accounts or channels this grant opens."""
    bearer = {"Authorization": f"Bearer {grant.access_token}"}
    if net.per_server:
        return _mastodon_account(net, grant, bearer)
    api = overridden_api(net)
    if net.name == "reddit":
        return _subreddits(net, grant, client_id, bearer)
    if net.name == "facebook":
        fields = "id,name,access_token,instagram_business_account{id,username}"
        answer = _call(
            net, "GET", f"{net.api}/me/accounts?{urlencode({'fields': fields, 'limit': 100})}", headers=bearer
        )
        found: list[Choice] = []
        for page in answer.get("data") or []:
            if not isinstance(page, dict) or not page.get("id") or not page.get("access_token"):
                continue
            graph = {"graph_url": api} if api else {}
            page_id, token = str(page["id"]), str(page["access_token"])
            found.append(
                Choice(
                    "facebook",
                    "page_id",
                    page_id,
                    str(page.get("name") or page_id),
                    {"page_id": page_id, "read_messages": True, "read_ratings": True, **graph},
                    {"page_access_token": token},
                )
            )
            ig = page.get("instagram_business_account")
            if isinstance(ig, dict) and ig.get("id"):
                username = str(ig.get("username") or "")
                found.append(
                    Choice(
                        "instagram",
                        "ig_user_id",
                        str(ig["id"]),
                        f"@{username}" if username else str(ig["id"]),
                        {
                            "ig_user_id": str(ig["id"]),
                            "ig_username": username,
                            "page_id": page_id,
                            "read_messages": True,
                            **graph,
                        },
                        {"access_token": token},
                    )
                )
        return found
    if net.name == "linkedin":
        headers = {**bearer, "LinkedIn-Version": "202411", "X-Restli-Protocol-Version": "2.0.0"}
        query = urlencode({"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"})
        answer = _call(net, "GET", f"{net.api}/organizationAcls?{query}", headers=headers)
        found = []
        for acl in answer.get("elements") or []:
            urn = str(acl.get("organization") or "") if isinstance(acl, dict) else ""
            ident = urn.rpartition(":")[2]
            if not urn.startswith("urn:li:organization:") or not ident.isdigit():
                continue
            try:
                org = _call(net, "GET", f"{net.api}/organizations/{quote(ident)}", headers=headers)
            except ConnectorError:
                org = {}
            found.append(
                Choice(
                    "linkedin",
                    "organization_id",
                    ident,
                    str(org.get("localizedName") or ident),
                    {"organization_id": ident, "read_mentions": True, **({"api_url": api} if api else {})},
                    {"access_token": grant.access_token, "refresh_token": grant.refresh_token},
                    grant.expires_at,
                )
            )
        return found
    answer = _call(net, "GET", f"{net.api}/channels?{urlencode({'part': 'snippet', 'mine': 'true'})}", headers=bearer)
    found = []
    for item in answer.get("items") or []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        snippet = item.get("snippet") if isinstance(item.get("snippet"), dict) else {}
        config: dict[str, Any] = {"channel_id": str(item["id"]), "client_id": client_id}
        if api:
            config.update(api_url=api, token_url=net.token)
        found.append(
            Choice(
                "youtube",
                "channel_id",
                str(item["id"]),
                str((snippet or {}).get("title") or item["id"]),
                config,
                {"refresh_token": grant.refresh_token, "client_secret": client_secret}
                if grant.refresh_token
                else {"access_token": grant.access_token},
                "" if grant.refresh_token else grant.expires_at,
            )
        )
    return found


def _mastodon_account(net: Network, grant: Grant, bearer: dict[str, str]) -> list[Choice]:
    me = _call(net, "GET", f"{net.api}/accounts/verify_credentials", headers=bearer)
    if not me.get("id") or not me.get("acct"):
        raise failures.failure(failures.NOT_UNDERSTOOD, net.label)
    server = net.console  # on_server keeps the server's address there
    host = urlsplit(server).hostname or server
    url = str(me.get("url") or f"{server}/@{me['acct']}")
    config = {"api_base_url": server, "account_url": url, "account_id": str(me["id"]), "acct": str(me["acct"])}
    return [
        Choice("mastodon", "account_url", url, f"@{me['acct']}@{host}", config, {"access_token": grant.access_token})
    ]


def _subreddits(net: Network, grant: Grant, client_id: str, bearer: dict[str, str]) -> list[Choice]:
    """The subreddits the account moderates, then those it follows: each a channel to pick."""
    me = _call(net, "GET", f"{net.api}/api/v1/me", headers=bearer)
    username = str(me.get("name") or "")
    if not username:
        raise failures.failure(failures.NOT_UNDERSTOOD, net.label)
    found: list[Choice] = []
    seen: set[str] = set()
    for where, moderator in (("moderator", True), ("subscriber", False)):
        listing = _call(net, "GET", f"{net.api}/subreddits/mine/{where}?limit=100&raw_json=1", headers=bearer)
        children = (listing.get("data") or {}).get("children") if isinstance(listing.get("data"), dict) else None
        for child in children or []:
            data = child.get("data") if isinstance(child, dict) else None
            name = str((data or {}).get("display_name") or "")
            if not name or name.lower() in seen:
                continue
            seen.add(name.lower())
            config = {"subreddit": name, "client_id": client_id, "username": username, "moderator": moderator}
            found.append(
                Choice("reddit", "subreddit", name, f"r/{name}", config, {"refresh_token": grant.refresh_token})
            )
    return found


def keep_pending(session: Any, workspace_id: int, network_name: str, choices: list[Choice]) -> None:
    """The choices, encrypted (they carry tokens), until the manager picks."""
    data = {"w": workspace_id, "n": network_name, "at": timezone.now().isoformat(), "c": [asdict(c) for c in choices]}
    session[PENDING] = encrypt(json.dumps(data))


def pending(session: Any, workspace_id: int, network_name: str) -> list[Choice] | None:
    kept = session.get(PENDING)
    if not kept:
        return None
    try:
        data = json.loads(decrypt(str(kept)))
        at = datetime.fromisoformat(str(data["at"]))
    except (ValueError, KeyError, TypeError):
        return None
    if data.get("w") != workspace_id or data.get("n") != network_name:
        return None
    if (timezone.now() - at).total_seconds() > PENDING_MAX_AGE:
        return None
    return [Choice(**c) for c in data.get("c") or []]


def forget_pending(session: Any) -> None:
    session.pop(PENDING, None)


def described(choice: Choice) -> str:
    kinds = {"facebook": gettext("Facebook Page"), "instagram": gettext("Instagram account")}
    kinds.update(linkedin=gettext("LinkedIn page"), youtube=gettext("YouTube channel"))
    kinds.update(mastodon=gettext("Mastodon account"), reddit=gettext("Subreddit"))
    return f"{kinds.get(choice.kind, choice.kind)} · {choice.name}"
