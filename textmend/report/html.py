"""Self-contained HTML reports, rendered from the diff model (or witness table) only.

One file, no external assets: inline CSS, a few lines of JS, ``lang="zh"`` and a CJK font
stack; every text run goes through :func:`html.escape`. A pair report has a summary card, a
kind legend that doubles as filters (whitespace and digits hidden by default), an overview bar
of where the changes are, inline and side-by-side tabs, per-region anchors (``#r12``) and
``n``/``p`` keyboard navigation.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from textmend.diffmodel import KINDS, MINOR_KINDS, Model, kind_counts, segments, witness_texts

FOLD_MIN = 400
"""Equal stretches longer than this are folded into a <details> in both views."""
FOLD_KEEP = 80
SIDE_ROW_MIN = 12
"""Changes shorter than this stay inline in the side-by-side view."""

_COLORS = {
    "whitespace": "#b0b0b0",
    "digits": "#8fa8c8",
    "punctuation": "#c9a227",
    "variant_char": "#9b7fd1",
    "corruption": "#e07b39",
    "case": "#7fb3d1",
    "substitution": "#d6453d",
    "insertion": "#2e9e4f",
    "deletion": "#c0392b",
    "block_insertion": "#1e7a3a",
    "block_deletion": "#922b21",
    "moved": "#2980b9",
}

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK TC","Source Han Sans","PingFang SC",
"Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.7}
header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 6px}
.card{display:flex;flex-wrap:wrap;gap:24px;font-size:13px}
.card table{border-collapse:collapse}.card td,.card th{padding:1px 8px;text-align:left}
.legend{margin:8px 0 0;font-size:13px}.legend label{margin-right:12px;cursor:pointer;white-space:nowrap}
.sw{display:inline-block;width:10px;height:10px;margin-right:3px;border-radius:2px}
#overview{position:relative;height:14px;background:#eee;margin:8px 0 0;border-radius:3px}
#overview a{position:absolute;top:0;height:14px;min-width:2px;opacity:.85}
.tabs{margin-top:8px}.tabs button{font:inherit;padding:2px 12px;cursor:pointer}
.tabs button.on{font-weight:bold;background:#fff;border-bottom:2px solid #d6453d}
main{padding:16px 20px}
.view:not(.on){display:none}
.view{white-space:pre-wrap;word-break:break-all;background:#fff;padding:12px;border:1px solid #ddd}
.r del{background:#fbd3d0;text-decoration:line-through;color:#8a1c12}
.r ins{background:#cdeed6;text-decoration:underline;color:#145a2a}
.r .n{font-size:10px;color:#fff;background:#555;border-radius:3px;padding:0 3px;margin:0 1px;
vertical-align:super;text-decoration:none}
.r.cur{outline:2px solid #2980b9}
.minor del,.minor ins{opacity:.6}
.ws{color:#999}
details.fold{display:inline}details.fold summary{display:inline;color:#888;cursor:pointer;
font-size:12px}
table.sbs{width:100%;border-collapse:collapse;table-layout:fixed;background:#fff}
table.sbs td{vertical-align:top;border:1px solid #e3e3e3;padding:4px 8px;white-space:pre-wrap;
word-break:break-all}
table.sbs td.eq{color:#666}
table.wt td.rd{font-size:12px;color:#555;white-space:nowrap}
"""

_JS = r"""
(function(){
var body=document.body;
function vis(){return Array.prototype.filter.call(document.querySelectorAll('.view.on .r'),
 function(e){return e.offsetParent!==null&&!body.classList.contains('hide-'+e.dataset.kind);});}
var cur=-1;
function go(d){var rs=vis();if(!rs.length)return;cur=(cur+d+rs.length)%rs.length;
 document.querySelectorAll('.r.cur').forEach(function(e){e.classList.remove('cur');});
 rs[cur].classList.add('cur');rs[cur].scrollIntoView({block:'center'});}
document.addEventListener('keydown',function(ev){if(ev.target.type==='text'||ev.ctrlKey||ev.metaKey||ev.altKey)return;
 if(ev.key==='n'||ev.key==='j')go(1);else if(ev.key==='p'||ev.key==='k')go(-1);});
document.querySelectorAll('.legend input').forEach(function(cb){
 function apply(){body.classList.toggle('hide-'+cb.value,!cb.checked);}
 cb.addEventListener('change',apply);apply();});
document.querySelectorAll('.tabs button').forEach(function(b){b.addEventListener('click',function(){
 document.querySelectorAll('.tabs button').forEach(function(x){x.classList.toggle('on',x===b);});
 document.querySelectorAll('.view').forEach(function(v){v.classList.toggle('on',v.id===b.dataset.view);});
 cur=-1;});});
var m=/view=(\w+)/.exec(location.hash),start=m&&document.querySelector('.tabs button[data-view="'+m[1]+'"]');
if(start)start.click();
})();
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _ws(text: str) -> str:
    """Escaped text with whitespace inside a change made visible (``↵ · □``)."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append('<span class="ws">↵</span>\n')
        elif ch == " ":
            out.append('<span class="ws">·</span>')
        elif ch == "\u3000":
            out.append('<span class="ws">□</span>')
        elif ch == "\t":
            out.append('<span class="ws">→</span>')
        else:
            out.append(_e(ch))
    return "".join(out)


def _hide_css() -> str:
    # A hidden kind reads as A's text: its deletion shows unmarked, its insertion disappears.
    rules = []
    for k in KINDS:
        rules.append(
            f"body.hide-{k} .k-{k} del{{background:none;text-decoration:none;color:inherit}}"
            f"body.hide-{k} .k-{k} del .ws{{color:transparent}}"
            f"body.hide-{k} .k-{k} ins,body.hide-{k} .k-{k} .n,body.hide-{k} #overview .k-{k}"
            f"{{display:none}}"
        )
    return "\n".join(rules)


def _page(title: str, body: str, script: bool = True) -> str:
    js = f"<script>{_JS}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}\n{_hide_css()}</style>\n</head>\n"
        f"<body>\n{body}\n{js}\n</body>\n</html>\n"
    )


def _fold(text: str) -> str:
    if len(text) <= FOLD_MIN:
        return _e(text)
    head, mid, tail = text[:FOLD_KEEP], text[FOLD_KEEP:-FOLD_KEEP], text[-FOLD_KEEP:]
    return (
        f'{_e(head)}<details class="fold"><summary>… {len(mid)} identical chars …</summary>'
        f"{_e(mid)}</details>{_e(tail)}"
    )


def _summary(model: Model) -> str:
    st = model["stats"]
    rows = "".join(
        f"<tr><th>{_e(str(w['id']))}</th><td>{w['length']} chars</td>"
        f"<td><code>{_e(str(w['sha256'])[:12])}</code></td><td>{_e(str(w.get('source', '')))}</td></tr>"
        for w in model["witnesses"]
    )
    sims = "".join(
        f"<tr><th>{_e(k)}</th><td>{v:.3f}</td></tr>" for k, v in sorted(st.get("similarity", {}).items())
    )
    verdict = "identical after normalisation" if st.get("identical") else f"{st['regions']} regions"
    folds = ", ".join(k for k, v in model["params"].get("folds", {}).items() if v) or "none"
    fb = "".join(f'<p class="fb">fallback: {_e(f)}</p>' for f in st.get("fallbacks", []))
    return (
        f'<div class="card"><div><table>{rows}</table></div><div><table>{sims}</table></div>'
        f"<div><p><b>{_e(verdict)}</b></p><p>folds: {_e(folds)}</p>{fb}</div></div>"
    )


def _legend(model: Model) -> str:
    counts = kind_counts(model)
    items = []
    for k in KINDS:
        if not counts.get(k):
            continue
        checked = "" if k in MINOR_KINDS else " checked"
        items.append(
            f'<label><input type="checkbox" value="{k}"{checked}>'
            f'<span class="sw" style="background:{_COLORS[k]}"></span>{k} ({counts[k]})</label>'
        )
    return '<div class="legend">' + "".join(items) + "</div>"


def _overview(model: Model) -> str:
    total = max(1, model["witnesses"][0]["length"])
    marks = []
    for r in model["regions"]:
        s, e = r["a"]
        left = 100.0 * s / total
        width = max(0.15, 100.0 * (e - s) / total)
        marks.append(
            f'<a class="k-{r["kind"]}" href="#r{r["id"]}" title="[{r["id"]}] {r["kind"]}" '
            f'style="left:{left:.2f}%;width:{width:.2f}%;background:{_COLORS[r["kind"]]}"></a>'
        )
    return '<div id="overview">' + "".join(marks) + "</div>"


def _region_html(r: dict[str, Any], anchor: bool) -> str:
    minor = " minor" if r["kind"] in MINOR_KINDS else ""
    rid = f' id="r{r["id"]}"' if anchor else ""
    title = f"[{r['id']}] {r['kind']}" + (f": {r['note']}" if r.get("note") else "")
    parts = [
        f'<span class="r k-{r["kind"]}{minor}"{rid} data-kind="{r["kind"]}" title="{_e(title)}">',
        f'<span class="n">{r["id"]}</span>',
    ]
    if r["a_text"]:
        parts.append(f"<del>{_ws(r['a_text'])}</del>")
    if r["b_text"]:
        parts.append(f"<ins>{_ws(r['b_text'])}</ins>")
    parts.append("</span>")
    return "".join(parts)


def _inline(model: Model) -> str:
    out = []
    has_text = witness_texts(model) is not None
    for typ, item in segments(model):
        if typ == "equal":
            out.append(_fold(item))
        else:
            if not has_text:
                out.append(f"\n…{_e(item['context_before'])}")
            out.append(_region_html(item, anchor=True))
            if not has_text:
                out.append(f"{_e(item['context_after'])}…\n")
    return '<div class="view on" id="inline">' + "".join(out) + "</div>"


def _side(model: Model) -> str:
    """Two columns for changes of ``SIDE_ROW_MIN`` characters or more; whitespace and digit
    regions and short changes stay inline in the full-width rows of unchanged text (as rows of
    their own they would chop the text into fragments)."""
    texts = witness_texts(model)
    ids = [w["id"] for w in model["witnesses"]]
    rows = [f"<tr><th>{_e(str(ids[0]))}</th><th>{_e(str(ids[1]))}</th></tr>"]
    run: list[str] = []

    def flush() -> None:
        if run:
            rows.append(f'<tr><td class="eq" colspan="2">{"".join(run)}</td></tr>')
            run.clear()

    for typ, item in segments(model):
        if typ == "equal":
            run.append(_fold(item))
            continue
        r = item
        small = max(len(r["a_text"]), len(r["b_text"])) < SIDE_ROW_MIN
        if texts is not None and (r["kind"] in MINOR_KINDS or small):
            run.append(_region_html(r, anchor=False))
            continue
        flush()
        if texts is None:
            left = f"{_e(r['context_before'])}<del>{_ws(r['a_text'])}</del>{_e(r['context_after'])}"
            right = f"{_e(r['context_before'])}<ins>{_ws(r['b_text'])}</ins>{_e(r['context_after'])}"
        else:
            left = f"<del>{_ws(r['a_text'])}</del>"
            right = f"<ins>{_ws(r['b_text'])}</ins>"
        rows.append(
            f'<tr class="r k-{r["kind"]}" data-kind="{r["kind"]}"><td><span class="n">{r["id"]}</span>'
            f"{left}</td><td>{right}</td></tr>"
        )
    flush()
    return '<div class="view" id="side"><table class="sbs">' + "".join(rows) + "</table></div>"


def render_html(model: Model, title: str | None = None) -> str:
    """A self-contained HTML page for one pair (see the module docstring).

    >>> from textmend.align import diff
    >>> page = render_html(diff("<x>今天</x>", "<x>明天</x>"))
    >>> "<x>" in page, "&lt;x&gt;" in page, 'lang="zh"' in page
    (False, True, True)
    """
    ids = [str(w["id"]) for w in model["witnesses"]]
    title = title or f"textmend diff: {ids[0]} ↔ {ids[1]}"
    body = (
        f"<header><h1>{_e(title)}</h1>{_summary(model)}{_legend(model)}{_overview(model)}"
        '<div class="tabs"><button class="on" data-view="inline">inline</button>'
        '<button data-view="side">side by side</button>'
        '<span style="font-size:12px;color:#888;margin-left:12px">n / p: next / previous change</span>'
        f"</div></header>\n<main>{_inline(model)}{_side(model)}</main>"
    )
    return _page(title, body)


def render_index(clusters: Sequence[Mapping[str, Any]], title: str = "textmend dedup report") -> str:
    """An index page of clusters linking to pair reports.

    Each cluster: ``{"id", "members": [{"id", "length"?, "source"?}], "pairs": [{"a", "b",
    "href", "stats"?}]}`` where ``stats`` is a pair model's ``stats`` (similarity, regions).
    """
    parts = [f"<header><h1>{_e(title)}</h1><p>{len(clusters)} clusters</p></header><main>"]
    for c in clusters:
        members = ", ".join(
            _e(str(m["id"])) + (f" ({m['length']} chars)" if "length" in m else "")
            for m in c.get("members", [])
        )
        parts.append(
            f'<section id="c{_e(str(c["id"]))}"><h2>cluster {_e(str(c["id"]))}</h2><p>{members}</p><ul>'
        )
        for p in c.get("pairs", []):
            st = p.get("stats", {})
            sim = st.get("similarity", {}).get("jaccard_5gram")
            info = []
            if sim is not None:
                info.append(f"jaccard {sim:.3f}")
            if "regions" in st:
                info.append(f"{st['regions']} regions")
            parts.append(
                f'<li><a href="{_e(str(p["href"]))}">{_e(str(p["a"]))} ↔ {_e(str(p["b"]))}</a> '
                f"{_e(', '.join(info))}</li>"
            )
        parts.append("</ul></section>")
    parts.append("</main>")
    return _page(title, "".join(parts), script=False)


def render_table_html(table: Mapping[str, Any], title: str | None = None) -> str:
    """An N-witness alignment table: agreed text in full width, each variant column as rows of
    readings with the witnesses that carry them."""
    ids = [str(w["id"]) for w in table["witnesses"]]
    title = title or f"textmend witnesses: {', '.join(ids)}"
    rows = []
    n = 0
    for seg in table["segments"]:
        if seg["type"] == "agree":
            rows.append(f'<tr><td class="eq" colspan="2">{_fold(seg["text"])}</td></tr>')
            continue
        n += 1
        for k, r in enumerate(seg["readings"]):
            label = _e(", ".join(r["witnesses"]))
            rid = f' id="r{n}"' if k == 0 else ""
            text = _ws(r["text"]) if r["text"] else "∅"
            tag = "del" if r["kind"] == "base" else "ins"
            num = f'<span class="n">{n}</span>' if k == 0 else ""
            rows.append(
                f'<tr class="r k-{_e(r["kind"] if r["kind"] in KINDS else "substitution")}"{rid} '
                f'data-kind="{_e(r["kind"])}"><td class="rd">{num}{label}</td><td><{tag}>{text}</{tag}></td></tr>'
            )
    body = (
        f"<header><h1>{_e(title)}</h1><p>base {_e(str(table['base']))}; "
        f"{table['stats']['variant_columns']} variant columns</p></header>"
        f'<main><div class="view on"><table class="sbs wt"><colgroup><col style="width:14em"><col></colgroup>'
        f"{''.join(rows)}</table></div></main>"
    )
    return _page(title, body)
