"""Opinion words, negations and emoji of the sentiment model (French and English, accents folded).

Written for this project from general knowledge of how people praise and complain, in tweets and
in short reviews of products and services (« livraison rapide », « je recommande », « arnaque »,
« waste of money »): the training tweets are about politics and the news and hold few of these
words, so each word found here adds a shared feature (``s:pos``, ``s:neg``, or ``s:pos_not`` /
``s:neg_not`` when a negation comes before it in the same clause) whose weight every listed word
shares. No source list was copied. Only the sentiment model reads them (``animateur.nlp.sentiment``):
the spam and toxicity models' features are unchanged.
"""

from __future__ import annotations


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


POSITIVE: frozenset[str] = _words(
    """
merci bravo felicitations felicite super genial geniale geniaux geniales magnifique magnifiques belle belles beau
beaux bon bonne bons bonnes excellent excellente excellents excellentes parfait parfaite parfaits parfaitement top
chouette adore adorable adorables aime aimee aimer j'aime j'adore adorer heureux heureuse ravi ravie ravis
content contente contents contentes satisfait satisfaite satisfaits satisfaction sympa sympathique formidable
incroyable merveilleux merveilleuse splendide cool bienvenue plaisir joie bonheur reussi reussie reussite gagne
victoire fier fiere fiers vive recommande recommandons recommander conseille efficace efficaces rapide rapides
rapidement impeccable impeccables nickel pratique pratiques agreable agreables accueillant accueillante
chaleureux chaleureuse serviable serviables professionnel professionnelle professionnels competent competente
souriant souriante aimable aimables delicieux delicieuse delicieuses savoureux genialissime extra fabuleux
fabuleuse sublime sublimes superbe superbes qualite fiable fiables solide solides confortable confortables
propre propres ideal ideale idéal facile faciles simple utile utiles soigne soignee attentionne attentif
reactif reactive ponctuel excellemment meilleur meilleure meilleurs meilleures mieux bravissimo enchante
enchantee emerveille bluffant bluffante top-notch conquis conquise fan magique grandiose exceptionnel
exceptionnelle remarquable remarquables irreprochable bienveillant bienveillante rassurant genialement
thanks thank thx ty congrats congratulations awesome amazing great good nice love loved loves loving lovely
beautiful wonderful excellent perfect perfectly best better fantastic happy glad enjoy enjoyed enjoying fun
brilliant cute welcome win won proud recommend recommended recommending impressed impressive superb
outstanding delicious tasty friendly helpful reliable comfortable fast quick quickly easy smooth satisfied
pleased delighted favorite favourite incredible exceptional solid sturdy worth worthwhile flawless flawlessly
gorgeous stunning fabulous terrific marvelous marvellous splendid pleasant efficient responsive professional
courteous polite attentive clean spotless affordable bargain glad lucky blessed excited exciting thrilled
yay wow woohoo cool neat sweet kudos praise liked likes appreciate appreciated grateful thankful
"""
)
NEGATIVE: frozenset[str] = _words(
    """
nul nulle nuls nulles honte honteux honteuse horrible horribles affreux affreuse deteste detester triste
tristes colere mauvais mauvaise mauvaises pire pires catastrophe catastrophique scandale scandaleux
scandaleuse inadmissible inacceptable degoute degoutee degoutant degoutante marre dommage malheureusement
probleme problemes echec perdu perte mort morts peur decu decue decus decues decevant decevante decevants
decevantes deception mensonge mensonges menteur mepris lamentable pathetique ridicule inutile inutiles penible
grave arnaque arnaques arnaqueur escroc escroquerie voleur voleurs vol casse cassee casses panne defectueux
defectueuse defaut defauts rembourse remboursement retard retards retarde attente lent lente lents lentes
lenteur incompetent incompetente incompetents impoli impolie desagreable desagreables sale sales froid
injoignable fuyez fuir eviter evitez regrette regret regrets mediocre mediocres fade immangeable cher cheres
chers hors-de-prix bruyant bruyante abime abimee rayure rayures fragile fragiles plainte reclamation
insupportable inadmissibles lamentablement jamais-plus galere galeres bug bugs plante plantage crash honteusement
minable minables nullissime lamentables honteuses inquiet inquiete inquietant inquietante grave graves
triste-a-pleurer enerve enervee enervant agace agacant frustre frustrant frustrante deplorable deplorables
bad worse worst terrible terribly awful horrible hate hated hates sad angry disappointed disappointing
disappointment disgusting shame sucks sucked boring annoying annoyed pathetic ridiculous useless fail failed
failure wrong poor poorly sorry broken lost died death dead scared afraid worried problem problems scam scammed
rip-off ripoff refund refunded rude unhelpful slow late delayed delay defective faulty cheap flimsy dirty
overpriced unusable unacceptable mediocre bland stale cold noisy crap crappy garbage trash junk waste wasted
avoid horrid dreadful lousy frustrating frustrated upset unhappy unfortunately regret regretted complaint
complain complained nightmare disaster horrendous inedible misleading incompetent unprofessional unreliable
leaked leaking leaks cracked stopped damaged missing wrong mess messy hell fake ugh meh smh
"""
)
# Negations: a word of opinion after one of these, in the same clause, counts as its opposite kind
# (« pas terrible », « not good », « jamais reçu »). French « ne ... pas » is found by « pas »,
# « jamais », « plus », « rien », « aucun » or « n'... »; English by « not » and « n't ».
NEGATIONS: frozenset[str] = _words(
    """
pas jamais rien aucun aucune aucuns sans ni guere point
not no never nothing none nobody neither nor cannot without hardly barely
"""
)
# Tokens that end a clause: a negation does not reach past them.
CLAUSE_ENDS: frozenset[str] = _words(". , ; : ! ? !! ?? mais but however cependant pourtant contre")

# Emoji and emoticons of plain feeling (the tokenizer keeps each emoji as a token).
POSITIVE_EMOJI: frozenset[str] = _words(
    """
😀 😁 😂 🤣 😃 😄 😅 😆 😉 😊 😋 😎 😍 😘 🥰 😗 😙 😚 🙂 🤗 🤩 😻 😽 👍 👌 👏 🙌 💪 🎉 🥳 ✨ 🌟 ⭐ 💯 🔥
❤ ♥ 💕 💖 💗 💙 💚 💛 💜 🧡 💓 💞 💝 😇 🙏 ✅ 🏆 🥇 😺 😸 ☺
"""
)
NEGATIVE_EMOJI: frozenset[str] = _words(
    """
😞 😟 😠 😡 🤬 😢 😭 😤 😩 😫 😒 🙄 😔 😕 🙁 ☹ 😣 😖 😨 😰 😱 🤮 🤢 💩 👎 💔 😿 😾 🤦 😑 😐 😬 ❌ 🚫 ⚠
"""
)
# ASCII emoticons, as the tokenizer splits them (« :) » becomes « : » « ) »): matched on the raw text.
POSITIVE_EMOTICONS: tuple[str, ...] = (":)", ":-)", ":d", ":-d", ";)", ";-)", "<3", ":p", "=)", "^^", "xd")
NEGATIVE_EMOTICONS: tuple[str, ...] = (":(", ":-(", ":'(", ":/", ":-/", "</3", "=(", ">:(")
