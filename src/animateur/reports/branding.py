"""A workspace's look in its reports: a logo, checked and redrawn as a PNG, and an accent colour.

A logo is accepted only as PNG or JPEG and is re-encoded by Pillow (a dependency of WeasyPrint):
what is stored is pixels Pillow drew itself, so no script (SVG), metadata or trailing payload a
file may carry survives. It is shown inline (a data: address) in the PDF and the shared page.
"""

from __future__ import annotations

import base64
import io
import re

from django.utils.translation import gettext as _

from animateur.core.actions import ActionError
from animateur.core.models import Workspace
from animateur.reports.models import ReportBranding

MAX_LOGO_BYTES = 1_000_000
MAX_LOGO_SIDE = 4000  # pixels: beyond, a decompression bomb rather than a logo
SHOWN_SIDE = 600  # a logo is redrawn at most this wide or high: enough for a report's header
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_ACCENT = "#2f5d8a"
LOGO_PREFIX = "data:image/png;base64,"


def checked_accent(accent: str) -> str:
    accent = (accent or "").strip()
    if accent and not ACCENT.fullmatch(accent):
        raise ActionError(_("The colour must be written #RRGGBB, for example #2f5d8a."))
    return accent.lower()


def redrawn_logo(data: bytes) -> bytes:
    """The logo as a PNG drawn anew, or ActionError saying why the file is refused."""
    if len(data) > MAX_LOGO_BYTES:
        raise ActionError(_("The logo must weigh at most 1 MB."))
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise ActionError(_("The logo must be a PNG or JPEG image."))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise ActionError(_("The logo must be a PNG or JPEG image."))
            if max(image.size) > MAX_LOGO_SIDE:
                raise ActionError(_("The logo must be at most 4000 pixels wide and high."))
            image.load()
            drawn = image.convert("RGBA")
    except ActionError:  # a ValueError too: said as it is
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ActionError(_("This file is not a readable PNG or JPEG image.")) from None
    drawn.thumbnail((SHOWN_SIDE, SHOWN_SIDE))
    out = io.BytesIO()
    drawn.save(out, format="PNG", optimize=True)
    return out.getvalue()


def branding_of(workspace: Workspace) -> ReportBranding | None:
    return ReportBranding.objects.filter(workspace=workspace).first()


def look(workspace: Workspace) -> dict[str, str]:
    """What the report's templates use: the accent colour and the logo as a data: address ("" if none)."""
    branding = branding_of(workspace)
    accent = branding.accent if branding and ACCENT.fullmatch(branding.accent or "") else ""
    logo = ""
    if branding and branding.logo:
        try:
            with branding.logo.open("rb") as stored:
                logo = LOGO_PREFIX + base64.b64encode(stored.read()).decode("ascii")
        except OSError:  # a logo file lost from the media folder: the report goes without it
            logo = ""
    return {"brand_accent": accent or DEFAULT_ACCENT, "brand_logo": logo, "brand_set": "1" if accent else ""}
