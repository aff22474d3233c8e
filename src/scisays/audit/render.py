"""An audit as Markdown, terminal text, JSON or one self-contained HTML page (pure).

Like the evidence report: the summary first (claims found, how many supported, contradicted,
overstated, hygiene flags), then each claim with the article's sentence, the verdict it was
checked against and the studies. Article text is third-party data: HTML escapes it (markupsafe),
Markdown quotes it with its markup characters escaped.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from ..report.assets import FILE_CSP, REPORT_CSS
from ..report.html import safe_url
from .check import CheckedClaim, Citation, Label
from .report import AuditReport

FORMATS = ("terminal", "md", "json", "html")
_LABEL_STYLE = {
    Label.SUPPORTED: "green", Label.CONTRADICTED: "bold red", Label.OVERSTATED: "bold yellow",
    Label.UNDERSTATED: "cyan", Label.NOT_CHECKABLE: "dim",
}
_LABEL_CLASS = {
    Label.SUPPORTED: "v-benefit", Label.CONTRADICTED: "v-harm", Label.OVERSTATED: "v-maybe",
    Label.UNDERSTATED: "v-none", Label.NOT_CHECKABLE: "v-none",
}


def _md(text: str) -> str:
    """Third-party text safe inside Markdown: one line, markup characters escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


def _title(audit: AuditReport) -> str:
    return audit.article.title or audit.article.source or "the article"


def _claim_head(c: CheckedClaim) -> str:
    cl = c.claim
    what = str(cl.kind)
    if cl.conditions:
        what += " — " + ", ".join(cl.conditions)
    if cl.stance:
        what += f" (says: {cl.stance}; {cl.strength})"
    elif cl.topics:
        what += " — " + ", ".join(t.label for t in cl.topics)
    elif cl.regulators:
        what += " — " + ", ".join(cl.regulators)
    return what


def _cite_md(c: Citation) -> str:
    link = f"[{c.citation}]({c.url})" if safe_url(c.url) else c.citation
    return link + (f": “{_md(c.sentence)}”" if c.sentence else "")


def render_markdown(audit: AuditReport) -> str:
    a = audit.article
    out = [f"# Audit: {_md(_title(audit))}", ""]
    meta = [f"source: {_md(a.source)}" if a.source else "", f"author: {_md(a.author)}" if a.author else "",
            f"date: {_md(a.date)}" if a.date else "", f"substance checked: {audit.substance or 'none found'}"]
    out += ["_" + " · ".join(m for m in meta if m) + f" · {audit.to_dict()['generator']}_", ""]
    out += ["## Summary", "", f"**{audit.summary()}**", ""]
    for s, v in audit.verdicts():
        out.append(f"- The evidence on {s} for {v.condition}: **{v.label}** (certainty {v.certainty})")
    for r in audit.reports:
        out.append(f"- Safety of {r.question.substance}: **{r.safety.rating}**")
    out += [f"- {_md(n)}" for n in audit.notes]
    out += ["", "## Hygiene", ""]
    if audit.hygiene.citations:
        out.append("Cites: " + ", ".join(_md(c) for c in audit.hygiene.citations))
        out.append("")
    out += [f"- **{f.kind}**: {_md(f.text)}" for f in audit.hygiene.flags] or ["- No hygiene flags."]
    out += ["", f"## Claims ({len(audit.claims)})", ""]
    for i, c in enumerate(audit.claims, 1):
        out += [f"### {i}. {c.label}: {_claim_head(c)}", "", f"> {_md(c.claim.sentence)}", "",
                f"Why: {_md(c.why)}"]
        out += [f"- {_cite_md(x)}" for x in c.citations]
        out += [f"- {f.body}, {f.date} ({f.kind}): {_md(f.statement)} [source]({f.source_url})"
                for f in c.facts]
        out.append("")
    out += ["_Claims are read by rules (docs/audit.md); each is checked against scisays' own graded "
            "evidence, whose reasons `scisays ask` shows in full._", ""]
    return "\n".join(out)


def render_json(audit: AuditReport) -> str:
    return json.dumps(audit.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_terminal(audit: AuditReport) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"Audit: {_title(audit)}", style="bold"),
        Text(audit.summary(), style="bold"),
    ]
    for s, v in audit.verdicts():
        parts.append(Text(f"  The evidence on {s} for {v.condition}: {v.label} (certainty {v.certainty})"))
    for r in audit.reports:
        parts.append(Text(f"  Safety of {r.question.substance}: {r.safety.rating}"))
    for n in audit.notes:
        parts.append(Text(f"  {n}", style="yellow"))
    flags = Text()
    for f in audit.hygiene.flags:
        flags.append(f"• {f.kind}: ", style="bold yellow")
        flags.append(f.text + "\n")
    parts.append(Panel(flags or Text("No hygiene flags."), title="Hygiene", title_align="left"))
    for i, c in enumerate(audit.claims, 1):
        body = Text()
        body.append(f"“{' '.join(c.claim.sentence.split())}”\n", style="italic")
        body.append(f"Why: {c.why}\n")
        for x in c.citations:
            body.append(f"  {x.citation}" + (f": “{x.sentence}”" if x.sentence else "") + "\n", style="dim")
        for fact in c.facts:
            body.append(f"  {fact.body}, {fact.date}: {fact.statement} ({fact.source_url})\n", style="dim")
        parts.append(Panel(body, title=Text(f"{i}. {c.label}: {_claim_head(c)}",
                                            style=_LABEL_STYLE[c.label]), title_align="left"))
    return Group(*parts)


def _cite_html(c: Citation) -> Markup:
    url = safe_url(c.url)
    head = (Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(url, c.citation) if url
            else Markup("{}").format(c.citation))
    return Markup("<li>{}{}</li>").format(head, Markup(": “{}”").format(c.sentence) if c.sentence else "")


def render_html_body(audit: AuditReport) -> Markup:
    a = audit.article
    verdicts = Markup("").join(
        Markup("<li>The evidence on {} for {}: <strong>{}</strong> (certainty {})</li>").format(
            s, v.condition, v.label, v.certainty) for s, v in audit.verdicts())
    verdicts += Markup("").join(Markup("<li>Safety of {}: <strong>{}</strong></li>").format(
        r.question.substance, r.safety.rating) for r in audit.reports)
    verdicts += Markup("").join(Markup("<li>{}</li>").format(n) for n in audit.notes)
    flags = Markup("").join(Markup("<li><strong>{}</strong>: {}</li>").format(f.kind, f.text)
                            for f in audit.hygiene.flags) or Markup("<li>No hygiene flags.</li>")
    cites = (Markup("<p>Cites: {}</p>").format(", ".join(audit.hygiene.citations))
             if audit.hygiene.citations else Markup(""))
    claims = Markup("").join(
        Markup('<article class="claim" id="claim-{i}"><h3><span class="verdict {cls}">{label}</span> '
               "{head}</h3><blockquote>{sentence}</blockquote><p>Why: {why}</p><ul>{cites}{facts}</ul>"
               "</article>").format(
            i=i, cls=_LABEL_CLASS[c.label], label=str(c.label), head=_claim_head(c),
            sentence=" ".join(c.claim.sentence.split()), why=c.why,
            cites=Markup("").join(_cite_html(x) for x in c.citations),
            facts=Markup("").join(Markup("<li>{}, {} ({}): {} {}</li>").format(
                f.body, f.date, f.kind, f.statement,
                Markup('<a href="{}" rel="noopener noreferrer">source</a>').format(u)
                if (u := safe_url(f.source_url)) else "") for f in c.facts))
        for i, c in enumerate(audit.claims, 1))
    meta = " · ".join(x for x in (a.source, a.author, a.date) if x)
    return Markup(
        '<main id="main" aria-labelledby="audit-title"><header><h1 id="audit-title">Audit: {title}</h1>'
        '<p class="meta">{meta}</p></header>'
        '<section id="summary" aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>'
        '<p class="answer"><strong>{summary}</strong></p><ul>{verdicts}</ul></section>'
        '<section id="hygiene" aria-labelledby="h-hygiene"><h2 id="h-hygiene">Hygiene</h2>{cites}'
        "<ul>{flags}</ul></section>"
        '<section id="claims" aria-labelledby="h-claims"><h2 id="h-claims">Claims ({n})</h2>'
        "{claims}</section>"
        "</main>").format(title=_title(audit), meta=meta, summary=audit.summary(), verdicts=verdicts,
                          cites=cites, flags=flags, n=len(audit.claims), claims=claims)


def render_html(audit: AuditReport) -> str:
    """One self-contained page: inline CSS, no script, a CSP that forbids everything else."""
    return str(Markup(
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Audit: {title}</title><style>{css}</style></head>"
        "<body>{body}</body></html>\n").format(
            csp=FILE_CSP, title=_title(audit), css=Markup(REPORT_CSS), body=render_html_body(audit)))
