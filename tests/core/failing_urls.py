"""The real URLs plus two views that fail, to see the 500 page a visitor gets (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from animateur.config import urls as real


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("app/fail/", fail), path("fail/", fail), *real.urlpatterns]
handler403 = real.handler403
handler404 = real.handler404
handler500 = real.handler500
