"""The public addresses of publishing: a published publication's images, as its blog post shows them."""

from django.urls import path

from animateur.publishing.public_views import publication_image

urlpatterns = [
    path("<str:name>", publication_image, name="publication_image"),
]
