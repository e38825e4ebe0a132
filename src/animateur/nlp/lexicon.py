"""A small hand-written list of insults and slurs (French and English, accents folded).

Each token found in it adds the shape feature ``m:insult`` (and ``m:insult2`` for
a second one), so the models learn one shared weight for insults and can score
an insult they never saw in training data. Written for this project; no source.
"""

from __future__ import annotations

import re

INSULTS_EN = """
idiot idiots idiotic stupid stupidest dumb dumbass dumbest moron morons moronic imbecile cretin retard
retarded retards fool fools foolish loser losers jerk jerks asshole assholes arsehole bastard bastards
bitch bitches
bitchy cunt cunts dick dicks dickhead prick pricks twat wanker wankers douche douchebag scum scumbag
slut sluts whore whores hoe hoes skank pussy pussies fag fags faggot faggots dyke tranny nigger niggers
nigga niggas chink spic kike wetback raghead coon shithead shit shitty bullshit crap crappy fuck fucking
fucked fucker fuckers motherfucker motherfucking stfu gtfo wtf damn goddamn hell ugly fat pathetic
disgusting worthless useless trash garbage clown clowns freak freaks psycho lunatic creep creepy pervert
pig pigs vermin rat rats snake coward cowards traitor liar liars hypocrite hypocrites ignorant
"""

INSULTS_FR = """
con cons conne connes connard connards connasse connasses debile debiles abruti abrutis abrutie cretin
cretins cretine idiote idiots imbecile imbeciles cretinerie stupide stupides nul nuls nulle nulles naze
salaud salauds salope salopes salopard pute putes putain enfoire enfoires encule encules enculer batard
batards batarde merde merdeux merdique chier fdp ntm tg pd pede pedes tapette gouine bougnoule bougnoules
negro negre bicot youpin chintok raton bouffon bouffons guignol guignols clown clowns minable minables
pourri pourris pourriture ordure ordures raclure vermine dechet dechets attarde attardes mongol mongolien
gogol teube bite couille couilles trou cul garce grognasse pouffiasse poufiasse crevure crevard
degueulasse degueu immonde ignoble lache laches menteur menteurs menteuse hypocrite hypocrites taré tare
tares malade psychopathe porc porcs chienne chien chiens rat rats serpent traitre traitres ignare ignares
"""


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


INSULTS: frozenset[str] = _words(INSULTS_EN) | _words(INSULTS_FR)

# Calls to action of comment spam: self-promotion ("my channel"), requests for
# subscriptions, likes, visits or clicks, easy money. Each match adds the shape
# feature ``m:promo``, so a phrase seen rarely in training (« abonnez-vous à ma
# chaîne », "like this comment") borrows the weight the common ones ("check out",
# "subscribe") earned. Matched on the space-joined tokens of the normalised text
# (accents folded, links replaced by ``xxurl``). Written for this project.
PROMO_PHRASES_EN = (
    r"check (?:out|it out|this out|me out|my|our)", r"sub(?:scribe)? (?:to )?me",
    r"sub(?:scribe|scribed|scribing|s)?(?: 4 | for | to |4)sub",
    r"subscribe", r"subscribers?", r"(?:my|our) (?:new )?(?:channel|video|videos|vid|vids|page|blog|website|"
    r"site|music|song|songs|track|tracks|playlist|cover|covers|shop|store|app|game|account|instagram|twitter|"
    r"facebook|profile|band|mixtape|album)",
    r"follow (?:me|us)", r"add me", r"visit", r"click", r"like (?:this|my) comment", r"thumbs up (?:if|for)",
    r"give (?:it|me|this) a (?:like|thumbs up)", r"like if", r"share (?:this|it|my)", r"please (?:watch|"
    r"look|check|like|share|sub|support|help)", r"watch my", r"look at my", r"take a look", r"go to",
    r"free (?:gift|money|cards?|iphone|followers|subscribers|views|download)", r"(?:earn|make) (?:real )?money",
    r"gift cards?", r"promo code", r"discount", r"giveaway", r"work from home", r"per (?:day|hour|week)",
)  # fmt: skip
PROMO_PHRASES_FR = (
    r"abonne[rz]? - (?:vous|toi)", r"abonnez", r"abonnes? toi", r"(?:ma|notre) (?:nouvelle )?(?:chaine|video|"
    r"page|boutique)", r"mes videos", r"suivez - (?:moi|nous)", r"suivez (?:moi|nous)", r"cliquez", r"clique ici",
    r"gratuite?s?", r"gagnez", r"gagner de l ' argent", r"code promo", r"visitez", r"rejoignez", r"lien en bio",
    r"partagez",
)  # fmt: skip

PROMO_RE = re.compile(r"\b(?:" + "|".join(PROMO_PHRASES_EN + PROMO_PHRASES_FR) + r")\b")

# Plainly positive and negative words (accents folded), for sentiment: each one
# adds ``m:pos`` or ``m:neg``, so the sentiment model learns one shared weight
# for them and does not judge « belle journée » by the topics of its training
# tweets (French political tweets, mostly negative). Written for this project.
POSITIVE_WORDS: frozenset[str] = _words(
    """
merci bravo felicitations super genial geniale geniaux magnifique magnifiques belle belles beau beaux bon bonne
bonnes excellent excellente excellents parfait parfaite top chouette adore adorable aime j'aime j'adore heureux
heureuse ravi ravie content contente contents sympa formidable incroyable merveilleux merveilleuse splendide
cool bienvenue plaisir joie bonheur reussi reussie gagne gagner victoire fier fiere fiers enfin vive
thanks thank thx congrats congratulations awesome amazing great good nice love loved loves lovely beautiful
wonderful excellent perfect best fantastic happy glad enjoy enjoyed fun brilliant cute welcome win won proud
"""
)
NEGATIVE_WORDS: frozenset[str] = _words(
    """
nul nulle nuls honte honteux honteuse horrible horribles affreux affreuse deteste triste tristes colere
mauvais mauvaise mauvaises pire pires catastrophe scandale scandaleux inadmissible inacceptable degoute
degoutant marre dommage malheureusement probleme problemes echec perdu perte mort morts peur decu decue decus
mensonge mensonges menteur mepris lamentable pathetique ridicule inutile penible grave
bad worse worst terrible awful horrible hate hated hates sad angry disappointed disappointing disgusting
shame sucks sucked boring annoying pathetic ridiculous useless fail failed failure wrong poor sorry broken
lost died death dead scared afraid worried problem problems never
"""
)
