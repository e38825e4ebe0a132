"""Ready-made lists of watched words, so that a new community is guarded from its first day.

Insults aimed at people and slurs, in French and English, written for this project from
general knowledge (no source). Left out on purpose: mild swearing (« merde », « damn »),
words with an everyday meaning (« nul », « chien », « guignol », « loser ») and wildcards that
would reach ordinary words (« con* » would find « conseil », « mongol* » « Mongolie »). Matching
ignores case, accents and leetspeak, so « debile* » finds « DÉBILES » and « d3bile ». Once added,
they are the workspace's own watched words, to edit or remove one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from animateur.moderation.models import WordAction

# A list is added with one action that needs no label or replacement.
STARTER_ACTIONS = (WordAction.REQUIRE_APPROVAL, WordAction.FLAG, WordAction.CENSOR, WordAction.BLOCK)


@dataclass(frozen=True)
class StarterList:
    label: str | Promise
    patterns: tuple[str, ...]


def _patterns(block: str) -> tuple[str, ...]:
    """One pattern a line (a phrase keeps its spaces)."""
    return tuple(line.strip() for line in block.strip().splitlines() if line.strip())


STARTER_LISTS: dict[str, StarterList] = {
    "insults_fr": StarterList(
        _("Insults and slurs (French)"),
        _patterns(
            """
            abruti*
            con
            conne
            connes
            connard*
            connasse*
            crétin*
            débile*
            imbécile*
            idiot
            idiots
            idiote*
            enfoiré*
            enculé*
            salaud*
            salope*
            salopard*
            pétasse*
            pouffiasse*
            poufiasse*
            grognasse*
            bâtard*
            bouffon*
            minable*
            tocard*
            crevure*
            raclure*
            ordure*
            pourriture*
            sous-merde*
            attardé*
            mongolien*
            taré
            tarés
            tarée*
            fdp
            ntm
            fils de pute
            ta gueule
            nique ta mère
            va te faire foutre
            pédé*
            gouine*
            bougnoule*
            youpin*
            négro*
            """
        ),
    ),
    "insults_en": StarterList(
        _("Insults and slurs (English)"),
        _patterns(
            """
            idiot
            idiots
            moron*
            imbecile*
            cretin*
            retard
            retards
            retarded
            dumbass*
            jackass*
            asshole*
            arsehole*
            bastard*
            bitch*
            cunt*
            dickhead*
            douchebag*
            motherfucker*
            fuck you
            fuck off
            stfu
            kys
            kill yourself
            scumbag*
            twat*
            wanker*
            prick
            pricks
            slut*
            whore*
            faggot*
            fag
            fags
            nigger*
            nigga*
            kike*
            tranny*
            wetback*
            raghead*
            """
        ),
    ),
}
