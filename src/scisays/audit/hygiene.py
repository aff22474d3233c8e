"""An article's hygiene (pure): does it cite studies, who wrote it and when, where its links lead,
and whether it names regulators without a date or a source."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .article import Article, Link
from .claims import Claim, ClaimKind

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_PMID = re.compile(r"\bPMID:?\s*\d{5,9}\b|\bPMC\d{5,9}\b")
_SCHOLARLY_HOSTS = re.compile(
    r"(?:^|\.)(?:doi\.org|pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov|europepmc\.org|"
    r"cochranelibrary\.com|clinicaltrials\.gov|nejm\.org|thelancet\.com|jamanetwork\.com|bmj\.com|"
    r"nature\.com|sciencedirect\.com|springer\.com|link\.springer\.com|wiley\.com|"
    r"onlinelibrary\.wiley\.com|tandfonline\.com|frontiersin\.org|mdpi\.com|plos\.org|"
    r"journals\.plos\.org|academic\.oup\.com|karger\.com|sagepub\.com|biomedcentral\.com|"
    r"cell\.com|annals\.org|who\.int|fda\.gov|cdc\.gov|nih\.gov|ema\.europa\.eu|dea\.gov)$",
    re.IGNORECASE)
_SHOP_URL = re.compile(
    r"(?:^|[/.?&=_-])(?:shop|store|buy|cart|checkout|product|products|order|deal|deals|coupon|discount)"
    r"(?:$|[/.?&=_-])|(?:^|\.)(?:amzn\.to|amazon\.[a-z.]+|ebay\.[a-z.]+|etsy\.com|clickbank\.net|"
    r"shareasale\.com|awin1\.com|rakuten\.com|linksynergy\.com|impact\.com)$|[?&](?:ref|aff|affid|"
    r"affiliate|tag|utm_source|utm_medium|utm_campaign|partner|clickid)=", re.IGNORECASE)
_CTA = re.compile(
    r"\b(?:click here|buy now|order now|shop now|add to cart|get yours|get it now|try it (?:now|today)|"
    r"order today|buy today|discount code|coupon code|promo code|free shipping|limited[- ]time offer|"
    r"\d{1,2}% off|save \d{1,2}%|best price|where to buy|buy \w+ online|subscribe and save)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Flag:
    kind: str  # no-citations, call-to-action, shop-link, no-date, no-author, regulator-undated, ...
    text: str
    position: int = -1  # where in the article text, when it is a place

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "position": self.position}


@dataclass(frozen=True)
class Hygiene:
    citations: tuple[str, ...]  # DOIs, PMIDs and links to scholarly or official pages
    flags: tuple[Flag, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"citations": list(self.citations), "flags": [f.to_dict() for f in self.flags]}


def _scholarly(link: Link) -> bool:
    host = urlsplit(link.url).hostname or ""
    return bool(_SCHOLARLY_HOSTS.search(host)) or bool(_DOI.search(link.url))


def _shop(link: Link) -> bool:
    parts = urlsplit(link.url)
    return bool(_SHOP_URL.search(parts.hostname or "") or _SHOP_URL.search(parts.path)
                or _SHOP_URL.search("?" + parts.query)) or bool(_CTA.search(link.anchor))


def _near(position: int, claims: Sequence[Claim], text: str) -> Claim | None:
    """The health claim in the same sentence as ``position``, or the one just before or after."""
    best: tuple[int, Claim] | None = None
    for c in claims:
        if c.kind not in (ClaimKind.EFFICACY, ClaimKind.HARM, ClaimKind.DOSE, ClaimKind.REGULATORY):
            continue
        end = c.position + len(c.sentence)
        if c.position <= position <= end + 2:
            return c
        gap = c.position - position if c.position > position else position - end
        if gap <= 300 and (best is None or gap < best[0]):
            best = (gap, c)
    return best[1] if best else None


def assess(article: Article, claims: Sequence[Claim]) -> Hygiene:
    text = article.text
    citations = list(dict.fromkeys(
        [m.group(0).rstrip(".,;)") for m in _DOI.finditer(text)] + [m.group(0) for m in _PMID.finditer(text)]
        + [x.url for x in article.links if _scholarly(x)]))
    flags: list[Flag] = []
    if not citations:
        flags.append(Flag("no-citations", "The article cites no study: no DOI, PMID or link to a journal, "
                          "PubMed or a regulator's page."))
    seen: set[int] = set()
    for link in article.links:
        if not _shop(link):
            continue
        near = _near(link.position, claims, text) if link.in_text else None
        where = f" beside the claim “{near.sentence}”" if near else ""
        flags.append(Flag("shop-link", "A link to a shop or affiliate programme "
                          f"({link.anchor or link.url} → {link.url}){where}.", link.position))
        if link.in_text:
            seen.add(link.position)
    for m in _CTA.finditer(text):
        if any(abs(m.start() - p) < 5 for p in seen):
            continue
        near = _near(m.start(), claims, text)
        linked = any(x.in_text and x.position <= m.start() <= x.position + len(x.anchor)
                     for x in article.links)
        flags.append(Flag(
            "call-to-action",
            f"A call to action (“{m.group(0)}”)" + ("" if linked else " with no source or link")
            + (f" next to the health claim “{near.sentence}”" if near else "") + ".", m.start()))
    if not article.date:
        flags.append(Flag("no-date", "The article has no date: readers cannot tell how current it is."))
    if not article.author:
        flags.append(Flag("no-author", "The article names no author: nobody is accountable for it."))
    for c in claims:
        if c.kind is not ClaimKind.REGULATORY or not c.regulators:
            continue
        end = c.position + len(c.sentence)
        sourced = any(x.in_text and c.position <= x.position <= end for x in article.links)
        missing = [w for w, ok in (("a date", c.dated), ("a source", sourced)) if not ok]
        if missing:
            flags.append(Flag("regulator-" + ("undated" if not c.dated else "unsourced"),
                              f"{' and '.join(c.regulators)} cited without {' or '.join(missing)}: "
                              f"“{c.sentence}”", c.position))
    return Hygiene(tuple(citations), tuple(flags))
