"""A small hand-written list of insults and slurs (French and English, accents folded).

Each token found in it adds the shape feature ``m:insult`` (and ``m:insult2`` for
a second one), so the models learn one shared weight for insults and can score
an insult they never saw in training data. Written for this project; no source.
"""

from __future__ import annotations

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
