"""HTML rendering of a :class:`~qingshan.bulletin.model.Bulletin`: one self-contained page (charts
as embedded PNG, the same images as the .docx), deterministic, autoescaped. Phase 2 serves it on
the portal and may draw the charts with ECharts from the chart data kept in ``data-chart``.
"""

from __future__ import annotations

import base64
import json

from jinja2 import Environment, select_autoescape

from qingshan.bulletin import charts
from qingshan.bulletin.model import NO_DATA, Bulletin, section_number

_TEMPLATE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{ b.title }}</title>
<style>
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", serif; max-width: 1000px; margin: 2em auto; color: #222; }
h1 { font-family: "Noto Sans CJK SC", sans-serif; text-align: center; font-size: 1.6em; }
.issuer { text-align: center; color: #c00000; font-size: 1.9em; font-weight: bold; font-family: "Noto Sans CJK SC", sans-serif; }
.date { text-align: center; }
.note { color: #b03030; font-size: 0.9em; }
h2 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 1.2em; margin-top: 1.6em; }
p { text-indent: 2em; line-height: 1.7; }
table { border-collapse: collapse; margin: 0.8em auto; font-size: 0.8em; }
caption { font-weight: bold; margin-bottom: 0.3em; }
th, td { border: 1px solid #666; padding: 2px 6px; text-align: center; }
th { background: #f0f0f0; }
figure { text-align: center; }
figure img { max-width: 100%; }
.nodata { color: #777; }
.editable { background: #fffbe6; }
</style>
</head>
<body>
<div class="issuer">{{ b.issuer }}</div>
<h1>{{ b.title }}</h1>
<div class="date">{{ b.date_text }}</div>
{% for n in b.notes %}<p class="note">{{ n }}</p>
{% endfor %}
{% for s in sections %}<section{% if s.editable %} class="editable"{% endif %}>
<h2>{{ s.number }}、{{ s.title }}</h2>
{% if s.no_data %}<p class="nodata">{{ no_data }}</p>
{% endif %}{% for t in s.paragraphs %}<p>{{ t }}</p>
{% endfor %}{% for t in s.tables %}<table>
<caption>{{ t.title }}</caption>
<thead><tr>{% for c in t.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in t.rows %}<tr>{% for v in r %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% for n in t.notes %}<p class="note">{{ n }}</p>
{% endfor %}{% endfor %}{% for c in s.charts %}<figure data-chart="{{ c.json }}">
<img alt="{{ c.title }}" src="data:image/png;base64,{{ c.png }}">
<figcaption>图：{{ c.title }}</figcaption>
</figure>
{% endfor %}</section>
{% endfor %}</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True), keep_trailing_newline=True)


def render(b: Bulletin) -> str:
    sections = []
    for i, s in enumerate(b.sections, start=1):
        cs = [{"title": c.title,
               "json": json.dumps({"key": c.key, "data": c.data}, ensure_ascii=False, sort_keys=True),
               "png": base64.b64encode(charts.render(c.key, c.data | {"title": c.title})).decode("ascii")}
              for c in s.charts]
        sections.append({"number": section_number(i), "title": s.title, "paragraphs": s.paragraphs, "tables": s.tables,
                         "charts": cs, "no_data": s.no_data, "editable": s.editable})
    return _ENV.from_string(_TEMPLATE).render(b=b, sections=sections, no_data=NO_DATA)


__all__ = ["render"]
