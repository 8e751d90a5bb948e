"""The officer's task page as HTML: Chinese by default, English when the browser prefers it.

Pure text in, text out (no I/O), so tests and the screenshot script render it the
same way the server does. Built for a phone in the street: large type, strong
contrast for sunlight, one big button per step in the order they happen, the
next step highlighted and impossible steps greyed out. Every button is a plain
form submit (works without JavaScript); the inline script only makes it nicer:
countdowns tick, a tap updates in place, a new task arrives by server-sent
events and vibrates the phone. Nothing is fetched from anywhere else.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from ...domain.sla import SlaClock, SlaLevel
from ...domain.transitions import phone_can
from .mobile_read import OfficerCard, PhoneTask

CITY_TZ = ZoneInfo("Asia/Shanghai")

#: URL action -> the task machine's event
ACTIONS: dict[str, str] = {"ack": "acknowledge", "en_route": "start_route", "arrived": "arrive", "resolved": "complete"}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "我的任务", "officer": "执法员", "no_task": "暂无任务",
        "no_task_hint": "有新任务时本页自动更新并振动。",
        "address": "地址", "details": "情况", "area": "区域", "contact": "1分钟联系", "arrival": "5分钟到场", "eta": "预计到达",
        "navigate": "打开导航", "note": "备注（可选）", "note_ph": "现场情况、需要的支援…",
        "ack": "接单", "en_route": "出发", "arrived": "到达", "resolved": "处置完毕",
        "left": "剩余 {t}", "over": "已超时 {t}", "met": "已完成 {t}", "late": "超时完成 {t}",
        "done_ack": "已接单 ✓", "done_en_route": "已出发 ✓", "done_arrived": "已到达 ✓", "done_resolved": "已处置完毕 ✓",
        "same": "未更改：任务当前为「{status}」", "offline": "网络中断，正在重连…", "min": "分钟",
        "dispatched": "待接单", "acknowledged": "已接单", "en_route_s": "在途", "on_scene": "已到场",
        "completed": "已处置", "cancelled": "已取消", "reassigned": "已改派",
        "route": "路线", "unauth_title": "无法打开",
        "inspection": "综合查一次", "move_up": "前置调度", "move_up_title": "前往前置点位", "stop": "站点",
        "stop_of": "第 {k}/{n} 站", "checks": "检查事项", "resolved_inspection": "检查完毕",
    },
    "en": {
        "title": "My task", "officer": "Officer", "no_task": "No task",
        "no_task_hint": "This page updates and vibrates when a task arrives.",
        "address": "Address", "details": "Details", "area": "Area", "contact": "1-min contact", "arrival": "5-min arrival", "eta": "ETA",
        "navigate": "Open navigation", "note": "Note (optional)", "note_ph": "What you see, help needed…",
        "ack": "Accept", "en_route": "On my way", "arrived": "Arrived", "resolved": "Resolved",
        "left": "{t} left", "over": "{t} late", "met": "met in {t}", "late": "late: {t}",
        "done_ack": "Accepted ✓", "done_en_route": "On your way ✓", "done_arrived": "Arrived ✓",
        "done_resolved": "Resolved ✓",
        "same": "Nothing changed: the task is {status}", "offline": "Connection lost, reconnecting…", "min": "min",
        "dispatched": "awaiting acceptance", "acknowledged": "accepted", "en_route_s": "on the way",
        "on_scene": "on scene", "completed": "resolved", "cancelled": "cancelled", "reassigned": "reassigned",
        "route": "Route", "unauth_title": "Cannot open",
        "inspection": "Joint inspection", "move_up": "Move-up", "move_up_title": "Go to the cover point",
        "stop": "Stop", "stop_of": "{k} of {n}", "checks": "Check", "resolved_inspection": "Checks done",
    },
}
_STATUS_KEY = {"dispatched": "dispatched", "acknowledged": "acknowledged", "en_route": "en_route_s",
               "on_scene": "on_scene", "completed": "completed", "cancelled": "cancelled", "reassigned": "reassigned"}
_KIND_COLOUR = "#00695c"   # inspections and move-ups: not an incident, no priority
_PRIORITY_COLOURS = {"P1": "#b71c1c", "P2": "#e65100", "P3": "#8d6e00", "P4": "#455a64"}


def pick_language(accept_language: str | None) -> str:
    """'en' when the browser ranks an English tag above every Chinese one; 'zh' otherwise (the default)."""
    best: dict[str, float] = {}
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower()[:2]
        if lang in ("zh", "en") and q > 0:
            score = q - i * 1e-6          # earlier wins a tie
            best[lang] = max(best.get(lang, -1.0), score)
    return "en" if best.get("en", -1.0) > best.get("zh", -1.0) else "zh"


def status_text(lang: str, status: str) -> str:
    key = _STATUS_KEY.get(status)
    return TEXT[lang][key] if key else status


def _mmss(seconds: float) -> str:
    s = int(round(abs(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _clock(lang: str, name: str, clock: SlaClock, start_s: float) -> str:
    t = TEXT[lang]
    label = escape(t[name])
    if clock.met_at_s is not None:
        late = clock.level == SlaLevel.BREACHED
        text = t["late" if late else "met"].format(t=_mmss(clock.met_at_s - start_s))
        return (f'<div class="clock {"bad" if late else "ok"}"><span class="clock-name">{label}</span>'
                f'<span class="clock-value">{escape(text)}</span></div>')
    if clock.deadline_s is None:
        return ""
    level = {SlaLevel.BREACHED: "bad", SlaLevel.AT_RISK: "warn"}.get(clock.level, "run")
    remaining = clock.remaining_s or 0.0
    text = t["over" if remaining < 0 else "left"].format(t=_mmss(remaining))
    return (f'<div class="clock {level}" data-deadline="{clock.deadline_s:.0f}" data-left="{escape(t["left"])}" '
            f'data-over="{escape(t["over"])}"><span class="clock-name">{label}</span>'
            f'<span class="clock-value">{escape(text)}</span></div>')


def _clock_hhmm(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, CITY_TZ).strftime("%H:%M")


def _head(lang: str, task: PhoneTask) -> tuple[str, str, str, str]:
    """(colour, badge, code line, headline): an incident's priority and code and category; an inspection's
    plan and site; a move-up's point."""
    t = TEXT[lang]
    if task.kind == "inspection":
        return _KIND_COLOUR, t["inspection"], task.incident_code, task.site_name or task.category
    if task.kind == "move_up":
        return _KIND_COLOUR, t["move_up"], "", t["move_up_title"]
    return _PRIORITY_COLOURS.get(task.priority, "#455a64"), task.priority, task.incident_code, task.category


def _inspection_rows(lang: str, task: PhoneTask) -> str:
    if task.kind != "inspection":
        return ""
    t = TEXT[lang]
    rows = ""
    if task.stops:
        rows += f"<dt>{escape(t['stop'])}</dt><dd class=\"stop\">{escape(t['stop_of'].format(k=task.stop, n=task.stops))}</dd>"
    if task.check_items:
        items = "".join(f"<li>{escape(x)}</li>" for x in task.check_items[:12])
        rows += f"<dt>{escape(t['checks'])}</dt><dd><ul class=\"checks\">{items}</ul></dd>"
    return rows


def _task_html(lang: str, base: str, task: PhoneTask, map_svg: str, now_s: float) -> str:
    t = TEXT[lang]
    colour, badge, code, headline = _head(lang, task)
    area = " › ".join(escape(x) for x in (task.district, task.town, task.grid) if x)
    address = escape(task.address or task.site_name or f"{task.lat:.5f}, {task.lon:.5f}")
    details = (f"<dt>{escape(t['details'])}</dt><dd>{escape(task.description[:200])}</dd>"
               if task.description.strip() else "")
    eta_min = max(0, round((task.eta_at_s - now_s) / 60))
    eta = f"{_clock_hhmm(task.eta_at_s)}（{eta_min} {t['min']}）" if lang == "zh" else \
        f"{_clock_hhmm(task.eta_at_s)} ({eta_min} {t['min']})"
    geo = f"geo:{task.lat:.6f},{task.lon:.6f}?q={task.lat:.6f},{task.lon:.6f}({escape(code or headline)})"
    buttons = []
    next_done = False
    for action, event in ACTIONS.items():
        allowed = phone_can(task.status, event)
        cls = "btn"
        if allowed and not next_done:
            cls += " next"
            next_done = True
        label = t["resolved_inspection"] if action == "resolved" and task.kind == "inspection" else t[action]
        buttons.append(f'<button type="submit" class="{cls}" name="a" value="{action}" '
                       f'formaction="{base}/task/{task.task_id}/{action}" data-action="{action}"'
                       f'{"" if allowed else " disabled"}>{escape(label)}</button>')
    clocks = ("" if task.incident_id is None else   # response clocks run for incidents only
              f'<div class="clocks">{_clock(lang, "contact", task.sla.contact, task.dispatched_s)}'
              f'{_clock(lang, "arrival", task.sla.arrival, task.dispatched_s)}</div>')
    return f"""<section id="task" data-task="{task.task_id}" data-status="{escape(task.status)}" data-kind="{escape(task.kind)}">
<div class="head" style="border-color:{colour}">
 <span class="prio" style="background:{colour}">{escape(badge)}</span>
 <span class="code">{escape(code)}</span>
</div>
<p class="status s-{escape(task.status)}">{escape(status_text(lang, task.status))}</p>
<h1 class="category">{escape(headline)}</h1>
<dl>
 {_inspection_rows(lang, task)}
 <dt>{escape(t['address'])}</dt><dd class="address">{address}</dd>
 {details}
 <dt>{escape(t['area'])}</dt><dd>{area or '–'}</dd>
 <dt>{escape(t['eta'])}</dt><dd>{escape(eta)}</dd>
</dl>
{clocks}
<form method="post" action="{base}/task/{task.task_id}/ack" class="actions">
 <div class="grid">{''.join(buttons)}</div>
 <label for="note">{escape(t['note'])}</label>
 <textarea id="note" name="note" maxlength="200" rows="2" placeholder="{escape(t['note_ph'])}"></textarea>
</form>
<a class="nav" href="{escape(geo)}">{escape(t['navigate'])} ➜</a>
<figure class="map" aria-label="{escape(t['route'])}">{map_svg}</figure>
</section>"""


def _no_task_html(lang: str) -> str:
    t = TEXT[lang]
    return (f'<section id="task" data-task="none"><div class="empty"><p class="big">{escape(t["no_task"])}</p>'
            f'<p>{escape(t["no_task_hint"])}</p></div></section>')


def flash_text(lang: str, result: str | None, action: str | None, status: str | None) -> str:
    """The one-line outcome of the last tap (from the redirect's query string; unknown values show nothing)."""
    t = TEXT[lang]
    if result == "done" and action in ACTIONS:
        return t[f"done_{action}"]
    if result == "same" and status in _STATUS_KEY:
        return t["same"].format(status=status_text(lang, status))
    return ""


def render_page(lang: str, base: str, card: OfficerCard, task: PhoneTask | None, map_svg: str, now_s: float,
                *, flash: str = "", signature: str = "") -> str:
    """The whole page. `base` is '/m/<token>' (the token is the credential: it is only ever echoed back
    into this page's own links)."""
    t = TEXT[lang]
    body = _task_html(lang, base, task, map_svg, now_s) if task is not None else _no_task_html(lang)
    flash_html = f'<p id="flash" role="status">{escape(flash)}</p>' if flash else '<p id="flash" role="status" hidden></p>'
    config = (json.dumps({"base": base, "sig": signature, "now": now_s, "offline": t["offline"]})
              .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(t['title'])}</title><style>{CSS}</style></head>
<body><header><span class="who">{escape(t['officer'])} {escape(card.name)} · {escape(card.badge)}</span>
<span id="live" class="live" hidden></span></header>
<main>{flash_html}{body}</main>
<script id="cfg" type="application/json">{config}</script>
<script>{SCRIPT}</script></body></html>"""


UNAUTHORISED_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>401</title>
<style>body{font:20px/1.5 system-ui,sans-serif;margin:2em 1em;color:#111}h1{font-size:26px}</style></head>
<body><h1>无法打开 · Cannot open</h1>
<p>链接无效或已停用，请联系指挥中心重新发放。</p>
<p>This link is not valid or has been revoked. Ask the command centre for a new one.</p></body></html>"""


CSS = """
*{box-sizing:border-box}
body{margin:0;font:19px/1.45 system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
 color:#111;background:#fff;-webkit-text-size-adjust:100%}
header{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:#0d2b52;color:#fff;
 font-size:17px}
.live{font-size:15px;background:#b71c1c;padding:2px 8px;border-radius:6px}
main{padding:10px 14px 24px}
#flash{margin:0 0 10px;padding:10px 12px;border-radius:8px;background:#e8f5e9;color:#1b5e20;font-weight:700;font-size:19px}
.head{display:flex;align-items:center;gap:10px;border-left:8px solid;padding-left:10px}
.prio{color:#fff;font-weight:800;font-size:20px;padding:2px 10px;border-radius:6px}
.code{font-weight:800;font-size:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.status{margin:8px 0 0;font-size:20px;font-weight:800;padding:6px 12px;border-radius:8px;background:#eceff1}
.s-dispatched{background:#fff3e0;color:#bf360c}.s-acknowledged,.s-en_route{background:#e3f2fd;color:#0d47a1}
.s-on_scene{background:#e8f5e9;color:#1b5e20}
h1.category{font-size:28px;margin:10px 0 6px}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0 0 8px}
dt{color:#555;font-size:17px;padding-top:2px}dd{margin:0;font-weight:600}
.clocks{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin:8px 0}
.clock{border-radius:10px;padding:8px 10px;background:#eceff1;display:flex;flex-direction:column}
.clock-name{font-size:15px;color:#333}.clock-value{font-size:24px;font-weight:800;font-variant-numeric:tabular-nums}
.clock.run{background:#e3f2fd}.clock.warn{background:#fff3e0;color:#bf360c}.clock.bad{background:#ffebee;color:#b71c1c}
.clock.ok{background:#e8f5e9;color:#1b5e20}
.map{margin:8px 0 0;border:1px solid #ccc;border-radius:10px;overflow:hidden}.map svg{display:block;width:100%;height:auto}
a.nav{display:block;text-align:center;padding:12px;margin:8px 0 12px;border:2px solid #0d47a1;border-radius:10px;
 color:#0d47a1;font-weight:800;font-size:20px;text-decoration:none}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.btn{min-height:72px;font-size:26px;font-weight:800;border-radius:12px;border:2px solid #0d47a1;background:#fff;
 color:#0d47a1;font-family:inherit}
.btn.next{background:#0d47a1;color:#fff}
html[lang=en] .btn{font-size:22px}
.btn:disabled{border-color:#ccc;color:#999;background:#f3f3f3}
label{display:block;margin:12px 0 4px;font-size:17px;color:#333}
textarea{width:100%;font:inherit;font-size:19px;padding:8px;border:2px solid #999;border-radius:8px}
ul.checks{margin:0;padding-left:1.1em;font-weight:600}ul.checks li{margin:2px 0}
.empty{text-align:center;padding:60px 10px;color:#333}.empty .big{font-size:30px;font-weight:800;margin:0 0 10px}
"""

SCRIPT = r"""
(function(){
var cfg=JSON.parse(document.getElementById('cfg').textContent);
var skew=Date.now()/1000-cfg.now;
function mmss(s){s=Math.round(Math.abs(s));var h=Math.floor(s/3600),m=Math.floor(s%3600/60),x=s%60;
 return (h?h+':'+(m<10?'0':''):'')+m+':'+(x<10?'0':'')+x;}
function tick(){var now=Date.now()/1000-skew;
 document.querySelectorAll('.clock[data-deadline]').forEach(function(c){var left=+c.dataset.deadline-now;
  c.querySelector('.clock-value').textContent=(left<0?c.dataset.over:c.dataset.left).replace('{t}',mmss(left));
  if(left<0){c.className='clock bad';}});}
setInterval(tick,1000);
function swap(html){var doc=new DOMParser().parseFromString(html,'text/html');
 var old=document.getElementById('task'),neu=doc.getElementById('task');if(!old||!neu)return;
 var note=document.getElementById('note');var keep=note?note.value:'';
 var wasTask=old.dataset.task;old.replaceWith(neu);
 var n2=document.getElementById('note');if(n2&&neu.dataset.task===wasTask)n2.value=keep;
 var f=doc.getElementById('flash'),mine=document.getElementById('flash');
 if(f&&mine){mine.textContent=f.textContent;mine.hidden=f.hidden;}
 var c2=doc.getElementById('cfg');if(c2){var n=JSON.parse(c2.textContent);cfg.sig=n.sig;}
 if(neu.dataset.task!=='none'&&neu.dataset.task!==wasTask&&navigator.vibrate){navigator.vibrate([400,150,400]);}
 bind();tick();}
function bind(){var form=document.querySelector('form.actions');if(!form||form.dataset.bound)return;form.dataset.bound='1';
 form.addEventListener('submit',function(e){var b=e.submitter;if(!b)return;e.preventDefault();
  var body=new URLSearchParams(new FormData(form));
  form.querySelectorAll('button').forEach(function(x){x.disabled=true;});
  fetch(b.formAction,{method:'POST',body:body,credentials:'omit'}).then(function(r){return r.text();})
   .then(swap).catch(function(){form.querySelectorAll('button').forEach(function(x){x.disabled=false;});});});}
bind();
function refresh(){fetch(cfg.base,{credentials:'omit',cache:'no-store'}).then(function(r){return r.text();}).then(function(h){
 var fl=document.getElementById('flash');var keep=fl?[fl.textContent,fl.hidden]:null;swap(h);
 if(fl&&keep){var f=document.getElementById('flash');f.textContent=keep[0];f.hidden=keep[1];}});}
if(window.EventSource){var live=document.getElementById('live');
 var es=new EventSource(cfg.base+'/events');
 es.onmessage=function(ev){live.hidden=true;document.body.dataset.live='1';var d=JSON.parse(ev.data);if(d.sig!==cfg.sig){cfg.sig=d.sig;refresh();}};
 es.onerror=function(){live.textContent=cfg.offline;live.hidden=false;};}
})();
"""
