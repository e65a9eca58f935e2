#!/usr/bin/env python3
"""Deterministic corpus of realistic mineral-policy feeds for bench/parse_bench.

    gen_corpus.py OUT_DIR [--mb 60] [--seed 1]

Writes feed files into OUT_DIR until they add up to at least --mb megabytes
(10^6 bytes), plus OUT_DIR/manifest.tsv (one line per file: name, format,
encoding, language, items, bytes).  No network; standard library only; the
same arguments always give byte-identical files.

The mix, by number of feeds (XML dominates, which is what the floor measures):
  ~57% RSS 2.0      content:encoded, dc:creator, media:content, enclosures,
                    CDATA or escaped HTML descriptions with HTML entities
  ~20% Atom 1.0     html (escaped) and xhtml content, xml:base relative links
   ~8% RSS 1.0      RDF with rdf:Seq, dc:date, content:encoded
  ~15% JSON Feed 1.1 content_html or content_text, attachments, \\u escapes
About 18% of the feeds are Chinese (zh-CN); nearly half of the Chinese RSS
and RDF feeds are GB18030 encoded.  About 8% of the English RSS feeds are
written in windows-1252.  English text also carries Chinese terms now and
then (稀土, 出口管制).  Each feed has 20-200 items and is 5 KB-2 MB (15 KB-1.9 MB
in the default corpus): minimal, headline, summary, full-text and long-form
feeds.
"""
import argparse
import datetime as dt
import html
import json
import os
import random
import sys

T_BASE = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
MAX_FEED_BYTES = 2_000_000
MIN_FEED_BYTES = 5_000

# ------------------------------------------------------------------ English
EN_MINERALS = [
    "rare earths", "gallium", "germanium", "antimony", "graphite", "tungsten",
    "lithium", "cobalt", "nickel", "dysprosium", "terbium", "neodymium magnets",
    "indium", "bismuth", "molybdenum", "scandium", "yttrium", "magnesium",
    "polysilicon", "high-purity manganese", "rare-earth magnets", "heavy rare earths",
]
EN_ACTORS = [
    "China", "Beijing", "China's commerce ministry", "the US Commerce Department",
    "the Bureau of Industry and Security", "the European Commission", "Japan's METI",
    "Australia", "Canada", "Indonesia", "Vietnam", "India", "South Korea",
    "Germany", "the UK", "Brazil", "the DRC", "Kazakhstan", "Chile", "Myanmar",
    "the G7", "Washington", "Brussels", "Tokyo", "Ottawa", "Canberra",
]
EN_PLACES = [
    "Baotou", "Ganzhou", "Mount Weld", "Mountain Pass", "Lynn Lake", "Kvanefjeld",
    "Sokolov", "Kalgoorlie", "Thunder Bay", "Pilbara", "Norrbotten", "Limousin",
    "Saxony", "Kolwezi", "Salar de Atacama", "Bayan Obo", "Jiangxi", "Guangxi",
    "Québec", "Zürich", "São Paulo", "Rotterdam", "Antwerp", "Nagoya",
]
EN_COMPANIES = [
    "Halvard Metals", "Corvid Resources", "Pellucid Materials", "Tern Mining Ltd",
    "Ostrava Refining a.s.", "Société Minière du Nord", "Kōbe Specialty Alloys",
    "Greywater Semiconductors", "Arclight Magnetics", "Quillon Chemicals AG",
    "Northfold Battery Corp.", "Sable & Finch Trading", "Brightwell Photonics",
    "Tamarind Rare Metals", "Ridgeback Defense Systems", "Lodestar Minerals plc",
]
EN_PEOPLE = [
    "Maya Lindgren", "Chen Xiaoming", "Rafael Ortiz", "Priya Natarajan",
    "Hiroshi Tanaka", "Zofia Nowak", "Kwame Boateng", "Ingrid Solberg",
    "Liu Fang", "Aoife Brennan", "Dmitri Volkov", "Amara Nwosu", "José Peña",
    "Staff writer", "Markets desk",
]
EN_TAGS = [
    "Critical minerals", "Export controls", "Trade policy", "Semiconductors",
    "Supply chain", "Mining", "Batteries", "Defence", "China", "Tariffs",
    "Sanctions", "Commodities", "ESG", "Energy transition", "Magnets",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]

EN_TITLES = [
    "{A} expands export controls to cover {m}",
    "{A} grants first {m} export licences under new regime",
    "{M} prices hit {n}-month high after {A} curbs",
    "Explainer: how {A}'s {m} restrictions work",
    "{co} to restart {m} refinery in {place}",
    "{A} and {B} agree {m} stockpiling pact",
    "{M} shipments from {A} fall {pct}% in {month}",
    "Industry groups urge {A} to ease {m} licensing delays",
    "{A} adds {m} to its critical minerals list",
    "{co} wins ${n}m grant for {m} separation plant in {place}",
    "Customs data: {m} exports rebound as licences clear",
    "{A} adds {n} entities to export-control list over {m} trade",
    "Opinion: the {m} chokepoint is a policy choice",
    "WTO members question {A}'s {m} export regime",
    "{A} suspends {m} export ban to {B} until {month}",
    "Chipmakers scramble for {m} as {A} tightens rules",
    "{co} signs {m} offtake deal with {co2}",
    "Q&A: what the {m} controls mean for {B}",
    "Weekly wrap: {m}, tariffs & the {month} licence backlog",
    "{A} customs tighten checks on {m} transshipment via {B}",
]
EN_SENTENCES = [
    "The rules cover {m} and related compounds used in chips, lasers and defence systems.",
    "{A} accounts for roughly {pct}% of global {m} supply, according to industry estimates.",
    "Spot {m} in {place} traded at ${n} per kilogram on Tuesday, up from ${n2} a month ago.",
    "Exporters must now apply for a licence for each shipment, the ministry said in a statement.",
    "Officials did not say how long the review of pending applications would take.",
    "Analysts at {co} said buyers in {B} had drawn down inventories since {month}.",
    "\u201cWe are seeing lead times stretch to twelve weeks,\u201d said {person}, a trader in {place}.",
    "The measures take effect on {month} {day} and apply to dual-use items.",
    "Shares of {co} rose {pct}% in early trading after the announcement.",
    "{A} said the decision was consistent with its non-proliferation obligations.",
    "The move follows a year of tit-for-tat restrictions between {A} and {B}.",
    "Processing capacity outside {A} remains limited, with most new plants years away.",
    "A spokesperson for {co} declined to comment on supply contracts.",
    "Chinese-language notices refer to the items as \u7a00\u571f (rare earths) and \u51fa\u53e3\u7ba1\u5236 (export control).",
    "Freight rates from {place} to {B} have eased {pct}% since {month}.",
    "The ministry published a list of {n} tariff codes affected by the rules.",
    "Environmental groups raised concerns about tailings at the {place} site.",
    "Officials from {A} & {B} are due to meet again in {place} in {month}.",
    "The agency\u2019s notice runs to {n} pages and lists \u2018catch-all\u2019 provisions.",
    "Prices for {m} have been volatile \u2014 swinging {pct}% within a single week.",
]
EN_FEED_NAMES = [
    "Critical Minerals Wire", "Metals & Policy Daily", "Strategic Materials Review",
    "Export Control Monitor", "Rare Metals Brief", "Supply Chain Ledger",
    "Mining Policy Watch", "Trade Compliance Today", "Battery Materials Journal",
    "Semiconductor Supply Report", "Commodity Desk", "Resource Security Bulletin",
]

# ------------------------------------------------------------------ Chinese
ZH_MINERALS = [
    "\u7a00\u571f", "\u9553", "\u9517", "\u9511", "\u77f3\u58a8", "\u94a8", "\u9502",
    "\u94b4", "\u954d", "\u955d", "\u94fd", "\u94d5\u94c1\u787c\u78c1\u4f53",
    "\u94df", "\u94cb", "\u94bc", "\u8d85\u786c\u6750\u6599",
]
ZH_ACTORS = [
    "\u5546\u52a1\u90e8", "\u6d77\u5173\u603b\u7f72", "\u5de5\u4e1a\u548c\u4fe1\u606f\u5316\u90e8",
    "\u81ea\u7136\u8d44\u6e90\u90e8", "\u7f8e\u56fd\u5546\u52a1\u90e8", "\u6b27\u76df\u59d4\u5458\u4f1a",
    "\u65e5\u672c\u7ecf\u6d4e\u4ea7\u4e1a\u7701", "\u56fd\u52a1\u9662",
]
ZH_PLACES = [
    "\u6c5f\u897f\u8d63\u5dde", "\u5185\u8499\u53e4\u5305\u5934", "\u56db\u5ddd\u51c9\u5c71",
    "\u5e7f\u897f\u5d07\u5de6", "\u6e56\u5357\u90f4\u5dde", "\u4e91\u5357\u6587\u5c71",
    "\u798f\u5efa\u9f99\u5ca9",
]
ZH_COMPANIES = [
    "\u534e\u5cb3\u7a00\u571f", "\u4e1c\u8fb0\u65b0\u6750\u6599", "\u5357\u5cad\u94a8\u4e1a",
    "\u4e2d\u745e\u77ff\u4e1a", "\u8fdc\u822a\u65b0\u6750\u6599", "\u8d63\u5357\u7cbe\u70bc",
]
ZH_TITLES = [
    "{A} {A2}\u516c\u544a{year}\u5e74\u7b2c{n}\u53f7 \u5173\u4e8e\u5bf9{m}\u76f8\u5173\u7269\u9879\u5b9e\u65bd\u51fa\u53e3\u7ba1\u5236\u7684\u516c\u544a",
    "{A}\u53d1\u5e03{m}\u51fa\u53e3\u8bb8\u53ef\u7533\u8bf7\u6307\u5357",
    "{m}\u4ef7\u683c\u672c\u5468\u4e0a\u6da8{pct}%\uff0c\u5e02\u573a\u5173\u6ce8\u51fa\u53e3\u7ba1\u5236\u653f\u7b56",
    "{co}\u5728{place}\u5efa\u8bbe\u5e74\u4ea7{n}\u5428{m}\u9879\u76ee",
    "{A}\uff1a{mon}\u6708{m}\u51fa\u53e3\u91cf\u540c\u6bd4\u4e0b\u964d{pct}%",
    "\u5173\u4e8e\u52a0\u5f3a{m}\u6218\u7565\u8d44\u6e90\u4fdd\u62a4\u7684\u901a\u77e5",
    "{m}\u4ea7\u4e1a\u94fe\u5b89\u5168\u5ea7\u8c08\u4f1a\u5728{place}\u53ec\u5f00",
    "\u4e24\u7528\u7269\u9879\u51fa\u53e3\u7ba1\u5236\u6761\u4f8b\u5b9e\u65bd\u4e00\u5468\u5e74\uff1a{m}\u51fa\u53e3\u8bb8\u53ef\u5ba1\u6279\u60c5\u51b5",
    "\u300a{m}\u884c\u4e1a\u89c4\u8303\u6761\u4ef6\u300b\u5f81\u6c42\u610f\u89c1\u7a3f\u53d1\u5e03",
]
ZH_SENTENCES = [
    "\u6839\u636e\u300a\u4e2d\u534e\u4eba\u6c11\u5171\u548c\u56fd\u51fa\u53e3\u7ba1\u5236\u6cd5\u300b\uff0c{m}\u76f8\u5173\u7269\u9879\u672a\u7ecf\u8bb8\u53ef\u4e0d\u5f97\u51fa\u53e3\u3002",
    "\u4e1a\u5185\u4eba\u58eb\u8868\u793a\uff0c{m}\u4f9b\u5e94\u94fe\u77ed\u671f\u5185\u4ecd\u5c06\u504f\u7d27\u3002",
    "{A}\u65b0\u95fb\u53d1\u8a00\u4eba\u5728\u4f8b\u884c\u53d1\u5e03\u4f1a\u4e0a\u56de\u7b54\u4e86\u8bb0\u8005\u63d0\u95ee\u3002",
    "\u636e\u6d77\u5173\u6570\u636e\uff0c{mon}\u6708{m}\u51fa\u53e3\u91cf\u4e3a{n}\u5428\uff0c\u73af\u6bd4\u53d8\u5316{pct}%\u3002",
    "\u5206\u6790\u4eba\u58eb\u6307\u51fa\uff0c\u76f8\u5173\u63aa\u65bd\u7b26\u5408\u56fd\u9645\u901a\u884c\u505a\u6cd5\u3002",
    "\u4f01\u4e1a\u5e94\u5f53\u6309\u7167\u89c4\u5b9a\u5411\u4e3b\u7ba1\u90e8\u95e8\u63d0\u4ea4\u7533\u8bf7\u6750\u6599\u3002",
    "{co}\u8868\u793a\uff0c\u5c06\u52a0\u5feb\u63a8\u8fdb{place}{m}\u5206\u79bb\u9879\u76ee\u5efa\u8bbe\u3002",
    "\u672c\u516c\u544a\u81ea{year}\u5e74{mon}\u6708{day}\u65e5\u8d77\u6b63\u5f0f\u5b9e\u65bd\u3002",
    "\u6709\u5173\u7269\u9879\u5305\u62ec\u6c27\u5316{m}\u3001\u91d1\u5c5e{m}\u53ca\u5176\u5408\u91d1\uff08\u6d77\u5173\u5546\u54c1\u7f16\u53f7{hs}\uff09\u3002",
    "\u5e02\u573a\u4eba\u58eb\u8ba4\u4e3a\uff0c\u7f8e\u56fd\u548c\u6b27\u76df\u7684\u76f8\u5173\u653f\u7b56\u4ecd\u5b58\u5728\u4e0d\u786e\u5b9a\u6027\u3002",
]
ZH_TAGS = ["\u51fa\u53e3\u7ba1\u5236", "\u7a00\u571f", "\u5173\u952e\u77ff\u4ea7",
           "\u653f\u7b56\u89e3\u8bfb", "\u5e02\u573a\u884c\u60c5", "\u8d38\u6613"]
ZH_PEOPLE = ["\u738b\u4f1f", "\u674e\u9759", "\u5f20\u660e", "\u9648\u6653\u71d5", "\u672c\u62a5\u8bb0\u8005"]
ZH_FEED_NAMES = ["\u5173\u952e\u77ff\u4ea7\u653f\u7b56\u5feb\u8baf", "\u6709\u8272\u91d1\u5c5e\u5e02\u573a\u89c2\u5bdf",
                 "\u51fa\u53e3\u7ba1\u5236\u52a8\u6001", "\u7a00\u571f\u884c\u4e1a\u8d44\u8baf"]

# Entities a CMS leaves in HTML (only ever inside CDATA or escaped HTML, never
# as XML entities, so the XML stays well-formed).
HTML_ENTITY_SNIPPETS = [
    "&nbsp;", "&mdash;", "&ndash;", "&rsquo;", "&ldquo;", "&rdquo;", "&hellip;",
    "&eacute;", "&copy;", "&#8217;", "&#x2014;", "&amp;", "&euro;", "&middot;",
]


# ------------------------------------------------------------------ text
class Writer:
    """Fills templates for one feed from its own random stream."""

    def __init__(self, r, zh):
        self.r = r
        self.zh = zh

    def _fields(self, mineral=None):
        r = self.r
        if self.zh:
            a, a2 = r.sample(ZH_ACTORS, 2)
            m = mineral or r.choice(ZH_MINERALS)
            return dict(A=a, A2=a2, m=m, co=r.choice(ZH_COMPANIES), place=r.choice(ZH_PLACES),
                        n=r.randint(2, 900), pct=round(r.uniform(0.5, 60), 1),
                        mon=r.randint(1, 12), day=r.randint(1, 28), year=r.randint(2023, 2026),
                        hs=f"{r.randint(2800, 8199)}.{r.randint(10, 99)}{r.randint(10, 99)}")
        a, b = r.sample(EN_ACTORS, 2)
        co, co2 = r.sample(EN_COMPANIES, 2)
        m = mineral or r.choice(EN_MINERALS)
        return dict(A=a, B=b, m=m, M=m[:1].upper() + m[1:], co=co, co2=co2,
                    place=r.choice(EN_PLACES), n=r.randint(2, 950), n2=r.randint(2, 950),
                    pct=r.randint(2, 85), month=r.choice(MONTHS), day=r.randint(1, 28),
                    person=r.choice(EN_PEOPLE))

    def title(self):
        t = self.r.choice(ZH_TITLES if self.zh else EN_TITLES)
        s = t.format(**self._fields())
        return s[:1].upper() + s[1:]

    def sentence(self):
        t = self.r.choice(ZH_SENTENCES if self.zh else EN_SENTENCES)
        return t.format(**self._fields())

    def paragraph(self, k_lo=2, k_hi=4):
        sep = "" if self.zh else " "
        return sep.join(self.sentence() for _ in range(self.r.randint(k_lo, k_hi)))

    def html_paragraph(self, link=None):
        """One <p> of HTML with some inline markup and entities."""
        r = self.r
        text = html.escape(self.paragraph(), quote=False)
        words = text.split(" ")
        # Inline markup wraps two words; spans never overlap, so the same
        # HTML is also well-formed XHTML for Atom type="xhtml" content.
        used = set()
        if len(words) > 6 and r.random() < 0.35:
            i = r.randrange(1, len(words) - 3)
            tag = r.choice(["strong", "em", "b", "i"])
            words[i] = f"<{tag}>{words[i]}"
            words[i + 1] = f"{words[i + 1]}</{tag}>"
            used.update((i, i + 1))
        if link and len(words) > 3 and r.random() < 0.5:
            i = r.randrange(0, len(words) - 2)
            if i not in used and i + 1 not in used:
                words[i] = f'<a href="{link}" rel="noopener">{words[i]}'
                words[i + 1] = words[i + 1] + "</a>"
        if len(words) > 4 and r.random() < 0.4:
            words.insert(r.randrange(1, len(words)), r.choice(HTML_ENTITY_SNIPPETS))
        return "<p>" + " ".join(words) + "</p>"


# ------------------------------------------------------------------ model
def feed_plan(seed, i):
    r = random.Random(f"mineral-bench/{seed}/feed/{i}")
    x = r.random()
    zh = r.random() < 0.18
    if x < 0.44:
        fmt = "rss"
    elif x < 0.64:
        fmt = "atom"
    elif x < 0.72:
        fmt = "rdf"
    elif x < 0.87:
        fmt = "json"
    else:
        fmt = "rss"
    if zh:
        encoding = "gb18030" if (fmt in ("rss", "rdf") and r.random() < 0.45) else "utf-8"
    else:
        encoding = "windows-1252" if (fmt == "rss" and r.random() < 0.08) else "utf-8"
    p = r.random()
    if p < 0.10:
        profile = "minimal"      # title, link, date: 5-60 KB
    elif p < 0.35:
        profile = "headline"
    elif p < 0.70:
        profile = "summary"
    elif p < 0.92:
        profile = "fulltext"
    else:
        profile = "longform"     # long articles: up to the 2 MB cap
    name = r.choice(ZH_FEED_NAMES if zh else EN_FEED_NAMES)
    domain = f"{'cn-' if zh else ''}{name.encode('utf-8').hex()[:8]}-{i}.example"
    if not zh:
        domain = "".join(c for c in name.lower() if c.isalnum())[:18] + f"{i}.example"
    return {
        "i": i, "r": r, "fmt": fmt, "zh": zh, "encoding": encoding, "profile": profile,
        "name": name, "domain": domain, "n_items": r.randint(20, 200),
        "lang": "zh-CN" if zh else r.choice(["en-US", "en-GB", "en"]),
        "interval": r.randint(10, 600), "start": r.randint(0, 60 * 24 * 200),
        "cdata": r.random() < 0.6, "tz": r.choice(["+0000", "GMT", "-0400", "-0500", "EST", "+0100", "Z"])
        if not zh else r.choice(["+0800", "+0800", "GMT"]),
        "media": r.random() < 0.5, "xml_base": r.random() < 0.3, "xhtml": r.random() < 0.4,
        "ascii_json": r.random() < 0.4, "pretty_json": r.random() < 0.5,
    }


def make_items(plan):
    r = plan["r"]
    w = Writer(r, plan["zh"])
    items = []
    for k in range(plan["n_items"]):
        when = T_BASE + dt.timedelta(minutes=plan["start"] - k * plan["interval"] - r.randint(0, 9))
        title = w.title()
        slug = f"{when:%Y/%m/%d}/{plan['i']:05d}-{k:04d}"
        link_path = f"/news/{slug}.html"
        link = f"https://www.{plan['domain']}{link_path}"
        prof = plan["profile"]
        if prof == "minimal":
            paras = []
        elif prof == "headline":
            paras = [w.paragraph(1, 2)]
        elif prof == "summary":
            paras = [w.paragraph(2, 4) for _ in range(r.randint(1, 2))]
        else:
            paras = [w.paragraph(2, 4)]
        summary_html = "".join(w.html_paragraph(link if j == 0 else None) for j, _ in enumerate(paras))
        if paras and r.random() < 0.25:
            summary_html += (f'<p>The post <a href="{link}">{html.escape(title, quote=False)}</a> '
                             f"appeared first on {html.escape(plan['name'], quote=False)}.</p>")
        content_html = None
        if prof in ("fulltext", "longform"):
            blocks = []
            for j in range(r.randint(4, 16) if prof == "fulltext" else r.randint(15, 45)):
                y = r.random()
                if y < 0.08:
                    blocks.append(f"<blockquote><p>{html.escape(w.sentence(), quote=False)}</p></blockquote>")
                elif y < 0.14:
                    blocks.append("<ul>" + "".join(f"<li>{html.escape(w.sentence(), quote=False)}</li>"
                                                   for _ in range(r.randint(2, 4))) + "</ul>")
                elif y < 0.18:
                    blocks.append(f'<figure><img src="https://cdn.{plan["domain"]}/img/{plan["i"]}-{k}-{j}.jpg" '
                                  f'alt="{html.escape(w.sentence()[:60])}" width="800" height="450" />'
                                  f"<figcaption>{html.escape(w.sentence(), quote=False)}</figcaption></figure>")
                elif y < 0.20:
                    blocks.append("<h2>" + html.escape(w.title(), quote=False) + "</h2>")
                else:
                    blocks.append(w.html_paragraph(link if r.random() < 0.2 else None))
            if r.random() < 0.1:
                blocks.append('<script type="text/javascript">window.dataLayer=window.dataLayer||[];'
                              "if(a<b&&c){track('read');}</script>")
            blocks.append(f'<img src="https://stats.{plan["domain"]}/px.gif?i={k}" width="1" height="1" alt="" />')
            content_html = "".join(blocks)
        tags = r.sample(ZH_TAGS if plan["zh"] else EN_TAGS, r.randint(0, 0 if prof == "minimal" else 4))
        items.append({
            "k": k, "title": title, "link": link, "link_path": link_path, "when": when,
            "updated": when + dt.timedelta(minutes=r.choice([0, 0, 0, 5, 90])),
            "author": r.choice(ZH_PEOPLE if plan["zh"] else EN_PEOPLE), "tags": tags,
            "summary_html": summary_html, "content_html": content_html,
            "guid_tag": r.random() < 0.5,
            "image": (f"https://cdn.{plan['domain']}/img/{plan['i']}-{k}.jpg"
                      if plan["media"] and prof != "minimal" and r.random() < 0.8 else None),
            "audio": r.random() < 0.03,
            "amp_title": (not plan["zh"]) and r.random() < 0.05,
        })
    return items


# ------------------------------------------------------------------ XML output
def xesc(s):
    return html.escape(s, quote=True).replace("&#x27;", "&apos;")


def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rfc822(t, tz):
    if tz in ("+0000", "GMT", "Z"):
        local, zone = t, ("GMT" if tz != "+0000" else "+0000")
    else:
        hours = {"-0400": -4, "-0500": -5, "EST": -5, "+0100": 1, "+0800": 8}[tz]
        local, zone = t + dt.timedelta(hours=hours), tz
    return local.strftime("%a, %d %b %Y %H:%M:%S ") + zone


def rfc3339(t, plan, frac=False):
    if plan["zh"]:
        local = t + dt.timedelta(hours=8)
        return local.strftime("%Y-%m-%dT%H:%M:%S") + (".000" if frac else "") + "+08:00"
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".000" if frac else "") + "Z"


def html_field(plan, s):
    """HTML inside an RSS element: CDATA or XML-escaped, as the feed chooses."""
    return cdata(s) if plan["cdata"] else xesc(s)


def render_rss(plan, items):
    p = plan
    base = f"https://www.{p['domain']}"
    o = [f'<?xml version="1.0" encoding="{p["encoding"].upper() if p["encoding"] != "utf-8" else "UTF-8"}"?>',
         '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
         'xmlns:media="http://search.yahoo.com/mrss/" '
         'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">',
         "<channel>",
         f"\t<title>{xesc(p['name'])}</title>",
         f"\t<atom:link href=\"{base}/feed/\" rel=\"self\" type=\"application/rss+xml\" />",
         f"\t<link>{base}/</link>",
         f"\t<description>{xesc(p['name'])} \u2014 policy, prices and supply of critical minerals</description>",
         f"\t<lastBuildDate>{rfc822(items[0]['when'], p['tz'])}</lastBuildDate>",
         f"\t<language>{p['lang']}</language>",
         "\t<sy:updatePeriod>hourly</sy:updatePeriod>",
         "\t<sy:updateFrequency>1</sy:updateFrequency>",
         "\t<generator>https://wordpress.org/?v=6.4.2</generator>",
         f"\t<image><url>{base}/logo.png</url><title>{xesc(p['name'])}</title><link>{base}/</link>"
         "<width>144</width><height>40</height></image>"]
    if p["i"] % 3 == 0:
        o.append("\t<ttl>30</ttl>")
    for it in items:
        title = xesc(it["title"])
        if it["amp_title"]:
            title = title.replace(" ", " &amp;#8217; ", 1)  # double-escaped, as some CMSs do
        o.append("\t<item>")
        o.append(f"\t\t<title>{title}</title>")
        o.append(f"\t\t<link>{xesc(it['link'])}</link>")
        if it["guid_tag"]:
            o.append(f"\t\t<guid isPermaLink=\"false\">{base}/?p={p['i'] * 100000 + it['k']}</guid>")
        else:
            o.append(f"\t\t<guid>{xesc(it['link'])}</guid>")
        o.append(f"\t\t<pubDate>{rfc822(it['when'], p['tz'])}</pubDate>")
        o.append(f"\t\t<dc:creator>{cdata(it['author'])}</dc:creator>")
        for t in it["tags"]:
            o.append(f"\t\t<category>{cdata(t)}</category>")
        if it["summary_html"]:
            o.append(f"\t\t<description>{html_field(p, it['summary_html'])}</description>")
        if it["content_html"] is not None:
            o.append(f"\t\t<content:encoded>{cdata(it['content_html'])}</content:encoded>")
        if it["image"]:
            o.append(f'\t\t<media:content url="{it["image"]}" medium="image" type="image/jpeg" '
                     f'width="1200" height="675"><media:title type="plain">{xesc(it["title"])}</media:title>'
                     f"<media:credit>{xesc(it['author'])}</media:credit></media:content>")
            o.append(f'\t\t<media:thumbnail url="{it["image"]}?w=300" width="300" height="169" />')
        if it["audio"]:
            o.append(f'\t\t<enclosure url="{base}/audio/{it["k"]}.mp3" length="{7_000_000 + it["k"]}" '
                     'type="audio/mpeg" />')
        o.append("\t</item>")
    o += ["</channel>", "</rss>", ""]
    return "\n".join(o)


def render_atom(plan, items):
    p = plan
    base = f"https://www.{p['domain']}/"
    o = ['<?xml version="1.0" encoding="utf-8"?>',
         f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{p["lang"]}"'
         + (f' xml:base="{base}"' if p["xml_base"] else "") + ">",
         f'  <title type="text">{xesc(p["name"])}</title>',
         f'  <subtitle type="html">{xesc("<em>" + p["name"] + "</em> &mdash; critical minerals")}</subtitle>',
         f'  <link rel="alternate" type="text/html" href="{base}"/>',
         f'  <link rel="self" type="application/atom+xml" href="{base}feed.atom"/>',
         f"  <id>tag:{p['domain']},2025:feed</id>",
         f"  <updated>{rfc3339(items[0]['updated'], p)}</updated>",
         f"  <author><name>{xesc(p['name'])}</name><uri>{base}</uri></author>",
         f"  <rights>\u00a9 2025 {xesc(p['name'])}</rights>",
         '  <generator uri="https://example.invalid/cms" version="3.1">ExampleCMS</generator>']
    for it in items:
        href = it["link_path"][1:] if p["xml_base"] else it["link"]
        o.append("  <entry>")
        if it["k"] % 4 == 1:
            o.append(f'    <title type="html">{xesc(html.escape(it["title"], quote=False))}</title>')
        else:
            o.append(f'    <title type="text">{xesc(it["title"])}</title>')
        o.append(f'    <link rel="alternate" type="text/html" href="{xesc(href)}"/>')
        o.append(f"    <id>tag:{p['domain']},{it['when']:%Y-%m-%d}:/news/{p['i']}/{it['k']}</id>")
        o.append(f"    <published>{rfc3339(it['when'], p, it['k'] % 5 == 0)}</published>")
        o.append(f"    <updated>{rfc3339(it['updated'], p)}</updated>")
        o.append(f"    <author><name>{xesc(it['author'])}</name></author>")
        for t in it["tags"]:
            o.append(f'    <category term="{xesc(t)}" label="{xesc(t)}"/>')
        if it["summary_html"]:
            o.append(f'    <summary type="html">{xesc(it["summary_html"])}</summary>')
        if it["content_html"] is not None:
            if p["xhtml"]:
                o.append('    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                         + to_xhtml(it["content_html"]) + "</div></content>")
            else:
                o.append(f'    <content type="html">{xesc(it["content_html"])}</content>')
        if it["image"]:
            o.append(f'    <link rel="enclosure" type="image/jpeg" href="{it["image"]}" length="{90000 + it["k"]}"/>')
        o.append("  </entry>")
    o += ["</feed>", ""]
    return "\n".join(o)


def to_xhtml(s):
    """The generator's HTML as well-formed XHTML: named HTML entities become
    numeric references, and the script (not XHTML-safe as written) goes."""
    s = s.replace("&nbsp;", "&#160;").replace("&mdash;", "&#8212;").replace("&ndash;", "&#8211;")
    s = s.replace("&rsquo;", "&#8217;").replace("&ldquo;", "&#8220;").replace("&rdquo;", "&#8221;")
    s = s.replace("&hellip;", "&#8230;").replace("&eacute;", "&#233;").replace("&copy;", "&#169;")
    s = s.replace("&euro;", "&#8364;").replace("&middot;", "&#183;")
    i = s.find("<script")
    if i >= 0:
        j = s.find("</script>", i)
        s = s[:i] + s[j + len("</script>"):]
    return s


def render_rdf(plan, items):
    p = plan
    base = f"https://www.{p['domain']}"
    enc = "GB18030" if p["encoding"] == "gb18030" else "utf-8"
    o = [f'<?xml version="1.0" encoding="{enc}"?>',
         '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
         'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
         'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
         'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">',
         f'<channel rdf:about="{base}/index.rdf">',
         f"<title>{xesc(p['name'])}</title>",
         f"<link>{base}/</link>",
         f"<description>{xesc(p['name'])}</description>",
         f"<dc:language>{p['lang']}</dc:language>",
         f"<dc:date>{rfc3339(items[0]['when'], p)}</dc:date>",
         "<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>",
         "<items>", "<rdf:Seq>"]
    o += [f'<rdf:li rdf:resource="{xesc(it["link"])}" />' for it in items]
    o += ["</rdf:Seq>", "</items>", "</channel>"]
    for it in items:
        o.append(f'<item rdf:about="{xesc(it["link"])}">')
        o.append(f"<title>{xesc(it['title'])}</title>")
        o.append(f"<link>{xesc(it['link'])}</link>")
        if it["summary_html"]:
            o.append(f"<description>{xesc(it['summary_html'])}</description>")
        o.append(f"<dc:date>{rfc3339(it['when'], p)}</dc:date>")
        o.append(f"<dc:creator>{xesc(it['author'])}</dc:creator>")
        for t in it["tags"]:
            o.append(f"<dc:subject>{xesc(t)}</dc:subject>")
        if it["content_html"] is not None:
            o.append(f"<content:encoded>{cdata(it['content_html'])}</content:encoded>")
        o.append("</item>")
    o += ["</rdf:RDF>", ""]
    return "\n".join(o)


def render_json(plan, items):
    p = plan
    base = f"https://www.{p['domain']}/"
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": p["name"],
        "home_page_url": base,
        "feed_url": base + "feed.json",
        "description": f"{p['name']} \u2014 critical minerals",
        "icon": base + "icon-512.png",
        "favicon": base + "favicon-64.png",
        "language": p["lang"],
        "authors": [{"name": p["name"], "url": base + "about/"}],
        "items": [],
    }
    for it in items:
        e = {"id": f"{p['i']}-{it['k']}", "url": it["link"], "title": it["title"]}
        body = it["content_html"] if it["content_html"] is not None else it["summary_html"]
        if not body:
            e["content_text"] = it["title"]
        elif it["k"] % 7 == 3:
            e["content_text"] = html_to_plain(body)
        else:
            e["content_html"] = body
        if it["content_html"] is not None:
            e["summary"] = html_to_plain(it["summary_html"])[:300]
        if it["image"]:
            e["image"] = it["image"]
        e["date_published"] = rfc3339(it["when"], p)
        if it["updated"] != it["when"]:
            e["date_modified"] = rfc3339(it["updated"], p)
        e["authors"] = [{"name": it["author"]}]
        if it["tags"]:
            e["tags"] = it["tags"]
        if it["audio"]:
            e["attachments"] = [{"url": f"{base}audio/{it['k']}.mp3", "mime_type": "audio/mpeg",
                                 "size_in_bytes": 7_000_000 + it["k"], "duration_in_seconds": 1200}]
        doc["items"].append(e)
    return json.dumps(doc, ensure_ascii=p["ascii_json"], indent=2 if p["pretty_json"] else None) + "\n"


def html_to_plain(s):
    out, in_tag = [], False
    for c in s:
        if c == "<":
            in_tag = True
        elif c == ">":
            in_tag = False
            out.append(" ")
        elif not in_tag:
            out.append(c)
    return " ".join(html.unescape("".join(out)).split())


RENDER = {"rss": (render_rss, "rss"), "atom": (render_atom, "atom"),
          "rdf": (render_rdf, "rdf"), "json": (render_json, "json")}


def encode(text, encoding):
    if encoding == "utf-8":
        return text.encode("utf-8")
    # Characters windows-1252 lacks (Chinese terms, "Kōbe") become numeric
    # references: XML ones in element text, HTML ones inside CDATA HTML; both
    # decode to the same character.  Plain-text CDATA fields (dc:creator,
    # category) only hold characters windows-1252 has.
    return text.encode(encoding, errors="xmlcharrefreplace")


def build_feed(seed, i):
    plan = feed_plan(seed, i)
    items = make_items(plan)
    render, ext = RENDER[plan["fmt"]]
    while True:
        data = encode(render(plan, items), plan["encoding"])
        if len(data) <= MAX_FEED_BYTES or len(items) <= 20:
            break
        items = items[: max(20, int(len(items) * MAX_FEED_BYTES / len(data)) - 1)]
    return plan, items, data, ext


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--mb", type=float, default=60.0, help="total size to reach, in 10^6 bytes (default 60)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    target = int(a.mb * 1_000_000)
    total = n_items = 0
    rows = []
    by_fmt = {}
    i = 0
    while total < target:
        i += 1
        plan, items, data, ext = build_feed(a.seed, i)
        if len(data) < MIN_FEED_BYTES:
            continue
        name = f"f{i:05d}.{ext}"
        with open(os.path.join(a.out_dir, name), "wb") as fh:
            fh.write(data)
        total += len(data)
        n_items += len(items)
        key = plan["fmt"] + ("" if plan["encoding"] == "utf-8" else "/" + plan["encoding"])
        f = by_fmt.setdefault(key, [0, 0, 0])
        f[0] += 1
        f[1] += len(items)
        f[2] += len(data)
        rows.append(f"{name}\t{plan['fmt']}\t{plan['encoding']}\t{plan['lang']}\t{len(items)}\t{len(data)}")
    with open(os.path.join(a.out_dir, "manifest.tsv"), "w", encoding="utf-8") as fh:
        fh.write("file\tformat\tencoding\tlanguage\titems\tbytes\n")
        fh.write("\n".join(rows) + "\n")
    print(f"gen_corpus: {len(rows)} feeds, {n_items} items, {total} bytes "
          f"({total / 1e6:.1f} MB) in {a.out_dir} (seed {a.seed})")
    for k in sorted(by_fmt):
        f = by_fmt[k]
        print(f"  {k:<16} {f[0]:5d} feeds {f[1]:7d} items {f[2] / 1e6:8.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
