//! `-G html`: one self-contained page a team can attach to a ticket — the picture as Graphviz
//! lays it out (its SVG inlined), a search box, and a few lines of script: clicking a role (or
//! recipe, node) highlights what it includes, directly or not, and who includes it; the rest
//! fades. Nothing is loaded from anywhere: no CDN, no fonts, no other file.
//!
//! The script reads the graph from the SVG itself (each node's and edge's `<title>`, which
//! Graphviz writes from the DOT ids), so the page needs no second copy of the graph.

use std::fmt::Write as _;

use super::advice;
use crate::analysis::Analysis;
use crate::graph::Graph;

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The SVG element of a Graphviz SVG document, without the XML prolog and doctype.
fn svg_element(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

const STYLE: &str = "
body { font-family: Verdana, sans-serif; margin: 0; }
header { position: sticky; top: 0; background: #fafafa; border-bottom: 1px solid #ddd;
  padding: 8px 12px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
header input { font-size: 14px; padding: 4px 6px; width: 18em; }
#status { color: #555; font-size: 13px; }
main { padding: 8px; overflow: auto; }
svg .node, svg .edge { transition: opacity .15s; }
svg.focused .node, svg.focused .edge { opacity: .15; }
svg.focused .node.on, svg.focused .edge.on { opacity: 1; }
svg .node.picked path, svg .node.picked polygon, svg .node.picked ellipse { stroke-width: 4; }
svg .node.down text { font-weight: bold; fill: #1040a0; }
svg .node.up text { font-weight: bold; fill: #a01010; }
svg .node.match path, svg .node.match polygon, svg .node.match ellipse { stroke: #e08000; stroke-width: 4; }
svg .node { cursor: pointer; }
svg text { font-family: Verdana, sans-serif; }
";

const SCRIPT: &str = r#"
(function () {
  var svg = document.querySelector('main svg');
  var nodes = {}, out = {}, inc = {}, edges = [];
  svg.querySelectorAll('g.node').forEach(function (g) {
    var id = g.querySelector('title').textContent;
    if (id.indexOf('legend:') === 0) return;
    nodes[id] = g; out[id] = []; inc[id] = [];
  });
  svg.querySelectorAll('g.edge').forEach(function (g) {
    var t = g.querySelector('title').textContent, i = -1;
    // Split "from->to" where both sides are known nodes (names may hold "-").
    while ((i = t.indexOf('->', i + 1)) >= 0) {
      var a = t.slice(0, i), b = t.slice(i + 2);
      if (nodes[a] && nodes[b]) {
        out[a].push(b); inc[b].push(a); edges.push([a, b, g]);
        return;
      }
    }
  });
  function reach(start, next) {
    var seen = {}, stack = [start];
    seen[start] = true;
    while (stack.length) {
      var v = stack.pop();
      next[v].forEach(function (w) { if (!seen[w]) { seen[w] = true; stack.push(w); } });
    }
    return seen;
  }
  var status = document.getElementById('status');
  function clear() {
    svg.classList.remove('focused');
    svg.querySelectorAll('.on, .picked, .up, .down, .match').forEach(function (e) {
      e.classList.remove('on', 'picked', 'up', 'down', 'match');
    });
  }
  function pick(id) {
    clear();
    var down = reach(id, out), up = reach(id, inc);
    svg.classList.add('focused');
    Object.keys(down).forEach(function (v) { nodes[v].classList.add('on', 'down'); });
    Object.keys(up).forEach(function (v) { nodes[v].classList.add('on', 'up'); });
    nodes[id].classList.add('picked');
    nodes[id].classList.remove('up', 'down');
    edges.forEach(function (e) {
      if ((down[e[0]] && down[e[1]]) || (up[e[0]] && up[e[1]])) e[2].classList.add('on');
    });
    status.textContent = id + ': includes ' + (Object.keys(down).length - 1) +
      ' (blue), included by ' + (Object.keys(up).length - 1) + ' (red). Click the background to clear.';
  }
  Object.keys(nodes).forEach(function (id) {
    nodes[id].addEventListener('click', function (ev) { ev.stopPropagation(); pick(id); });
  });
  svg.addEventListener('click', function () { clear(); status.textContent = ''; });
  document.getElementById('search').addEventListener('input', function (ev) {
    clear();
    var q = ev.target.value.trim().toLowerCase();
    if (!q) { status.textContent = ''; return; }
    var hits = Object.keys(nodes).filter(function (id) { return id.toLowerCase().indexOf(q) >= 0; });
    hits.forEach(function (id) { nodes[id].classList.add('match'); });
    status.textContent = hits.length + ' match' + (hits.length === 1 ? '' : 'es') +
      (hits.length === 1 ? ' (press Enter to select it)' : '');
    if (hits.length) nodes[hits[0]].scrollIntoView({block: 'center', inline: 'center'});
  });
  document.getElementById('search').addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') return;
    var m = svg.querySelector('.node.match');
    if (m) pick(m.querySelector('title').textContent);
  });
})();
"#;

/// The page: `svg` is Graphviz's SVG of the picture of `g`.
pub fn page(g: &Graph, a: &Analysis, svg: &str) -> String {
    let title = if g.env == crate::model::DEFAULT_ENV {
        "Chef Role Dependencies".to_string()
    } else {
        format!("Chef Role Dependencies ({})", g.env)
    };
    let c = g.counts();
    let mut s = String::with_capacity(svg.len() + 8192);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(s, "<title>{}</title>", escape(&title));
    let _ = writeln!(s, "<style>{STYLE}</style>\n</head>\n<body>\n<header>");
    let _ = writeln!(s, "<h1>{}</h1>", escape(&title));
    s.push_str("<input id=\"search\" type=\"search\" placeholder=\"Find a role, recipe or node\" autocomplete=\"off\">\n");
    let _ = writeln!(
        s,
        "<span id=\"summary\">{}, {}, {}, {}. Click a role: what it includes turns blue, who includes it red.</span>",
        advice::plural(c.roles, "role", "roles"),
        advice::plural(a.cycles.len(), "cycle", "cycles"),
        advice::plural(a.missing.len(), "missing role", "missing roles"),
        advice::plural(
            a.redundant.len() + g.duplicates.len(),
            "redundant entry",
            "redundant entries"
        )
    );
    s.push_str("<span id=\"status\"></span>\n</header>\n<main>\n");
    s.push_str(svg_element(svg));
    let _ = write!(
        s,
        "\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prolog_goes_and_text_is_escaped() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg width=\"1\"></svg>";
        assert_eq!(svg_element(svg), "<svg width=\"1\"></svg>");
        assert_eq!(escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
