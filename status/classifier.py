"""What one page says about kratom's legal status, with the sentences that say it.

`classify(text)` and `classify_html(html)` return a `Finding`: a status from the DESIGN
vocabulary for the leaf and for 7-OH (the headline is `derive_status` of the two), the evidence
sentences, the substances covered, conditions (minimum age, licensing, labelling, ...) and the
explanation: which named rule fired on which sentence.

How a page is read, in order (each step is a short function below):

1. **Normalise** the text: drop NUL/control/bidi/zero-width characters, undo PDF hyphenation
   ("mitra-\\ngynine"), join wrapped lines.
2. **Split** it into sentences the way statutes are written: "(a)", "§ 20-2-23.", list items,
   semicolons in schedules. A list item remembers its lead-in ("...the following:") and, when it
   is a bare name ("(31) Mitragynine;"), the schedule heading above it ("Schedule I").
3. **Candidates**: only sentences naming a kratom term (or list items whose lead-in does). Short
   link-like fragments ("Kratom", "Kratom laws") outside a list are navigation and are skipped.
4. **Rules** (`RULES`, read top to bottom) run on each candidate. A rule is a name, an effect and
   a regular expression. Within one sentence: non-law wording (a bill, "would", a study) or a
   definition neutralises everything; a negation or a repeal cancels that sentence's ban; a
   regulation word (age, label, licence, cap, ...) turns a "shall not sell" into a restriction.
5. **Page**: a page that is a bill or resolution (and not marked enacted) counts as non-law.
   Per substance side (leaf: kratom, the plant, mitragynine; 7-OH: 7-hydroxymitragynine,
   synthetics, concentrates; "kratom" counts for both), the strongest claim wins
   (banned > restricted > legal); a repeal cancels earlier (or past-tense) bans of the same side;
   an explicit exemption of the leaf ("does not apply to kratom leaf") narrows bans that also
   name 7-OH-side substances to the 7-OH side; weak claims (non-law, history, federal-only
   negations) count only when nothing else does. No claim at all means `unknown`: the
   classifier prefers saying nothing to guessing.

Substances follow `vocabulary.SUBSTANCES`: "mitragynine pseudoindoxyl" and "mitragynine-related
compounds" count as `synthetic`; "kratom extract" and "concentrated 7-OH" as `concentrates`.
Page titles (mostly capitalised words) and questions are not read as claims.

To extend it, add a `Rule` to `RULES` with a name, an effect, a pattern and a one-line reason;
tests/test_classifier.py has a fixture per kind of page.

Hints (optional, per source):

- `assume_enacted` (bool): the page is enacted law (a code or statute page), so bill-page markers
  (a "House Bill" history line, "introduced") do not turn it into non-law.
- `jurisdiction_terms` (list of str, e.g. `["Alabama", "this state"]`): on pages that discuss
  several places, claims from sentences naming one of these terms outrank the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from status.vocabulary import CONDITIONS, STATUSES, SUBSTANCES, derive_status

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "classify",
    "classify_html",
    "html_to_text",
    "mentions_kratom",
    "sentences",
    "substances_in",
]

# --------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------

_F = re.IGNORECASE
_SEVEN_OH = r"(?<![\w.-])7\s?-?\s?(?:oh\b(?:-mit\b)?|hydroxy\s?-?\s?mitragynines?\b)"
_PSEUDO = r"\bmitragynine[\s-]*pseudoindoxyl\b"
_MITRAGYNINE = r"(?<!hydroxy )(?<![\w-])mitragynines?\b(?![\s-]*pseudoindoxyl)"
_LEAF = (
    r"(?<!non-)(?<!non)\bkratoms?\b|\bmitragyna\b|\bm\.\s?speciosa\b|\bketum\b|\bkratum\b"
    r"|\bkrathom\b|\bkakuam\b|\bbiak[- ]biak\b"
)
KRATOM_TERM = re.compile("|".join((_SEVEN_OH, _PSEUDO, _MITRAGYNINE, _LEAF)), _F)
_TERM_HINTS = (
    "kratom",
    "mitragyn",
    "hydroxy",
    "7-oh",
    "7oh",
    "7 oh",
    "speciosa",
    "ketum",
    "kratum",
    "krathom",
    "kakuam",
    "biak",
)


def mentions_kratom(text: str) -> bool:
    """Whether the text names a kratom term. The regular expression only runs on small windows
    around cheap substring hits, so a megabyte of text costs milliseconds."""
    low = text.lower()
    for hint in _TERM_HINTS:
        start, tries = low.find(hint), 0
        while start != -1:
            if tries == 200:  # a run of near-misses ("kratomkratom..."): one pass instead
                return bool(KRATOM_TERM.search(text, max(0, start - 12)))
            if KRATOM_TERM.search(text, max(0, start - 12), start + 40):
                return True
            start, tries = low.find(hint, start + 1), tries + 1
    return False


_RE_SEVEN_OH = re.compile(_SEVEN_OH, _F)
_RE_PSEUDO = re.compile(_PSEUDO, _F)
_RE_MITRAGYNINE = re.compile(_MITRAGYNINE, _F)
_RE_LEAF = re.compile(_LEAF, _F)
# "kratom extract", "concentrated 7-OH": the object is a concentrate, not the leaf.
_RE_CONCENTRATE = re.compile(
    r"\b(?:isolated|concentrated|enhanced)\b[^.;]{0,80}?\b(?:kratom|7\s?-?\s?oh"
    r"|7-hydroxymitragynine|mitragynine)\b"
    r"|\bkratom\s+(?:extracts?|concentrates?|isolates?)\b"
    r"|\b(?:extracts?|concentrates?|isolates?)\s+of\s+kratom\b",
    _F,
)
_RE_SYNTHETIC = re.compile(
    r"\b(?:semi-?)?synthetic(?:ally)?(?:[- ](?:derived|produced|made))?\s+"
    r"(?:kratom|mitragynine|7\s?-?\s?oh|7-hydroxymitragynine|alkaloids?|analogues?)\b"
    r"|\bmitragynine[- ]related(?: compounds?)?\b|\bmitragynine (?:derivatives?|analogu?es?)\b"
    r"|\b(?:derivatives?|analogu?es?) of mitragynine\b"
    r"|\b(?:derivative|synthetic|modified|altered|chemically altered) (?:forms?|versions?) of "
    r"kratom\b",
    _F,
)
# "7-OH, a compound found in kratom": a component is named, not the plant.
_RE_COMPONENT = re.compile(
    r"\b(?:compounds?|alkaloids?|constituents?|components?|derivatives?|chemicals?)\s+"
    r"(?:\w+\s+){0,3}?(?:found|present|derived|extracted|isolated|made|occurring)\s+(?:in|from)\s+"
    r"(?:the\s+)?(?:plant\s+|leaf\s+|leaves\s+of\s+)?(?:kratom|mitragyna speciosa)\b"
    r"|\b(?:derived|extracted|isolated|made)\s+from\s+(?:the\s+)?kratom\b",
    _F,
)
_LEAF_SIDE = frozenset({"leaf", "mitragynine"})
_SEVEN_OH_SIDE = frozenset({"7-hydroxymitragynine", "synthetic", "concentrates"})


def substances_in(text: str) -> set[str]:
    """The vocabulary substances a piece of text names.

    Concentrate and synthetic phrases are taken out before looking for the leaf, so that
    "kratom extract" counts as a concentrate and not as the plant.
    """
    found: set[str] = set()
    if _RE_SEVEN_OH.search(text):
        found.add("7-hydroxymitragynine")
    if _RE_PSEUDO.search(text):
        found.add("synthetic")
    rest = text
    if _RE_CONCENTRATE.search(rest):
        found.add("concentrates")
        rest = _RE_CONCENTRATE.sub(" ", rest)
    if _RE_SYNTHETIC.search(rest):
        found.add("synthetic")
        rest = _RE_SYNTHETIC.sub(" ", rest)
    if found:
        rest = _RE_COMPONENT.sub(" ", rest)
    if _RE_LEAF.search(rest):
        found.add("leaf")
    if _RE_MITRAGYNINE.search(rest):
        found.add("mitragynine")
    return found


# --------------------------------------------------------------------------------------------
# Rules: read top to bottom. Each is a name, an effect and a pattern, with the reason.
# --------------------------------------------------------------------------------------------

PENDING = "pending"  # not law: a bill, a proposal, a study, a failed measure
DEFINITION = "definition"  # a definition is not an operative provision
HISTORY = "history"  # describes a past state ("previously", "had been")
REPEAL = "repeal"  # takes kratom out of a schedule or repeals a ban
LEGAL = "legal"  # says kratom is not controlled / remains legal / no law
EXEMPT = "exempt"  # exempts the leaf or naturally occurring alkaloids (7-OH-only rules)
SCHEDULE = "schedule"  # lists the substance as controlled: a hard ban
BAN = "ban"  # prohibition wording: a ban unless a regulation word qualifies it
RESTRICT = "restrict"  # regulation: age, label, licence, cap, prescription, ...
NOTE = "note"  # records a condition only (possession offence or not)
EFFECTS = (PENDING, DEFINITION, HISTORY, REPEAL, LEGAL, EXEMPT, SCHEDULE, BAN, RESTRICT, NOTE)


@dataclass(frozen=True)
class Rule:
    """One readable rule: when `pattern` matches a candidate sentence, `effect` applies.

    `condition` names the vocabulary condition the rule sets (its value comes from
    `_condition_value`). `softens` says which bans a restriction qualifies in its sentence:
    "prohibition" ("shall not sell ... to a person under 21"), "leaf-prohibition" (only when the
    sentence covers the leaf: a 2% cap or a purity rule on kratom products, while "products with
    synthetic 7-OH are unlawful" stays a ban) or "all" (prescription-only beats a schedule).
    """

    name: str
    effect: str
    pattern: re.Pattern[str] | _AgePattern
    why: str
    condition: str | None = None
    softens: str = "prohibition"

    @property
    def reads_context(self) -> bool:
        """Bans, regulations and non-law wording read a list item with its lead-in ("A dealer
        may not sell: (a) to a person under 21"); negations, repeals, exemptions, history and
        definitions read the sentence alone, so a lead-in's "not included in Categories 1 to 4"
        does not negate its items."""
        return self.effect not in (LEGAL, REPEAL, EXEMPT, HISTORY, DEFINITION)


def _rule(name: str, effect: str, pattern: str | _AgePattern, why: str, **extra: Any) -> Rule:
    """A Rule with its pattern compiled case-insensitively."""
    assert effect in EFFECTS, effect
    compiled = re.compile(pattern, _F) if isinstance(pattern, str) else pattern
    return Rule(name, effect, compiled, why, **extra)


_WORD_AGES = {
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-one": 21,
    "twenty-two": 22,
    "twenty-three": 23,
    "twenty-four": 24,
    "twenty-five": 25,
}
_N = (
    r"(?P<n>\d{2}|sixteen|seventeen|eighteen|nineteen"
    r"|twenty(?:[- ]?(?:one|two|three|four|five))?)(?:\s*\(\d{2}\))?"
)
_PEOPLE = (
    r"(?:persons?|individuals?|people|anyone|any ?one|purchasers?|customers?|buyers?|consumers?"
    r"|minors?|those|someone|children|youths?|patrons?)"
)
# Each alternative keeps the number in group "n"; tried in order, the first hit wins.
_AGE_PATTERNS = tuple(
    re.compile(p, _F)
    for p in (
        rf"\b(?:under|younger than|less than|below|over|older than|at least|aged?)\s+"
        rf"(?:the\s+)?(?:age\s+of\s+)?{_N}\s*(?:years?|yrs?)\b",
        rf"\b(?:under|younger than|below|over|above|at least|reached|attained)\s+"
        rf"(?:the\s+)?age\s+(?:of\s+)?{_N}",
        rf"\b{_N}\s+years?\s+(?:of\s+age\s+|old\s+)?(?:or|and)\s+(?:older|over|above|up)\b",
        rf"\b{_N}\s+years?\s+of\s+age\b",
        rf"\b{_PEOPLE}\s+(?:who\s+(?:is|are)\s+)?(?:under|younger than|below|over|aged)\s+{_N}"
        r"(?!\s*(?:u\.?s|c\.?f|%|percent|mg|-))",
        rf"\b(?:adults?|ages?)\s+{_N}\s*(?:\+|and\s+(?:over|older|up)|or\s+(?:over|older))",
        r"(?<![\w.§-])(?P<n>1[6-9]|2[0-5])\+(?!\d)",
        rf"\b(?:minimum|legal)\s+(?:purchase\s+|purchasing\s+|legal\s+)?age\s+"
        rf"(?:of|is|to|at|for)?\s*{_N}",
        rf"\bage\s+(?:limit|requirement|restriction)\s+(?:of|is|to|at)\s+{_N}",
    )
)


class _AgePattern:
    """Quacks like a compiled pattern so the age rule sits in RULES with the others."""

    pattern = "minimum-age phrases (see _AGE_PATTERNS)"

    def search(self, text: str) -> re.Match[str] | None:
        for pattern in _AGE_PATTERNS:
            for match in pattern.finditer(text):
                if _age_value(match) is not None:
                    return match
        return None


def _age_value(match: re.Match[str]) -> int | None:
    """The age a match states, if it is a plausible minimum age (16-25)."""
    raw = re.sub(r"\s+", "-", match.group("n").lower())
    value = int(raw) if raw.isdigit() else _WORD_AGES.get(raw.replace("twentyone", "twenty-one"))
    if value is None and raw.startswith("twenty") and len(raw) > 6:
        value = _WORD_AGES.get("twenty-" + raw.removeprefix("twenty").strip("-"))
    return value if value is not None and 16 <= value <= 25 else None


_CAP_UNIT = r"(?:%|\s?(?:percent|per cent|mg|milligrams?)\b)"
_CAP_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "ten": "10"}
_CAP_NUMBER = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|ten)"
_CAP_SUBJECT = r"(?:7\s?-?\s?oh\b|hydroxymitragynine|mitragynine|alkaloid)"
_CAP = (
    rf"{_CAP_SUBJECT}[^;]{{0,120}}?\b{_CAP_NUMBER}{_CAP_UNIT}"
    rf"|\b{_CAP_NUMBER}{_CAP_UNIT}[^;]{{0,120}}?{_CAP_SUBJECT}"
)
_SELL_VERBS = (
    r"(?:sell|distribute|possess|manufacture|import|export|supply|deliver|offer|purchase|use"
    r"|produce|cultivate|grow|prepare|expose|market|advertise|furnish|give|dispense|transfer"
    r"|trade|buy|provide)"
)
_SOLD = (
    r"(?:sold|distributed|possessed|manufactured|imported|supplied|offered|delivered|furnished"
    r"|given|marketed|dispensed|purchased|provided)"
)

RULES: tuple[Rule, ...] = (
    # --- not law: these make a sentence say nothing about the law in force ------------------
    _rule(
        "bill_or_proposal",
        PENDING,
        r"\ba bill\b|\bto be entitled\b|\bbill (?:would|seeks|aims|proposes)\b"
        r"|\bif (?:it is |it )?(?:passed|enacted|signed|approved|adopted)\b"
        r"|\bpropos(?:e|ed|es|al|als|ing)\b|\b(?:current|latest|the) draft\b"
        r"|\bdraft (?:bill|law|rule|act|regulation)s?\b",
        "A bill or a proposal is not law until enacted.",
    ),
    _rule(
        "introduced",
        PENDING,
        r"\b(?:was|were|been|is|are|being|be)\s+(?:re-?|pre-?)?(?:introduced|filed|pre-?filed)\b"
        r"|\bintroduced\s+(?:in|by|on|to|into)\s+(?:the\s+)?(?:house|senate|assembly"
        r"|legislature|general assembly|congress|parliament|committee|\d)"
        r"|\bstatus:?\s*(?:introduced|pending|in committee|referred)\b",
        "An introduced bill has not passed.",
    ),
    _rule(
        "hypothetical",
        PENDING,
        r"\bwould\s+(?:\w+\s+){0,2}?(?:ban|make|add|prohibit|classify|schedule|criminali[sz]e"
        r"|regulate|place|list|require|restrict|outlaw|impose|raise|set|establish|allow"
        r"|legali[sz]e|repeal|remove|limit|bar)\b"
        r"|\b(?:could|might|may|should)\s+(?:soon\s+)?(?:be|become)\s+(?:\w+\s+)?(?:banned"
        r"|scheduled|prohibited"
        r"|illegal|outlawed|regulated|restricted|controlled)\b"
        r"|\bconsider(?:s|ed|ing)?\s+(?:a\s+|an\s+)?(?:ban|banning|adding|scheduling"
        r"|legislation|whether|regulating|a bill|placing)\b"
        r"|\bintent(?:ion)?s?\s+to\s+(?:ban|schedule|prohibit|add|place|list|outlaw)\b"
        r"|\b(?:seeks?|aims?|plans?|intends?|wants?)\s+to\s+(?:ban|schedule|prohibit|regulate"
        r"|restrict|add|place|list|criminali[sz]e|outlaw)\b|\bnotice of intent\b",
        "'Would', 'could', 'plans to': a possibility, not a rule in force.",
    ),
    _rule(
        "study_or_resolution",
        PENDING,
        r"\bstud(?:y|ies|ying|ied)\b|\bresolution\b|\bresolved\b|\bwhereas\b|\btask force\b"
        r"|\bworking group\b|\binterim committee\b"
        r"|\b(?:urg|request|encourag|recommend|petition)\w*\s+(?:that|the|to|a|an|congress|all"
        r"|state|federal|further|lawmakers|legislators|governor|department|agencies)\b"
        r"|\bcall(?:s|ed|ing)?\s+(?:on|upon|for|to)\b",
        "A study, a resolution or an appeal asks for action; it does not regulate.",
    ),
    _rule(
        "failed_or_pending",
        PENDING,
        r"\bdied\b|\bfailed\b|\bveto(?:ed|es)?\b|\bwithdr[ae]wn?\b|\btabled\b"
        r"|\bdid not (?:pass|advance|become law)\b|\bnever (?:passed|became law|took effect)\b"
        r"|\bnot (?:been )?enacted\b|\bstalled\b|\bdefeated\b|\bpending\b|\breferred to\b"
        r"|\bfirst reading\b|\bin committee\b|\bcarried over\b|\bawaiting\b",
        "A measure that died, failed, was vetoed or is still pending is not law.",
    ),
    _rule(
        "definition",
        DEFINITION,
        r"^\W{0,3}(?:\(?\w{1,4}[.)]\s+)?[\"'“‘][^\"'”’]{1,60}[\"'”’]\s*,?\s+(?:means|includes"
        r"|refers to)\b|^\W{0,3}(?:\(?\w{1,4}[.)]\s+)?[A-Z][\w -]{1,40}\s+means\b"
        r"|\bthe term\b[^.;]{0,60}\bmeans\b",
        "A definition says what a word means, not what is allowed.",
    ),
    _rule(
        "history",
        HISTORY,
        r"\bpreviously\b|\bformerly\b|\bused to be\b|\bback in (?:\w+ )?\d{4}\b"
        r"|\bhad\s+(?:already\s+|previously\s+|once\s+)?(?:been|banned|made|placed|listed"
        r"|scheduled|classified|prohibited|outlawed)\b"
        r"|\bonce\s+(?:was\s+|were\s+)?(?:outlawed|banned|illegal|listed|scheduled|classified"
        r"|prohibited)\b|\b(?:was|were)\b[^.;]{0,60}?\buntil\b|\bfrom \d{4} (?:to|until) \d{4}\b",
        "Describes how things were, not how they are.",
    ),
    _rule(
        "other_jurisdictions",
        PENDING,
        r"\b(?:unlike|like)\s+(?:the\s+|many\s+|some\s+|other\s+)?(?:\w+\s+)?(?:states|countries"
        r"|jurisdictions)\b|\b(?:other|some|several|many|most|six|seven|five)\s+(?:other\s+)?"
        r"(?:states|countries)\s+(?:that\s+)?(?:have\s+)?(?:already\s+)?(?:banned|ban|classify"
        r"|list|schedule|prohibit|outlaw)"
        r"|\b(?:states|countries) that (?:have )?(?:banned|ban|classify|list|schedule|prohibit"
        r"|outlaw)",
        "About other states or countries ('unlike states that ban it'), not this one.",
    ),
    # --- repeal and negation: these make a page legal, never banned -------------------------
    _rule(
        "repealed",
        REPEAL,
        r"\brepeal(?:ed|s|ing)?\b|\brescind(?:ed|s)?\b|\bstricken\b|\bannull?ed\b"
        r"|\boverturned\b|\binvalidated\b",
        "A repealed provision is no longer law.",
    ),
    _rule(
        "delisted",
        REPEAL,
        r"\bremov(?:ed|es|ing)\b[^.;]{0,80}?\bfrom\b[^.;]{0,40}?\b(?:schedules?|lists?|category"
        r"|class|narcotics?|controlled|prohibited|register)\b"
        r"|\bde-?(?:list|schedul)\w*|\bdecriminali[sz]\w*|\blegali[sz](?:ed|es|ing|ation)\b"
        r"|\bno longer\s+(?:\w+\s+){0,3}?(?:controlled|scheduled|listed|illegal|banned"
        r"|prohibited|narcotics?|considered)\b",
        "Taken out of a schedule or narcotics list: the listing no longer applies.",
    ),
    _rule(
        "not_controlled",
        LEGAL,
        r"\b(?:is|are|was|remains?|has|have)\s+not\s+(?:been\s+)?(?:currently\s+|presently\s+"
        r"|yet\s+|federally\s+|otherwise\s+)?(?:a\s+|an\s+)?(?:federally\s+)?(?:controlled"
        r"|scheduled|listed|included|placed|illegal|ban(?:ned)?|prohibited|outlawed|classified"
        r"|designated|considered\s+(?:a|an)\s+(?:controlled|narcotic|illegal))\b"
        r"|\b(?:isn't|aren't|wasn't|isn’t|aren’t)\s+(?:a\s+)?(?:controlled|scheduled|listed"
        r"|illegal|banned|prohibited)\b|\bnot\s+(?:a\s+)?(?:controlled|scheduled)\s+"
        r"(?:substance|drug|narcotic)s?\b"
        r"|\bnot\s+(?:subject to|covered by|affected by)\s+(?:the\s+|this\s+)?(?:ban|rule"
        r"|prohibition|controlled|narcotic|drug|schedul)",
        "Says in so many words that kratom is not controlled or not banned.",
    ),
    _rule(
        "remains_legal",
        LEGAL,
        r"\b(?:remains?|is|are|stays?|was made|became|be)\s+(?:fully\s+|currently\s+|still\s+"
        r"|completely\s+|perfectly\s+|entirely\s+|now\s+|generally\s+|also\s+)?(?:legal|lawful"
        r"|unregulated|uncontrolled|unscheduled|unrestricted|permitted|allowed)\b"
        r"|\blegal to (?:buy|sell|possess|use|grow|own)\b|\bunaffected\b"
        r"|\b(?:as|is) a legal (?:substance|product|plant|herb|supplement)\b",
        "Says kratom is (still) legal.",
    ),
    _rule(
        "no_law",
        LEGAL,
        r"\bno\s+(?:state\s+|federal\s+|specific\s+|current\s+|kratom[- ]specific\s+|such\s+)?"
        r"(?:laws?|legislation|statutes?|regulations?|restrictions?|bans?|prohibitions?)\b"
        r"|\bthere (?:are|is) (?:currently )?no\b[^.;]{0,40}?\b(?:law|ban|restriction"
        r"|regulation|prohibition)s?\b",
        "No law regulates kratom here.",
    ),
    _rule(
        "leaf_exempt",
        EXEMPT,
        r"\b(?:except|excepting|excluding|other than|not including|does not (?:apply to|include"
        r"|cover|affect)|shall not (?:apply to|include|cover|affect)|doesn't (?:apply to|include"
        r"|cover|affect)|exempts?|exempted|exempting|exemption for)\b[^.;:,]{0,60}?\b(?:naturally"
        r"|natural|leaf|leaves|plant|raw|unprocessed|whole[- ]leaf|unadulterated|traditional)\b"
        r"[^.;:,]{0,80}"
        r"|\b(?:leaf|leaves|plant|raw kratom|natural kratom|naturally[- ]occurring"
        r"|(?:solely|only) (?:of )?mitragynine)\b[^.;:]{0,80}?\b(?:(?:is|are) (?:exempt|excluded"
        r"|not (?:affected|covered|included|subject))|unaffected"
        r"|(?:is|are) not (?:a |an )?(?:prohibited|controlled|illegal|banned|scheduled)"
        r"|(?:is|are|remains?) (?:still )?(?:legal|lawful))\b",
        "Exempts the leaf or naturally occurring alkaloids, or says the plant itself is legal: "
        "the page's bans target 7-OH, concentrates or synthetics only.",
    ),
    # --- bans ---------------------------------------------------------------------------------
    _rule(
        "drug_category_definition",
        SCHEDULE,
        r"[\"'“‘](?:synthetic drugs?|controlled substances?|narcotic drugs?|dangerous drugs?"
        r"|designer drugs?|synthetic substances?|controlled substance analogu?es?)[\"'”’]\s*,?\s+"
        r"(?:means|includes)\b",
        "Defining a banned drug category by listing it (Indiana's 'synthetic drug'): a listing.",
    ),
    _rule(
        "schedule_listing",
        SCHEDULE,
        r"\bschedule\s+(?:I|II|III|IV|V|1|2|3|4|5|9|one)\b(?!\s*(?:to|of)\s+(?:the|this)\s+"
        r"(?:act|bill))|\b(?:first|second|third)\s+schedule\b",
        "Named in a drug schedule: the substance is controlled.",
    ),
    _rule(
        "controlled_substance",
        SCHEDULE,
        r"\bcontrolled\s+(?:dangerous\s+)?(?:substances?|drugs?)\b"
        r"|\bclass\s+[ABC]\s+(?:controlled\s+)?drugs?\b|\bdangerous drugs?\b"
        r"|\bprohibited (?:substance|plant|drug)s?\b|\bpsychotropic (?:substance|drug)s?\b",
        "Called a controlled/prohibited substance or drug.",
    ),
    _rule(
        "narcotics_list",
        SCHEDULE,
        r"\bnarcotics?\b(?!\s+(?:officers?|agents?|division|bureau|unit|control\s+board"
        r"|anonymous))|\bcategory\s+(?:[1-5]|I{1,3}|IV|V)\b|\bpoisons?\s+(?:list|act|schedule"
        r"|standard)\b|\bmisuse of drugs\b",
        "On a narcotics or poisons list (Thailand's Category 5, Singapore's Misuse of Drugs Act).",
    ),
    _rule(
        "psychoactive_substances_act",
        SCHEDULE,
        r"\bpsychoactive substances? act\b|\bpsychoactive substances?\b[^.;]{0,80}?\b(?:supply"
        r"|offen[cs]e|prohibit\w*|ban\w*)\b",
        "A blanket psychoactive-substances supply ban (UK 2016): counts as banned.",
    ),
    _rule(
        "prohibition_words",
        BAN,
        r"\b(?:prohibit(?:s|ed|ion|ing)?|ban(?:s|ned|ning)?|outlaw(?:s|ed|ing)?|illegal|unlawful"
        r"|forbid(?:s|den)?|criminali[sz](?:e|es|ed)|illicit)\b|\bnot (?:legal|lawful)\b",
        "Prohibition wording: a ban unless a regulation word in the sentence qualifies it.",
    ),
    _rule(
        "shall_not_sell",
        BAN,
        rf"\b(?:shall|may|must|can)\s*not\s+(?:\w+\s+){{0,3}}?{_SELL_VERBS}\b"
        rf"|\b(?:shall|may|must|can)\s*not\s+(?:legally\s+)?be\s+(?:\w+\s+){{0,2}}?{_SOLD}\b"
        rf"|\bcan't\s+(?:legally\s+)?(?:be\s+)?{_SOLD}\b"
        r"|\bno\s+(?:person|one|retailer|dealer|vendor|processor|business|establishment)\s+"
        r"(?:shall|may|can)\b|\bit (?:shall be|is) (?:unlawful|illegal|an offen[cs]e|a crime)\b"
        rf"|\boffen[cs]e\s+to\s+(?:\w+\s+){{0,4}}?(?:produce|supply|import|export|possess|sell"
        r"|manufacture|distribute|offer)\b",
        "'Shall not sell', 'no person may', 'it is an offence to supply'.",
    ),
    # --- regulation: these make a page restricted, and qualify prohibition wording ----------
    _rule(
        "kratom_act",
        RESTRICT,
        r"\bkratom consumer protection act\b|\bkratom plant act\b|\bpsychomodulatory\b"
        r"|\bkratom (?:control|regulation|regulatory) act\b|\bKCPA\b",
        "A kratom-specific regulation act (KCPA-style, Thailand's Kratom Plant Act).",
    ),
    _rule(
        "qualified_products",
        RESTRICT,
        r"\bkratom (?:products?|extracts?|leaf|leaves)\s+(?:that|which|whose|unless|if|with"
        r"|in a form|containing|contains|does not|do not|not)\b|\bin a (?:manner|form|way) that\b"
        r"|\bwithin \d+ (?:feet|yards|meters|metres)\b",
        "'Shall not sell a kratom product that is adulterated / in a vaping form': only some "
        "products or ways are barred, so the prohibition is a restriction, not a ban.",
    ),
    _rule(
        "minimum_age",
        RESTRICT,
        _AgePattern(),
        "A minimum age for sale or purchase.",
        condition="min_age",
    ),
    _rule(
        "minors_or_age_check",
        RESTRICT,
        r"\bminors?\b|\bunderage\b|\bjuveniles?\b|\bpregnant\b|\bage[- ]verification\b"
        r"|\battractive to (?:children|minors|youth)\b|\bappeal\w* to (?:children|minors|youth)\b"
        r"|\bverif(?:y|ies|ication of)\s+(?:the\s+)?(?:\w+\s+){0,2}?age\b|\bproof of age\b",
        "Sales to minors barred or ages checked.",
    ),
    _rule(
        "labelling",
        RESTRICT,
        r"\blabel(?:s|ed|led|ing|ling)?\b|\bwarning statements?\b|\bdirections for (?:safe )?use\b"
        r"|\bserving size\b|\bpackag(?:e|ing)\b[^.;]{0,60}?\b(?:include|state|bear|list"
        r"|disclose|display)",
        "Labelling requirements.",
        condition="labelling",
    ),
    _rule(
        "registration",
        RESTRICT,
        r"\bregistration\b|\bregister(?:ed|s)?\s+(?:with|each|the\s+(?:product|kratom))"
        r"|\bregistered (?:kratom|products?|dealers?|processors?|retailers?|vendors?)\b",
        "Products or sellers must be registered.",
        condition="registration",
    ),
    _rule(
        "licensing",
        RESTRICT,
        r"\blicen[cs](?:e|es|ed|ee|ees|ing)\b|\bpermit\b",
        "Sellers, importers or growers need a licence.",
        condition="licensing",
    ),
    _rule(
        "alkaloid_cap",
        RESTRICT,
        _CAP,
        "A limit on 7-OH or alkaloid content.",
        condition="alkaloid_cap",
        softens="leaf-prohibition",
    ),
    _rule(
        "adulteration",
        RESTRICT,
        r"\badulterat\w*|\bcontaminat\w*|\bdangerous non-?kratom\b|\bsynthetic (?:alkaloids?"
        r"|mitragynine|7)|\bsynthetically\b|\bresidual solvents?\b|\bheavy metals?\b"
        r"|\bharmful ingredients?\b|\b(?:containing|contains?|mixed with|with)\s+(?:\w+\s+){0,3}?"
        r"(?:controlled (?:dangerous )?substances?|fentanyl|opioids?|narcotics?)\b",
        "Product-quality rules (KCPA): adulterated or synthetic products barred; a 'controlled "
        "substance' named as an adulterant is not a listing of kratom.",
        softens="leaf-prohibition",
    ),
    _rule(
        "prescription_only",
        RESTRICT,
        r"(?<!not a )(?<!without )\bprescription(?:[- ]only)?\b|\bmedicines act\b",
        "Available on prescription only.",
        condition="prescription_only",
        softens="all",
    ),
    _rule(
        "retail_limits",
        RESTRICT,
        r"\bvending machines?\b|\b(?:only|exclusively)\s+(?:be\s+)?(?:sold|sell|available"
        r"|supplied|purchased)\b|\bspecialist (?:shops?|stores?)\b|\bbehind the counter\b"
        r"|\bexcise\b|\btax(?:ed|es)?\b|\bpublic consumption\b",
        "Where or how it may be sold, or a kratom tax.",
    ),
    _rule(
        "not_authorised_for_sale",
        RESTRICT,
        r"\bnot\s+(?:been\s+)?(?:authori[sz]ed|approved|permitted|licen[sc]ed)\s+(?:for\s+"
        r"(?:sale|import|marketing)|as\s+a|to be (?:sold|marketed|imported))"
        r"|\bunauthori[sz]ed\s+(?:natural\s+)?(?:health\s+)?products?\b",
        "Not authorised for sale (Canada's health-product rules): sales are stopped.",
    ),
    _rule(
        "import_control",
        RESTRICT,
        r"\bimport(?:s|ed|ing|ation)?\b[^.;]{0,60}?\b(?:prohibited|banned|refused|not permitted"
        r"|seized|detained|stopped)\b|\b(?:prohibit|ban|refuse|seize|stop)\w*\s+(?:the\s+)?"
        r"(?:\w+\s+)?imports?\b",
        "An import ban or border seizures.",
    ),
    # --- conditions only --------------------------------------------------------------------
    _rule(
        "possession_not_offence",
        NOTE,
        r"\bposs?ess(?:ion|ing)?\b[^.;]{0,60}?\b(?:is|are|remains?)\s+not\s+(?:an?\s+)?(?:offen[cs]e"
        r"|crime|criminal|illegal|unlawful|prohibited)\b|\bnot\s+(?:an?\s+)?(?:offen[cs]e|crime"
        r"|illegal|unlawful)\s+to\s+(?:simply\s+)?possess\b|\bposs?ession\b[^.;]{0,40}?\b(?:is"
        r"|remains)\s+(?:legal|lawful|permitted)\b",
        "Possession itself is not an offence (UK).",
        condition="possession_offence",
    ),
    _rule(
        "possession_offence",
        NOTE,
        r"\b(?:unlawful|illegal|offen[cs]e|prohibited|crime|criminal)\b[^.;]{0,60}?\bposs?ess"
        r"(?:ion|es|ing)?\b|\bposs?ess(?:ion|es|ing)?\b[^.;]{0,60}?\b(?:unlawful|illegal"
        r"|is an offen[cs]e|is prohibited|a crime|misdemeanou?r|felony)\b",
        "Possession is an offence.",
        condition="possession_offence",
    ),
)

# --------------------------------------------------------------------------------------------
# Page-level markers
# --------------------------------------------------------------------------------------------

_BILL_PAGE_CAPS = re.compile(
    r"\bA BILL\b|\bA RESOLUTION\b|\b(?:HOUSE|SENATE|ASSEMBLY)\s+(?:BILL|RESOLUTION"
    r"|JOINT RESOLUTION|CONCURRENT RESOLUTION)\b"
)
_BILL_PAGE = re.compile(
    r"\bto be entitled,? an act\b|\bbill (?:status|history)\b|\bhistory of actions\b"
    r"|\bthe proposed (?:bill|act|legislation|ordinance|amendment|law)\b"
    r"|\bproposed\s+[\"“][^\"”]{1,80}[\"”]|\baction:\s*(?:notice of intent|proposed rule)"
    r"|\bnotice of proposed rulemaking\b|\bmodel (?:legislation|bill|policy)\b"
    r"|\bbefore becoming law\b|\bexpected to become law\b|\bdraft (?:act|bill|law)\b"
    r"|\bbill summary\b|^[ \t]*(?:introduced|in committee|referred to committee|pending)[ \t]*$"
    r"|\bstate of _{3,}"
    r"|\bintroduced by\b|\bsponsors?:|\bpre-?filed\b|\bfirst reading\b"
    r"|\bstatus:\s*(?:introduced|pending|in committee|referred|died|failed|dead|vetoed)\b"
    r"|\breferred to (?:the )?committee\b",
    _F | re.MULTILINE,
)
_ENACTED_PAGE = re.compile(
    r"\b(?:approved|signed) by (?:the )?governor\b|\bsigned into law\b|\bbecame law\b"
    r"|\bgovernor signed\b|\bsigned (?:the|this) (?:bill|act|measure)\b|\bas enacted\b"
    r"|\bchaptered\b|\benrolled\b|\b(?:public|session) (?:act|law)s?\s+(?:no\.\s*)?\d"
    r"|\bact no\.?\s*\d|\bacts\s+\d{4}\b|\bcodified\b"
    r"|\bstatus:\s*(?:enacted|signed|approved|chaptered|law|passed)\b",
    _F,
)
_DEAD_PAGE = re.compile(
    r"^[ \t]*(?:dead|died|failed|vetoed)[ \t]*$|\bdied in committee\b"
    r"|\bstatus:\s*(?:died|failed|dead|vetoed|withdrawn)\b"
    r"|\b(?:bill|measure|resolution) (?:died|failed)\b|\bvetoed\b",
    _F | re.MULTILINE,
)
_FEDERAL = re.compile(
    r"\bfederal(?:ly)?\b|\bDEA\b|\bFDA\b|\bcontrolled substances act\b|\bunited states\b"
    r"|\bnationally\b|\bU\.S\. law\b",
    _F,
)
_PAST_TENSE = re.compile(r"\b(?:was|were|had been)\b", _F)

# --------------------------------------------------------------------------------------------
# Text: normalising and splitting
# --------------------------------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_MATCH_TABLE = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)
_MAX_SENTENCE = 3000  # longer runs are cut at whitespace: bounds every regex's work
_ENUMERATOR = re.compile(
    r"^(?:\(\s?[a-z0-9]{1,6}\s?\)|[a-z]{1,3}[.)]|[A-Z]{1,2}[.)]|\d{1,3}(?:\.\d{1,3})*[.)]"
    r"|[ivxlcdm]{1,6}[.)]|[IVXLCDM]{1,6}[.)]|[-*•·–]|§+\s*[\w.:-]+\.?)(?=\s)",
)
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|shall|may|must|will|remains?|has|have|been|means|includes?|be"
    r"|isn't|aren't|does|do|did|can|should|would|could|might|applies|apply|needs?)\b",
    _F,
)
_ABBREV = re.compile(
    r"(?:\b(?:No|Nos|Sec|Secs|Stat|Stats|Ann|Art|Ch|Chap|Subd|Subsec|Par|Para|Pt|Reg|Regs|Rev"
    r"|Gen|Supp|Co|Corp|Inc|Ltd|Dept|Div|Mr|Mrs|Ms|Dr|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?"
    r"|Oct|Nov|Dec|etc|seq|al|vs|v|cf|approx|Fla|Ala|Ga|Tex|Wis|Ind|Ark|Tenn|Miss|Ky|La|Okla"
    r"|Va|Wash|Cal|Colo|Conn|Del|Ill|Kan|Mass|Md|Mich|Minn|Mont|Neb|Nev|Pa|Vt|Wyo|Ariz"
    r"|Admin|Adm|Comp|Cons|Crim|Pen|Civ|Proc|Ord|Fed|Atty|Gov|Sen|Rep|Pub|Sess|Cl|Subch|Tit)\."
    r"|(?:\b[A-Za-z]\.){2,})$"
)
_SENTENCE_END = re.compile(
    r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]*[A-Z0-9§]|\(\s?[a-zA-Z0-9]{1,6}\s?\)\s)"
)
# Clause boundaries inside a line: after ";", after ":" before an item ("following: (1) ..."
# or "following: 7-hydroxymitragynine; ..."), around " | " and " • " separators, and before a
# mid-line enumerator that starts a new provision ("... age. (b) A person ...").
_CLAUSE_SPLIT = re.compile(
    r"(?<=;)\s+|(?<=:)\s+(?=\(?[a-zA-Z0-9]{1,4}[.)]\s)|(?<=:)\s+(?=[^;:.]{1,60};)"
    r"|\s+[|•·]\s+|\s+(?=\(\s?[a-z0-9]{1,4}\s?\)\s+[A-Z])"
)
_BARE_LABEL = re.compile(
    r"(?:§+\s*|(?i:sec)\.\s*|(?i:section)\s+)?(?:\d[\w.:-]{0,13}|[A-Za-z]{1,3}|\(\w{1,4}\))\."
)
_LEAD_PHRASE = re.compile(
    r"\b(?:the following|as follows|consists? of|are included in|is included in)\b", _F
)
_SCHEDULE_HEADING = re.compile(
    r"\bschedule\s+(?:I|II|III|IV|V|1|2|3|4|5|9)\b|\bcontrolled\s+(?:substances?|drugs?)\b"
    r"|\bnarcotics?\b|\bcategory\s+(?:[1-5]|I{1,3}|IV|V)\b|\bclass\s+[ABC]\b"
    r"|\bprohibited substances?\b|\bpsychotropic\b|\b(?:first|second|third) schedule\b",
    _F,
)
# "Mitragynine-related compounds do not include any of the following: ... (4) Mitragynine."
_EXCLUSION_LEAD = re.compile(
    r"\b(?:do|does|shall)\s+not\s+(?:include|apply)\b|\bexcept(?:ing)?\b(?!\s+as\b)"
    r"|\bexclud\w*|\bexempt\w*|\bother than\b",
    _F,
)
_SCHEDULE_NAME = re.compile(r"\bschedule\b|\bcategory\b|\bclass\s+[ABC]\b", _F)


def normalise(text: str) -> str:
    """Clean a page's text: invisible characters out, PDF hyphenation undone, lines kept.

    Line breaks survive (they carry list structure); `_logical_lines` decides which are wraps.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = re.sub(r"([a-z])-[ \t]*\n[ \t]*([a-z])", r"\1\2", text)
    text = re.sub(r"(\d)-[ \t]*\n[ \t]*(?=\w)", r"\1-", text)
    return re.sub(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)


def _logical_lines(text: str) -> Iterable[str]:
    """Join wrapped lines (PDF text, hard-wrapped statutes) into the lines a reader sees.

    A line is joined to the next when it does not end a sentence, the next is not a new list
    item, and either the next starts in lower case or with a digit, or the line is long (a
    wrap) and the next is a sentence's end or long too (a short bare line is a list entry).
    """
    parts: list[str] = []
    length = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if parts and line and _is_wrap(parts[0], parts[-1], length, line):
            parts.append(line)
            length += len(line) + 1
            continue
        if parts:
            yield " ".join(parts)
        parts, length = ([line], len(line)) if line else ([], 0)
    if parts:
        yield " ".join(parts)


def _is_wrap(first: str, last: str, length: int, line: str) -> bool:
    """Whether `line` continues the line made of parts `first` ... `last` of `length` chars."""
    if last[-1] in ".;:!?" or _ENUMERATOR.match(line) or line.startswith("§"):
        return False
    if line[0].isupper() and _ENUMERATOR.match(first):
        return False  # a bullet, then a new paragraph
    if line[0].islower() or line[0].isdigit():
        return True
    return length >= 50 and (line[-1] in ".!?" or len(line) >= 40)


def _chunks(piece: str) -> Iterable[str]:
    """Cut an over-long run (no punctuation for pages) into bounded pieces at spaces."""
    while len(piece) > _MAX_SENTENCE:
        cut = piece.rfind(" ", 0, _MAX_SENTENCE)
        cut = cut if cut > _MAX_SENTENCE // 2 else _MAX_SENTENCE
        yield piece[:cut]
        piece = piece[cut:].lstrip()
    if piece:
        yield piece


def _split_sentences(part: str) -> list[str]:
    """Split at sentence ends, but not after abbreviations ("Ala. Code", "U.S.C.", "No.") or
    after a lone label that starts the sentence ("ww.", "§ 20-2-23.", "Sec. 10.")."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(part):
        head = part[start : match.start() + 1].strip()
        if _ABBREV.search(head) or _BARE_LABEL.fullmatch(head):
            continue
        pieces.append(head)
        start = match.end()
    pieces.append(part[start:].strip())
    return [p for p in pieces if p]


def _is_content(piece: str) -> bool:
    """Not an empty run or a lone conjunction left by '...; or'."""
    return bool(re.search(r"\w", piece)) and not re.fullmatch(
        r"(?:and|or|and/or|but|then|nor)\W*", piece, _F
    )


def sentences(text: str) -> list[str]:
    """The page's sentences in order, whitespace-normalised (see the module docstring)."""
    return _split(normalise(text))


def _split(clean: str) -> list[str]:
    """`sentences` of already normalised text."""
    out: list[str] = []
    for line in _logical_lines(clean):
        for chunk in _chunks(line):
            for part in _CLAUSE_SPLIT.split(chunk):
                out.extend(s for s in _split_sentences(part) if _is_content(s))
    return out


# --------------------------------------------------------------------------------------------
# Sentences in context
# --------------------------------------------------------------------------------------------


@dataclass
class _Sentence:
    """A sentence, with the list lead-in and schedule heading it hangs under (if any)."""

    index: int
    text: str
    match_text: str
    item: bool = False  # a list entry: enumerated, or verbless under a lead-in or heading
    bare: bool = False  # verbless: a name or a noun phrase, not a statement
    fragment: bool = False  # bare and at most six words: a menu entry, a heading, a name
    lead: _Sentence | None = None
    heading: _Sentence | None = None

    def leads(self) -> list[_Sentence]:
        """The chain of lead-ins above this item, outermost first (at most three)."""
        chain: list[_Sentence] = []
        lead = self.lead
        while lead is not None and len(chain) < 3 and lead not in chain:
            chain.insert(0, lead)
            lead = lead.lead
        return chain

    def context_text(self) -> str:
        """What rules read: the heading (for bare list entries), the lead-ins, the sentence."""
        parts = [lead.match_text for lead in self.leads()]
        if self.heading is not None and self.bare and self.heading not in self.leads():
            parts.insert(0, self.heading.match_text)
        parts.append(self.match_text)
        return " … ".join(parts)


_HEADING_REACH = 3  # a lead-less bare entry this many sentences below a heading is listed in it


def _in_context(texts: list[str]) -> list[_Sentence]:
    """Attach list lead-ins and schedule headings to the sentences that hang under them.

    A lead-in is a sentence ending in ':' or saying 'the following'; it stays active over list
    items and ends at the next plain prose sentence; an item numbered like its lead-in ("(3)"
    after "(2) ... either:") is its sibling, not its child. A schedule heading ('Schedule I',
    'Category 5 narcotics') applies to bare entries of the lists under it, and to lead-less
    fragments a few sentences below it (a schedule printed as a heading, a note, then names).
    """
    out: list[_Sentence] = []
    lead: _Sentence | None = None
    heading: _Sentence | None = None
    anchor = -1  # the heading's index, or that of the last bare entry listed under it
    for index, text in enumerate(texts):
        s = _shaped(index, text, lead is not None)
        style = _enum_style(text)
        while lead is not None and style and style == _enum_style(lead.text):
            lead = lead.lead
        if s.item:
            near_heading = heading is not None and index - anchor <= _HEADING_REACH
            s.lead = lead
            s.heading = heading if (lead is not None or (s.fragment and near_heading)) else None
            anchor = index if s.heading is not None and s.bare else anchor
        is_lead = text.endswith(":") or (
            not text.endswith(";") and bool(_LEAD_PHRASE.search(s.match_text))
        )
        if _is_heading(s, is_lead):
            heading, anchor = s, index
            is_lead = is_lead or s.fragment
        lead = s if is_lead else (lead if s.item else None)
        out.append(s)
    return out


def _shaped(index: int, text: str, in_list: bool) -> _Sentence:
    """A sentence with its shape: bare (no verb, not a long prose sentence), fragment (bare and
    short) and item (numbered, a fragment, or bare inside a list)."""
    s = _Sentence(index, text, text.translate(_MATCH_TABLE))
    body = _ENUMERATOR.sub("", text, count=1).strip()
    words = len(body.split())
    prose = text.endswith(".") and words >= 8
    s.bare = words <= 25 and not prose and not _VERBISH.search(body) and not text.endswith(":")
    s.fragment = s.bare and words <= 6
    s.item = bool(_ENUMERATOR.match(text)) or s.fragment or (s.bare and in_list)
    return s


_ENUM_STYLES = (
    ("(1)", re.compile(r"\(\d{1,3}\)\s")),
    ("(a)", re.compile(r"\([a-z]{1,3}\)\s")),
    ("(A)", re.compile(r"\([A-Z]{1,3}\)\s")),
    ("1.", re.compile(r"\d{1,3}[.)]\s")),
    ("a.", re.compile(r"[a-z]{1,3}[.)]\s")),
    ("A.", re.compile(r"[A-Z][.)]\s")),
    ("-", re.compile(r"[-*•·–]\s")),
)


def _enum_style(text: str) -> str | None:
    """The numbering style a list item starts with ('(1)', '(a)', 'a.', ...), if any."""
    return next((name for name, pattern in _ENUM_STYLES if pattern.match(text)), None)


def _is_heading(s: _Sentence, is_lead: bool) -> bool:
    """A schedule heading: names a schedule or list, is short, is not negated, and is a
    fragment, a lead-in or names the schedule itself (not a passing 'controlled substance')."""
    if not _SCHEDULE_HEADING.search(s.match_text) or len(s.text.split()) > 40:
        return False
    if any(r.pattern.search(s.match_text) for r in RULES if r.effect in (LEGAL, REPEAL)):
        return False
    short = len(s.text.split()) <= 15
    return s.fragment or is_lead or (short and bool(_SCHEDULE_NAME.search(s.match_text)))


_SMALL_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with vs via not no".split()  # noqa: SIM905
)


def _is_headline(text: str) -> bool:
    """A title ('DEA Temporarily Places Mitragynine Into Schedule 1', 'AN ORDINANCE
    PROHIBITING KRATOM'): most words capitalised. Titles summarise, often loosely; the body
    says what the law is, so titles are not read as claims."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if w.lower() not in _SMALL_WORDS]
    if len(words) < 4:
        return False
    capitalised = sum(w[0].isupper() for w in words)
    return capitalised >= 0.8 * len(words)


def _is_candidate(s: _Sentence, page: _Page | None = None) -> bool:
    """A sentence the rules read: it names kratom, or is a list item under a kratom lead-in.

    A fragment outside any list ("Kratom", "Kratom laws" in a menu) is navigation, not a claim.
    A lead-in ending in ':' says nothing until its items do; they are read with it. A question
    asserts nothing; a headline is skipped except on bill and enacted pages, where the title
    is the act's own title.
    """
    if s.fragment and s.lead is None and s.heading is None:
        return False
    law_document = page is not None and (page.is_bill or page.enacted)
    if s.text.endswith((":", "?")) or (not s.item and not law_document and _is_headline(s.text)):
        return False
    if mentions_kratom(s.match_text):
        return True
    return s.item and any(mentions_kratom(lead.match_text) for lead in s.leads())


# --------------------------------------------------------------------------------------------
# Judging sentences
# --------------------------------------------------------------------------------------------

_RANK = {"legal": 1, "restricted": 2, "banned": 3}
# Bill-procedure wording that an enacted page (hint `assume_enacted`) may still carry in its
# title or history ("A BILL to be entitled ...", "introduced by ...").
_BILL_PROCEDURE = frozenset({"bill_or_proposal", "introduced"})


@dataclass(frozen=True)
class _Page:
    """What is known about the whole page while its sentences are judged."""

    is_bill: bool = False  # a bill or resolution that was not enacted: nothing on it is law
    enacted: bool = False  # hint assume_enacted: enacted law, bill-procedure wording ignored
    focus: re.Pattern[str] | None = None  # hint jurisdiction_terms


@dataclass
class _Claim:
    """One sentence's conclusion about some substances."""

    status: str
    substances: frozenset[str]
    sentence: _Sentence
    kind: str  # operative | legal | repeal | exempt | weak
    past: bool = False
    focus: bool = False
    cancelled: set[str] = field(default_factory=set)  # sides ('leaf', 'seven_oh') cancelled
    cancelled_by: str = ""  # the rule that cancelled it: a repeal or an exemption


@dataclass
class _Judgement:
    """What the rules made of one candidate sentence."""

    sentence: _Sentence
    fired: list[Rule]
    claims: list[_Claim]
    conditions: dict[str, Any]


def _fired(s: _Sentence) -> list[Rule]:
    """The rules whose pattern matches, in RULES order (see `Rule.reads_context`)."""
    context = s.context_text()
    return [r for r in RULES if r.pattern.search(context if r.reads_context else s.match_text)]


def _scope(s: _Sentence, fired: list[Rule], operative: bool) -> frozenset[str]:
    """The substances a sentence speaks about: its own names plus those of its lead-ins ("a
    kratom product that: (b) contains 7-OH above 2%"), else the leaf (it says 'kratom'). For
    the operative part (bans, restrictions) exempted phrases are taken out first, so "7-OH,
    except as it occurs naturally in the leaf" covers 7-OH only."""
    text = s.match_text
    exempt = [r for r in fired if r.effect == EXEMPT] if operative else []
    for rule in exempt:
        text = rule.pattern.sub(" ", text)
    found = substances_in(text)
    for lead in s.leads():
        found |= substances_in(lead.match_text)
    if not found and not exempt:
        found = {"leaf"}
    return frozenset(found)


def _judge(s: _Sentence, page: _Page) -> _Judgement:
    """Combine the rules that fired on one sentence into claims (see the module docstring)."""
    fired = _fired(s)
    if page.enacted:
        fired = [r for r in fired if r.name not in _BILL_PROCEDURE]
    effects = {r.effect for r in fired}
    focus = bool(page.focus and page.focus.search(s.context_text()))
    past = bool(_PAST_TENSE.search(s.match_text))
    said = _scope(s, fired, operative=False)

    def claim(status: str, kind: str, scope: frozenset[str] = said) -> _Claim:
        return _Claim(status, scope, s, kind, past=past, focus=focus)

    special = _not_operative(s, fired, effects, page.is_bill, claim)
    if special is not None:
        return _Judgement(s, fired, special, {})
    claims: list[_Claim] = []
    if EXEMPT in effects:
        claims.append(claim("legal", "exempt", frozenset({"leaf"})))
    if REPEAL in effects:
        claims.append(claim("legal", "repeal"))
    if LEGAL in effects:
        claims.append(claim("legal", "weak" if _FEDERAL.search(s.match_text) else "legal"))
    scope = _scope(s, fired, operative=True)
    status = _operative_status(fired, effects, bool(scope & _LEAF_SIDE))
    if status is not None and scope:
        claims.append(claim(status, "operative", scope))
    conditions = _conditions(s, fired) if status is not None or effects <= {NOTE} else {}
    return _Judgement(s, fired, claims, conditions)


def _not_operative(
    s: _Sentence, fired: list[Rule], effects: set[str], page_is_bill: bool, claim: Any
) -> list[_Claim] | None:
    """The claims of a sentence that cannot be operative law, or None when it can be.

    Non-law (a bill, a study, history, any sentence of a bill page) is a weak 'legal'; a
    definition says nothing; an entry under an exclusion lead-in ("... do not include any of the
    following: (4) Mitragynine.") exempts what it names.
    """
    history = HISTORY in effects and REPEAL not in effects
    if PENDING in effects or history or (page_is_bill and effects - {NOTE}):
        return [claim("legal", "weak")]
    if DEFINITION in effects and not any(r.name == "drug_category_definition" for r in fired):
        return []
    if any(_EXCLUSION_LEAD.search(lead.match_text) for lead in s.leads()):
        named = substances_in(s.match_text)
        return [claim("legal", "exempt", frozenset({"leaf"}))] if named & _LEAF_SIDE else []
    return None


def _operative_status(fired: list[Rule], effects: set[str], covers_leaf: bool) -> str | None:
    """'banned', 'restricted' or None for one sentence's bans and regulations.

    A negation or a repeal in the sentence cancels its ban. A regulation word turns prohibition
    wording into a restriction (see `Rule.softens`); a schedule stays a ban unless the
    regulation is prescription-only. A negated sentence naming a kratom act ("has no Kratom
    Consumer Protection Act") is not a regulation.
    """
    restricts = [r for r in fired if r.effect == RESTRICT]
    if LEGAL in effects or REPEAL in effects:
        restricts = [r for r in restricts if r.name != "kratom_act"]
    softening = {r.softens for r in restricts}
    if not covers_leaf:
        softening.discard("leaf-prohibition")
    if covers_leaf and any(r.name == "adulteration" for r in restricts):
        effects = (effects - {SCHEDULE}) | {BAN}  # the controlled substance is the adulterant
    if effects & {SCHEDULE, BAN} and not effects & {LEGAL, REPEAL}:
        if SCHEDULE in effects:
            return "restricted" if "all" in softening else "banned"
        return "restricted" if softening else "banned"
    return "restricted" if restricts else None


def _conditions(s: _Sentence, fired: list[Rule]) -> dict[str, Any]:
    """The vocabulary conditions a sentence states."""
    found: dict[str, Any] = {}
    names = {r.name for r in fired}
    for rule in fired:
        if rule.condition is None:
            continue
        value = _condition_value(rule, s)
        if value is not None:
            found.setdefault(rule.condition, value)
    if "possession_not_offence" in names:
        found["possession_offence"] = False
    return found


def _condition_value(rule: Rule, s: _Sentence) -> Any:
    """The value a condition rule gives: the age, the cap, or True."""
    text = s.context_text()
    if rule.condition == "min_age":
        ages = [
            a for p in _AGE_PATTERNS for m in p.finditer(text) if (a := _age_value(m)) is not None
        ]
        return max(ages) if ages else None
    if rule.condition == "alkaloid_cap":
        return _cap_value(text)
    if rule.condition == "possession_offence":
        return rule.name == "possession_offence"
    return True


_CAP_AMOUNT = re.compile(
    rf"\b({_CAP_NUMBER})({_CAP_UNIT})(?:\s*(?:of\s+\S+\s+)?per\s+(serving|gram|g|ml|dose|unit))?",
    _F,
)


def _cap_value(text: str) -> str | None:
    """The cap a sentence states, e.g. '7-hydroxymitragynine <= 2% of alkaloids' or
    '7-hydroxymitragynine <= 1 mg per serving'. Each amount belongs to the substance named
    just after it ("1 mg of 7-OH") or else just before it ("7-OH ... greater than 2 percent");
    a 7-OH cap is preferred to a mitragynine one."""
    caps = [_one_cap(text, m) for m in _CAP_AMOUNT.finditer(text)]
    return next((c for c in caps if c.startswith("7-")), caps[0] if caps else None)


def _one_cap(text: str, amount: re.Match[str]) -> str:
    """Format one cap amount with its substance (see `_cap_value`)."""
    after = text[amount.end(2) : amount.end() + 40]
    before = text[max(0, amount.start() - 120) : amount.start()]
    named = [
        ("7-hydroxymitragynine", _RE_SEVEN_OH),
        ("mitragynine", _RE_MITRAGYNINE),
    ]
    subject = next((name for name, rx in named if rx.search(after)), None)
    if subject is None:
        last = max(
            ((m.start(), name) for name, rx in named for m in rx.finditer(before)),
            default=(-1, "alkaloids"),
        )
        subject = last[1]
    number = _CAP_WORDS.get(amount.group(1).lower(), amount.group(1))
    unit = "%" if amount.group(2).strip().lower() in ("%", "percent", "per cent") else " mg"
    per = f" per {amount.group(3).lower()}" if amount.group(3) else ""
    fraction = re.search(r"alkaloid (?:fraction|composition|content)", text, _F)
    return f"{subject} <= {number}{unit}{per}{' of alkaloids' if fraction and not per else ''}"


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


@dataclass
class Finding:
    """What the classifier read in one page. `status == derive_status(leaf, seven_oh)`."""

    status: str = "unknown"
    leaf_status: str = "unknown"
    seven_oh_status: str = "unknown"
    evidence: list[str] = field(default_factory=list)
    substances: list[str] = field(default_factory=list)
    min_age: int | None = None
    conditions: dict[str, Any] = field(default_factory=dict)
    rules: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The JSON shape `kratom classify --format json` prints."""
        return {
            "status": self.status,
            "evidence": list(self.evidence),
            "substances": list(self.substances),
            "min_age": self.min_age,
            "leaf_status": self.leaf_status,
            "seven_oh_status": self.seven_oh_status,
            "conditions": dict(self.conditions),
            "rules": [{"rule": name, "sentence": text} for name, text in self.rules],
        }


def _page_is_bill(text: str, hints: dict[str, Any]) -> bool:
    """A bill or resolution page that was not enacted: its operative wording is not law."""
    if hints.get("assume_enacted"):
        return False
    if len(text) > 100_000:  # bill markers sit in the header and the history at the end
        text = f"{text[:50_000]}\n{text[-50_000:]}"
    if not (_BILL_PAGE_CAPS.search(text) or _BILL_PAGE.search(text)):
        return False
    return bool(_DEAD_PAGE.search(text)) or not _ENACTED_PAGE.search(text)


def _focus_pattern(hints: dict[str, Any]) -> re.Pattern[str] | None:
    """The jurisdiction_terms hint as one pattern (None when not given)."""
    given = hints.get("jurisdiction_terms") or ()
    given = given if isinstance(given, list | tuple | set | frozenset) else [given]
    terms = [str(t) for t in given if str(t).strip()]
    if not terms:
        return None
    return re.compile("|".join(rf"\b{re.escape(t.strip())}\b" for t in terms), _F)


def _side_claims(claims: list[_Claim], side: str) -> list[_Claim]:
    """The claims that speak about one side (leaf or 7-OH). 'Kratom' speaks for both, except
    when it is the leaf being exempted."""
    own = _LEAF_SIDE if side == "leaf" else _SEVEN_OH_SIDE
    out = []
    for c in claims:
        if c.substances & own or (
            side == "seven_oh" and "leaf" in c.substances and c.kind != "exempt"
        ):
            out.append(c)
    return out


def _apply_repeals(claims: list[_Claim], side: str) -> None:
    """On one side, a repeal cancels the bans stated before it, and past-tense ones anywhere
    ("kratom was a Category 5 narcotic" on a delisting page)."""
    repeals = [c.sentence.index for c in claims if c.kind == "repeal"]
    if not repeals:
        return
    for ban in claims:
        if ban.status == "banned" and (ban.past or ban.sentence.index < max(repeals)):
            ban.cancelled.add(side)
            ban.cancelled_by = "cancelled_by_repeal"


def _apply_exemptions(claims: list[_Claim]) -> None:
    """An explicit exemption of the leaf cancels leaf-side bans that also name 7-OH-side
    substances ("mitragynine-related compounds ... of mitragyna speciosa" + "do not include
    mitragynine"): the ban means the 7-OH side. A ban of the leaf alone stands."""
    if not any(c.kind == "exempt" for c in claims):
        return
    for ban in claims:
        if ban.status == "banned" and ban.substances & _SEVEN_OH_SIDE:
            ban.cancelled.add("leaf")
            ban.cancelled_by = ban.cancelled_by or "leaf_side_cancelled_by_exemption"


def _decide(claims: list[_Claim], side: str) -> tuple[str, list[_Claim]]:
    """The strongest standing claim on one side, and the claims that decided it. Claims from
    sentences naming the jurisdiction (hint) outrank others; weak claims count only alone."""
    live = [c for c in claims if side not in c.cancelled]
    if any(c.focus for c in live):
        live = [c for c in live if c.focus]
    pool = [c for c in live if c.kind != "weak"] or live
    if not pool:
        return "unknown", []
    best = max(_RANK[c.status] for c in pool)
    status = next(k for k, v in _RANK.items() if v == best)
    return status, [c for c in pool if c.status == status]


def _substances(deciders: list[_Claim]) -> list[str]:
    """Vocabulary-ordered substances of the claims that decided the status; operative claims
    (bans, restrictions) only when there are any, so a 7-OH-only ban does not list the leaf."""
    operative = [c for c in deciders if c.status in ("banned", "restricted")]
    names = set().union(*(c.substances for c in (operative or deciders)))
    return [s for s in SUBSTANCES if s in names]


def _gather_conditions(judgements: list[_Judgement], deciders: list[_Claim]) -> dict[str, Any]:
    """Conditions from the sentences whose claims decided the status (so a banned page does not
    borrow another state's age limit), and from condition-only sentences ("possession is not an
    offence")."""
    found: dict[str, Any] = {}
    deciding = {id(c) for c in deciders}
    standing = [
        j
        for j in judgements
        if any(id(c) in deciding for c in j.claims) or (j.fired and not j.claims)
    ]
    for j in standing:
        for key, value in j.conditions.items():
            if key == "min_age":
                found[key] = max(found.get(key, 0), value)
            elif key == "possession_offence":
                found[key] = found.get(key, True) and value
            elif key == "alkaloid_cap" and not str(found.get(key, "")).startswith("7-"):
                found[key] = value  # a 7-OH cap says more than a mitragynine one
            else:
                found.setdefault(key, value)
    return {k: found[k] for k in CONDITIONS if k in found}


def _explain(judgements: list[_Judgement], page_is_bill: bool) -> list[tuple[str, str]]:
    """(rule, sentence) pairs in page order: the explanation."""
    pairs: list[tuple[str, str]] = []
    for j in judgements:
        for rule in j.fired:
            pairs.append((rule.name, j.sentence.text))
        if page_is_bill and j.fired:
            pairs.append(("bill_page_not_enacted", j.sentence.text))
        pairs.extend((c.cancelled_by, j.sentence.text) for c in j.claims if c.cancelled)
    return list(dict.fromkeys(pairs))


def _evidence(judgements: list[_Judgement]) -> list[str]:
    """The sentences relied on (with the lead-ins and headings of list items), in page order."""
    picked: dict[int, str] = {}
    for j in judgements:
        if not j.fired:
            continue
        s = j.sentence
        for related in [s, *s.leads(), *([s.heading] if s.heading and s.bare else [])]:
            picked[related.index] = related.text
    return [picked[i] for i in sorted(picked)]


def classify(text: str | bytes, hints: dict[str, Any] | None = None) -> Finding:
    """Classify one page's extracted text (bytes are decoded like HTML bytes). Never raises on
    any input; `hints` are optional (see the module docstring)."""
    hints = dict(hints) if isinstance(hints, dict) else {}
    if isinstance(text, bytes | bytearray):
        text = _decode(bytes(text))
    clean = normalise(text if isinstance(text, str) else str(text))
    if not mentions_kratom(clean.translate(_MATCH_TABLE)):
        return Finding()
    page = _Page(
        is_bill=_page_is_bill(clean, hints),
        enacted=bool(hints.get("assume_enacted")),
        focus=_focus_pattern(hints),
    )
    return _finding(_judge_page(clean, page), page.is_bill)


# Bounds on the work per page (a statute page has a few thousand sentences, a few kratom ones):
_BUDGET = 100_000  # characters of kratom sentences judged
_MAX_SENTENCES = 20_000  # sentences read


def _judge_page(clean: str, page: _Page) -> list[_Judgement]:
    """Judge the candidate sentences in page order, up to `_BUDGET` characters of them."""
    judgements: list[_Judgement] = []
    spent = 0
    for s in _in_context(_split(clean)[:_MAX_SENTENCES]):
        if not _is_candidate(s, page):
            continue
        spent += len(s.text)
        if spent > _BUDGET:
            break
        judgements.append(_judge(s, page))
    return judgements


def _finding(judgements: list[_Judgement], page_is_bill: bool) -> Finding:
    """Combine the sentence judgements into the page's Finding (see the module docstring)."""
    claims = [c for j in judgements for c in j.claims]
    for side in ("leaf", "seven_oh"):
        _apply_repeals(_side_claims(claims, side), side)
    _apply_exemptions(_side_claims(claims, "leaf"))
    leaf, leaf_by = _decide(_side_claims(claims, "leaf"), "leaf")
    seven_oh, seven_by = _decide(_side_claims(claims, "seven_oh"), "seven_oh")
    status = derive_status(leaf, seven_oh)
    deciders = _deciders_for(status, leaf, leaf_by, seven_oh, seven_by)
    conditions = _gather_conditions(judgements, deciders) if status != "unknown" else {}
    assert status in STATUSES
    return Finding(
        status=status,
        leaf_status=leaf,
        seven_oh_status=seven_oh,
        evidence=_evidence(judgements),
        substances=_substances(deciders),
        min_age=conditions.get("min_age"),
        conditions=conditions,
        rules=_explain(judgements, page_is_bill),
    )


def _deciders_for(
    status: str, leaf: str, leaf_by: list[_Claim], seven_oh: str, seven_by: list[_Claim]
) -> list[_Claim]:
    """The claims behind the headline: the leaf's when it decides, else 7-OH's (+ leaf's legal)."""
    if status == "unknown":
        return []
    if leaf in ("banned", "restricted"):
        return leaf_by + [c for c in seven_by if c.status in ("banned", "restricted")]
    if seven_oh in ("banned", "restricted"):
        return seven_by
    return leaf_by + seven_by


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "menu",
    "select",
    "option",
    "button",
    "input",
    "textarea",
    "iframe",
    "svg",
    "head",
    "object",
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "blockquote",
        "pre",
        "br",
        "hr",
        "main",
        "body",
        "address",
        "figure",
        "figcaption",
        "caption",
        "tbody",
        "thead",
        "tfoot",
        "center",
    ]
)
_CHROME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|menubar|breadcrumbs?|sidebar|footer|masthead"
    r"|cookie|cookies|social|share|sharing|pagination|pager|toolbar|skip|topnav|subnav)(?:$|[-_\s])",
    _F,
)
_CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "menu", "menubar", "search", "complementary"}
)
_LIST_TAGS = frozenset({"ul", "ol", "menu", "dl", "table", "tbody", "tr", "p", "div", "td", "span"})


def _decode(data: bytes) -> str:
    """Bytes to text: BOM, then a declared charset, then UTF-8, then cp1252."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = re.search(rb"charset\s*=\s*[\"']?([\w.:-]{1,40})", data[:4096], re.I)
    for codec in ([declared.group(1).decode("ascii", "ignore")] if declared else []) + ["utf-8"]:
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def html_to_text(html: str | bytes) -> str:
    """The readable text of a page, one block per line, without navigation and page chrome:
    nav/header/footer/aside/script/style, elements whose class, id or role says menu,
    navigation, breadcrumb, sidebar, footer or cookie banner, and lists made only of links."""
    if isinstance(html, bytes | bytearray):
        html = _decode(bytes(html))
    html = _INVISIBLE.sub("", str(html))
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return ""
    try:
        import lxml.html
        from lxml import etree

        root = lxml.html.document_fromstring(html)
    except (ValueError, etree.ParserError, etree.XMLSyntaxError):
        html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
        return re.sub(r"<[^>]{0,2000}>", "\n\n", html)
    _strip_chrome(root)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        keep_lines = tag == "pre"
        el.text = _flatten(el.text, keep_lines)
        el.tail = _flatten(el.tail, keep_lines)
        if tag in _BLOCK_TAGS:
            el.tail = "\n\n" + (el.tail or "")
            if tag not in ("br", "hr"):
                el.text = "\n\n" + (el.text or "")
    return root.text_content()


def _flatten(text: str | None, keep_lines: bool) -> str | None:
    """Source line breaks inside a block are not boundaries: make them spaces (not in <pre>)."""
    if not text or keep_lines:
        return text
    return re.sub(r"\s+", " ", text)


def _strip_chrome(root: Any) -> None:
    """Drop page chrome and link-only lists from an lxml tree, keeping tails."""
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)  # comments, processing instructions
            continue
        tag = el.tag.lower()
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        if (
            tag in _DROP_TAGS
            or el.get("role", "").lower() in _CHROME_ROLES
            or (tag not in ("body", "html", "main", "article") and _CHROME.search(marks))
        ):
            doomed.append(el)
    doomed.extend(_link_only_blocks(root))
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _link_only_blocks(root: Any) -> list[Any]:
    """Lists and blocks whose letters are all inside links (menus, 'related' lists).

    One bottom-up pass (children before parents), so deep or huge pages stay linear.
    """
    letters: dict[Any, tuple[int, int, int]] = {}  # element -> (all letters, in links, links)
    found = []
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    for el in reversed(elements):
        total = _letters(el.text)
        linked, links = 0, 0
        for child in el:
            t, li, n = letters.get(child, (0, 0, 0))
            total += t + _letters(child.tail)
            linked, links = linked + li, links + n
        if el.tag.lower() == "a":
            linked, links = total, links + 1
        letters[el] = (total, linked, links)
        if (
            el.tag.lower() in _LIST_TAGS
            and total
            and total == linked
            and (links >= 2 or el.tag.lower() in ("ul", "ol", "menu"))
        ):
            found.append(el)
    return found


def _letters(text: str | None) -> int:
    """How many letters a text run has (punctuation and separators do not count)."""
    return sum(ch.isalpha() for ch in text) if text else 0


def classify_html(html: str | bytes, hints: dict[str, Any] | None = None) -> Finding:
    """Classify an HTML page (str or bytes, any encoding): chrome stripped, then `classify`."""
    return classify(html_to_text(html), hints)
