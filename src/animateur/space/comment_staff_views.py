"""Comment moderation pages for the team (to be written)."""

from django.http import HttpRequest, HttpResponse

from animateur.core.decorators import workspace_permission


@workspace_permission("space.comment.moderate")
def comments(request: HttpRequest) -> HttpResponse:
    return HttpResponse("comments")


@workspace_permission("space.comment.moderate")
def comments_bulk(request: HttpRequest) -> HttpResponse:
    return HttpResponse("bulk")


@workspace_permission("space.comment.reply")
def comment_reply(request: HttpRequest, message_id: int) -> HttpResponse:
    return HttpResponse("reply")
