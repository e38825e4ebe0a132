"""The public site's URLs (namespace "space"), WordPress-like so that imported sites keep their links."""

from django.urls import path, re_path

from animateur.space import feeds, sitemaps, views

SLUG = r"(?P<slug>[^/]+)"
DATE = r"(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})"

app_name = "space"
urlpatterns = [
    path("", views.home, name="home"),
    path("page/<int:page>/", views.home, name="home_page"),
    path("search/", views.search, name="search"),
    path("feed/", feeds.site_feed, name="feed"),
    path("feed/atom/", feeds.site_atom, name="atom"),
    path("comments/feed/", feeds.comments_feed, name="comments_feed"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("preview/<int:post_id>/", views.preview, name="preview"),
    re_path(r"^category/(?P<path>.+)/feed/$", feeds.category_feed, name="category_feed"),
    re_path(r"^category/(?P<path>.+)/$", views.category, name="category"),
    re_path(rf"^tag/{SLUG}/feed/$", feeds.tag_feed, name="tag_feed"),
    re_path(rf"^tag/{SLUG}/$", views.tag, name="tag"),
    re_path(rf"^author/{SLUG}/$", views.author, name="author"),
    re_path(rf"^{DATE}/{SLUG}/feed/$", feeds.post_comments_feed, name="post_feed"),
    re_path(rf"^{DATE}/{SLUG}/$", views.post_detail, name="post"),
    re_path(r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$", views.month, name="month"),
    re_path(r"^(?P<path>(?!app/|api/|static/)[^/].*)/$", views.page, name="page"),
]
