"""The look of every output: palette, figure size and type, the page's stylesheet and script.

Figures are drawn at most FIGURE_WIDTH inches wide with text of at least MIN_FONT_PT
points and shown at their drawn size (1 inch = 96 CSS px), so their text reads at 9 pt or
more on screen and on A4 paper (180 mm of printable width holds 7.09 inches).  On narrow
screens a figure or table scrolls inside its own box rather than shrinking.
"""
from __future__ import annotations

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#999999"
# Bands of change (CHANGE_BAND order), losses warm, gains blue: colour-blind safe (Okabe-Ito).
BAND_COLOURS = ("#D55E00", "#E69F00", "#DDDDDD", "#56B4E9", "#0072B2")

FIGURE_DPI = 144          # pixels per inch of the PNGs (1.5 pixels per CSS px: sharp on screen)
CSS_DPI = 96              # CSS px per inch
FIGURE_WIDTH = 7.0        # inches: fits A4 portrait at full size
MIN_FONT_PT = 9.5         # smallest text in any figure
FONT_PT = 10.0

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1200px;margin:0 auto;
padding:1em;color:#1a1a1a;line-height:1.45;font-size:16px}
h1{font-size:1.7em;line-height:1.2}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;
margin-top:2em}
.scroll{overflow-x:auto;max-width:100%;margin:1em 0}
table{border-collapse:collapse;font-size:14px;margin:0}
caption{text-align:left;font-weight:600;padding:4px 0;caption-side:top;max-width:calc(100vw - 2em)}
td,th{border:1px solid #bbb;padding:4px 7px;text-align:right;vertical-align:top}
thead th{background:#e8eef7}th[scope=row],td.text,th.text{text-align:left}
td.text{white-space:nowrap}
th[scope=rowgroup]{background:#f3f3f3;text-align:left}
tbody th{font-weight:normal}td small{color:#555;display:block;white-space:nowrap}
.note{color:#444;font-size:15px;max-width:60em}
.box{border-left:5px solid #0072B2;background:#f2f7fc;padding:.6em 1em;margin:1em 0;
max-width:60em}
.box.caveat{border-color:#D55E00;background:#fdf1e9}
figure{margin:1.5em 0}figure .scroll{margin:0}
figure img{display:block;max-width:100%;height:auto}
figcaption{font-size:15px;color:#333;max-width:60em;margin-top:.4em}
.bar{display:inline-flex;width:160px;min-width:160px;height:14px;border:1px solid #888;
vertical-align:middle}
.bar span{display:block;height:100%}
.legend span{display:inline-block;margin-right:1em;white-space:nowrap}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;border:1px solid #888;
vertical-align:-1px}
select{font-size:16px;padding:4px;max-width:100%}
details pre{white-space:pre-wrap;font-size:13px}
td.wrap{text-align:left;min-width:14em;white-space:normal}
td.long{text-align:left;word-break:break-all;min-width:10em}
@media (max-width:700px){body{padding:.6em;font-size:15px}h1{font-size:1.35em}
figure img{max-width:none}}
@media print{
@page{size:A4;margin:15mm}
body{max-width:none;padding:0;font-size:10.5pt}
h2,h3{break-after:avoid;page-break-after:avoid}
h2{break-before:page;page-break-before:always}h2.first{break-before:auto}
figure,table,tr,.box{break-inside:avoid;page-break-inside:avoid}
.scroll{overflow:visible}figure img{max-width:100%}
table{font-size:8.5pt}td,th{padding:2px 4px}
.noprint,select{display:none}
.bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

# Shows the equalities section of the option chosen in the selector (all show without script).
SCRIPT = """
(function(){var s=document.getElementById('eia-choice');if(!s)return;
function show(){var v=s.value;document.querySelectorAll('section.eia-policy').forEach(
function(e){e.hidden=(e.id!==v);});}
s.addEventListener('change',show);show();})();
"""
