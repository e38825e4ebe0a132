from django.http import HttpRequest, HttpResponse

from animateur.core.decorators import workspace_permission


@workspace_permission("workspace.view")
def staff_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("space")
