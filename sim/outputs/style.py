"""The look of every output: palette, figure size and type, the page's stylesheet and script.

Figures are drawn at most FIGURE_WIDTH inches wide with text of at least MIN_FONT_PT
points and shown at their drawn size (1 inch = 96 CSS px), so their text reads at 9 pt or
more on screen and on A4 paper (180 mm of printable width holds 7.09 inches); on a narrower
screen they scale down to its width (a phone can zoom).  On a phone a table of more than the
identifier and two columns becomes one card per row (each value beside its heading), so
nothing scrolls sideways; on a wide screen a table wider than the page scrolls in its own
box, marked so by a line above it.  In print, tables wrap to the A4 width.
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
figure{margin:1.5em 0}
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
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}
td.wrap{text-align:left;min-width:14em;white-space:normal}
td.long{text-align:left;word-break:break-all;min-width:10em}
p.more{font-size:14px;color:#0b5394;margin:.6em 0 -.6em}
nav.toc{font-size:15px;margin:1em 0;padding:.4em 1em;border:1px solid #ccd;background:#fafbfd;
max-width:60em}
nav.toc h2{border:none;margin:.3em 0;font-size:1.1em;padding:0}
nav.toc ol,nav.toc ul{margin:.2em 0;padding-left:1.4em;columns:2 16em}
nav.toc li{break-inside:avoid}
dl.appendix{font-size:14px;columns:2 28em;column-gap:2em}
dl.appendix dt{font-weight:600;break-after:avoid}dl.appendix dt code{font-weight:600}
dl.appendix dd{margin:0 0 .6em 1em;break-inside:avoid;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}
@media (max-width:700px){body{padding:.6em;font-size:15px}h1{font-size:1.35em}
td.text{white-space:normal}td.wrap{min-width:0}td{overflow-wrap:anywhere}
.wide table,.wide caption,.wide tbody,.wide tr,.wide td,.wide tbody th{display:block}
.wide caption{max-width:none}
.wide thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.wide tr{border:1px solid #bbb;margin:0 0 .6em}
.wide td,.wide tbody th{border:none;border-top:1px solid #eee;text-align:right;
display:flex;justify-content:space-between;gap:1em;overflow-wrap:anywhere}
.wide td::before{content:attr(data-label);text-align:left;color:#333;font-weight:600}
.wide tbody th[scope=row]{background:#e8eef7;font-weight:600;text-align:left}
.wide td small{display:inline;margin-left:.3em}
.wide td.text,.wide td.wrap{text-align:right;white-space:normal;min-width:0}}
@media print{
@page{size:A4;margin:15mm}
body{max-width:none;padding:0;font-size:10.5pt}
h2,h3{break-after:avoid;page-break-after:avoid}
h2{break-before:page;page-break-before:always}h2.first,h2.flow{break-before:auto;
page-break-before:auto}
figure,tr,.box{break-inside:avoid;page-break-inside:avoid}
.scroll{overflow:visible}figure img{max-width:100%}
table{font-size:7.5pt;width:100%}td,th{padding:1px 3px}
td.text,td small{white-space:normal}td.wrap,td.long{min-width:0}
caption{max-width:none}
.bar{width:60px;min-width:60px}
thead{display:table-header-group}
p.more,nav.toc,.noprint,select{display:none}
dl.appendix{font-size:7.5pt;columns:2;column-gap:6mm}dl.appendix dd{margin-bottom:.3em}
.bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

# Marks every table box wider than the screen with a line saying it scrolls sideways (shown on
# screen only); every page carries it.
LAYOUT_SCRIPT = """
function markWide(){document.querySelectorAll('div.scroll').forEach(function(b){
var p=b.previousElementSibling,marked=p&&p.classList.contains('more');
if(b.offsetParent===null||marked)return;
if(b.scrollWidth>b.clientWidth+1){p=document.createElement('p');p.className='more';
p.textContent='Wider than the screen: scroll the table sideways for more columns \\u2192';
b.parentNode.insertBefore(p,b);b.setAttribute('tabindex','0');}});}
markWide();window.addEventListener('resize',markWide);
"""

# Shows the equalities section of the option chosen in the selector (all show without script).
SCRIPT = LAYOUT_SCRIPT + """
(function(){var s=document.getElementById('eia-choice');if(!s)return;
function show(){var v=s.value;document.querySelectorAll('section.eia-policy').forEach(
function(e){e.hidden=(e.id!==v);});}
s.addEventListener('change',function(){show();markWide();});show();})();
"""
