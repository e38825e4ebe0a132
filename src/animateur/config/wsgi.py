import os

from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
django_application = get_wsgi_application()
# Cached public pages are answered in front of Django (named, not imported: the front belongs to
# a layer above this one).
application = import_string("animateur.space.front.PageCacheFront")(django_application)
