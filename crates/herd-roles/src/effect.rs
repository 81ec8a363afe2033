//! What a change to run lists does to what Chef runs: the expanded run list of every role and
//! node before and after, compared.
//!
//! # Theory of operation
//!
//! Chef expands a run list depth first, in order, applying each role once and adding each
//! recipe once ([`crate::expand`]). The graph already holds every run list as Chef reads it in
//! the chosen environment (duplicates dropped, `c` and `c::default` one recipe), so expanding
//! over the graph's edges gives Chef's expanded run list, and skipping some edges (or sending
//! the entries naming one role to another) gives the expanded run list after a change.
//!
//! Only roles and nodes that reach a changed run list can change; they are found by a walk
//! backwards along the run-list entries, and nodes with the same run list are expanded once.
//!
//! A change matters when it changes what something *runs*: a node's expanded run list, or the
//! expanded run list of a role that runs on its own — one that a node lists, or that no role
//! includes from outside its own cycle, neither it nor another role of its cycle (without
//! nodes, those are the roles nodes would list). A role
//! that only other roles include changes what runs only through them, and they are compared
//! too. So in `base → monitoring → base`, where other roles include `base`, removing
//! `role[base]` from `monitoring` changes nothing that runs (Chef has applied `base` before it
//! reaches `monitoring`), while removing `role[monitoring]` from `base` takes `monitoring`'s
//! recipes from everything that includes `base`.

use std::collections::HashMap;

use serde::Serialize;

use crate::graph::{EdgeKind, Graph, VertexKind};
use crate::scc::tarjan;

/// At most this many roles and nodes are named per [`Change`]; the rest are counted.
pub const MAX_NAMED: usize = 50;

/// What Chef ends up with for one role or node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome<'g> {
    /// Recipes in run order, each with its version pin.
    pub recipes: Vec<(u32, Option<&'g str>)>,
    /// Roles applied, in order.
    pub roles: Vec<u32>,
}

impl Outcome<'_> {
    /// The recipes as `recipe[name]` / `recipe[name@1.2]`.
    pub fn recipe_labels(&self, g: &Graph) -> Vec<String> {
        self.recipes
            .iter()
            .map(|&(v, pin)| label(g, v, pin))
            .collect()
    }
}

fn label(g: &Graph, v: u32, pin: Option<&str>) -> String {
    let name = &g.vertices[v as usize].name;
    match pin {
        Some(p) => format!("recipe[{name}@{p}]"),
        None => format!("recipe[{name}]"),
    }
}

/// A change to run lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// Run-list entries removed (edge ids).
    pub remove: Vec<u32>,
    /// Roles replaced by another wherever they are listed: `(from, to)` vertex ids.
    pub redirect: Vec<(u32, u32)>,
}

impl Edit {
    /// Removing the entries `edges`.
    pub fn remove(edges: &[u32]) -> Self {
        Edit {
            remove: edges.to_vec(),
            redirect: Vec::new(),
        }
    }
}

/// Scratch space for expansions, reused so that expanding thousands of nodes allocates once.
struct Scratch {
    /// Run-list entries visited, all expansions together (the work done).
    steps: usize,
    gen: u32,
    applied: Vec<u32>,
    listed: Vec<u32>,
    stack: Vec<(u32, usize)>,
}

/// A node's run list as a key: each entry's item, pin and whether the edit removes it.
type List<'a> = Vec<(u32, Option<&'a str>, bool)>;

/// What one expansion watches for and changes.
struct Walk<'a> {
    /// Entries skipped (edge ids).
    skip: &'a [bool],
    /// Each vertex's replacement (empty: none).
    redirect: &'a [u32],
    /// Entries whose use is reported (edge ids).
    watch: &'a [bool],
    /// Vertices whose application is reported.
    watch_vertex: &'a [bool],
}

const PLAIN: Walk<'static> = Walk {
    skip: &[],
    redirect: &[],
    watch: &[],
    watch_vertex: &[],
};

/// Expands `top` over `g` as `walk` says. Also returns whether a watched entry or vertex
/// brought something in (if none did, removing or redirecting them changes nothing here).
fn expand<'g>(g: &'g Graph, top: u32, walk: &Walk<'_>, s: &mut Scratch) -> (Outcome<'g>, bool) {
    s.gen += 1;
    let gen = s.gen;
    let mut out = Outcome::default();
    let mut touched = false;
    let top_v = &g.vertices[top as usize];
    if top_v.kind == VertexKind::Role {
        s.applied[top as usize] = gen;
        if !top_v.defined {
            return (out, touched);
        }
        out.roles.push(top);
    }
    s.stack.clear();
    s.stack.push((top, 0));
    while let Some((v, i)) = s.stack.pop() {
        let edges = &g.out[v as usize];
        let Some(j) = (i..edges.len()).find(|&j| {
            let e = edges[j] as usize;
            g.edges[e].kind == EdgeKind::RunList && !walk.skip.get(e).copied().unwrap_or(false)
        }) else {
            continue;
        };
        s.steps += 1;
        s.stack.push((v, j + 1));
        let id = edges[j] as usize;
        let e = &g.edges[id];
        let to = walk.redirect.get(e.to as usize).copied().unwrap_or(e.to);
        let watched = walk.watch.get(id).copied().unwrap_or(false)
            || walk.watch_vertex.get(to as usize).copied().unwrap_or(false);
        match g.vertices[to as usize].kind {
            VertexKind::Recipe => {
                if s.listed[to as usize] != gen {
                    s.listed[to as usize] = gen;
                    touched |= watched;
                    out.recipes.push((to, e.version.as_deref()));
                }
            }
            VertexKind::Role => {
                if s.applied[to as usize] != gen {
                    s.applied[to as usize] = gen;
                    touched |= watched;
                    if g.vertices[to as usize].defined {
                        out.roles.push(to);
                        s.stack.push((to, 0));
                    }
                }
            }
            VertexKind::Node | VertexKind::Environment => {}
        }
    }
    (out, touched)
}

/// How one role's or node's expanded run list changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The role or node.
    pub target: u32,
    /// Whether it runs on its own (see the module notes).
    pub runs: bool,
    /// Recipes before, in run order.
    pub before: Vec<String>,
    /// Recipes after.
    pub after: Vec<String>,
    /// Roles no longer applied.
    pub roles_removed: Vec<String>,
    /// Roles applied only after the change.
    pub roles_added: Vec<String>,
}

/// The roles and nodes whose expanded run list changes one way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Them, as `role[x]` / `node[y]` (at most [`MAX_NAMED`]).
    pub targets: Vec<String>,
    /// How many more are not named.
    pub more: usize,
    /// Whether any of them runs on its own: a node, or a role a node lists or no role outside
    /// its cycle lists.
    pub runs: bool,
    /// Recipes they no longer run.
    pub removed: Vec<String>,
    /// Recipes they run only after the change.
    pub added: Vec<String>,
    /// Whether the recipes they keep run in another order.
    pub reordered: bool,
    /// Roles (and so their attributes) no longer applied.
    pub roles_removed: Vec<String>,
    /// Roles applied only after the change.
    pub roles_added: Vec<String>,
}

/// What a change does to expanded run lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// The differences, grouped by what changes; empty when nothing changes.
    pub changes: Vec<Change>,
}

impl Effect {
    /// Whether the change leaves every expanded run list that runs as it is.
    pub fn is_safe(&self) -> bool {
        self.changes.iter().all(|c| !c.runs)
    }

    /// How many roles and nodes that run change.
    pub fn weight(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.runs)
            .map(|c| c.targets.len() + c.more)
            .sum()
    }

    /// The effect in words: `changes no expanded run list`, or what goes where
    /// ([`crate::render::advice::effect`]).
    pub fn describe(&self) -> String {
        crate::render::advice::effect(self)
    }
}

/// Computes effects of changes on one graph, remembering expanded run lists between calls.
pub struct Simulator<'g> {
    g: &'g Graph,
    runs: Vec<bool>,
    scratch: Scratch,
}

impl<'g> Simulator<'g> {
    /// A simulator for `g`.
    pub fn new(g: &'g Graph) -> Self {
        let n = g.vertices.len();
        let adj: Vec<Vec<u32>> = (0..n as u32)
            .map(|v| g.run_list(v).map(|e| e.to).collect())
            .collect();
        let (comps, comp) = tarjan(&adj);
        // A cycle (or a single role) included from outside runs only through its includers.
        let mut included = vec![false; comps.len()];
        let mut by_node = vec![false; n];
        for e in &g.edges {
            if e.kind != EdgeKind::RunList {
                continue;
            }
            match g.vertices[e.from as usize].kind {
                VertexKind::Node => by_node[e.to as usize] = true,
                _ if comp[e.from as usize] != comp[e.to as usize] => {
                    included[comp[e.to as usize] as usize] = true;
                }
                _ => {}
            }
        }
        let runs = (0..n)
            .map(|v| match g.vertices[v].kind {
                VertexKind::Node => true,
                VertexKind::Role => by_node[v] || !included[comp[v] as usize],
                _ => false,
            })
            .collect();
        Simulator {
            g,
            runs,
            scratch: Scratch {
                steps: 0,
                gen: 0,
                applied: vec![0; n],
                listed: vec![0; n],
                stack: Vec::new(),
            },
        }
    }

    /// Whether `v` runs on its own (a node, or a role a node lists or no role outside its
    /// cycle lists).
    pub fn runs(&self, v: u32) -> bool {
        self.runs[v as usize]
    }

    /// Roles and nodes that reach any of `from` (themselves included), by id.
    fn reaching(&self, from: &[u32]) -> Vec<u32> {
        let g = self.g;
        let mut seen = vec![false; g.vertices.len()];
        let mut stack: Vec<u32> = from.to_vec();
        for &v in from {
            seen[v as usize] = true;
        }
        let mut out = Vec::new();
        while let Some(v) = stack.pop() {
            if matches!(
                g.vertices[v as usize].kind,
                VertexKind::Role | VertexKind::Node
            ) {
                out.push(v);
            }
            for &e in &g.inc[v as usize] {
                let e = &g.edges[e as usize];
                if e.kind == EdgeKind::RunList && !seen[e.from as usize] {
                    seen[e.from as usize] = true;
                    stack.push(e.from);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The expanded run list of `v` as it is.
    pub fn outcome(&mut self, v: u32) -> Outcome<'g> {
        expand(self.g, v, &PLAIN, &mut self.scratch).0
    }

    /// Every role and node whose expanded run list `edit` changes, with before and after.
    pub fn differences(&mut self, edit: &Edit) -> Vec<Difference> {
        self.differences_within(edit, usize::MAX)
            .unwrap_or_default()
    }

    /// [`Self::differences`], or `None` once more than `until` entries have been visited in all.
    fn differences_within(&mut self, edit: &Edit, until: usize) -> Option<Vec<Difference>> {
        let g = self.g;
        let mut removed = vec![false; g.edges.len()];
        let mut owners = Vec::new();
        for &e in &edit.remove {
            removed[e as usize] = true;
            owners.push(g.edges[e as usize].from);
        }
        let mut redirect: Vec<u32> = Vec::new();
        let mut redirected = Vec::new();
        if !edit.redirect.is_empty() {
            redirect = (0..g.vertices.len() as u32).collect();
            redirected = vec![false; g.vertices.len()];
            for &(from, to) in &edit.redirect {
                redirect[from as usize] = to;
                redirected[from as usize] = true;
                owners.extend(
                    g.inc[from as usize]
                        .iter()
                        .map(|&e| g.edges[e as usize].from),
                );
            }
        }
        let before_walk = Walk {
            watch: &removed,
            watch_vertex: &redirected,
            ..PLAIN
        };
        let after_walk = Walk {
            skip: &removed,
            redirect: &redirect,
            ..PLAIN
        };
        // Nodes with one run list share an expansion.
        let mut by_list: HashMap<List<'g>, Option<(Outcome<'g>, Outcome<'g>)>> = HashMap::new();
        let mut out = Vec::new();
        for v in self.reaching(&owners) {
            if self.scratch.steps > until {
                return None;
            }
            let key: Option<List<'g>> =
                (g.vertices[v as usize].kind == VertexKind::Node).then(|| {
                    g.out[v as usize]
                        .iter()
                        .map(|&e| {
                            let edge = &g.edges[e as usize];
                            (edge.to, edge.version.as_deref(), removed[e as usize])
                        })
                        .collect()
                });
            let pair = match key.as_ref().and_then(|k| by_list.get(k)) {
                Some(p) => p.clone(),
                None => {
                    let (before, touched) = expand(g, v, &before_walk, &mut self.scratch);
                    // An edit that brought nothing in here changes nothing here.
                    let p =
                        touched.then(|| (before, expand(g, v, &after_walk, &mut self.scratch).0));
                    if let Some(k) = key {
                        by_list.insert(k, p.clone());
                    }
                    p
                }
            };
            let Some((before, after)) = pair else {
                continue;
            };
            if before == after {
                continue;
            }
            let redirected = |r: &u32| edit.redirect.iter().any(|&(f, t)| f == *r || t == *r);
            let roles_removed: Vec<String> = before
                .roles
                .iter()
                .filter(|r| !after.roles.contains(r) && !redirected(r))
                .map(|&r| g.vertices[r as usize].label())
                .collect();
            let roles_added: Vec<String> = after
                .roles
                .iter()
                .filter(|r| !before.roles.contains(r) && !redirected(r))
                .map(|&r| g.vertices[r as usize].label())
                .collect();
            let (b, a) = (before.recipe_labels(g), after.recipe_labels(g));
            if b == a && roles_removed.is_empty() && roles_added.is_empty() {
                // Only the order of roles changed, or a merged role's name: nothing Chef runs.
                continue;
            }
            out.push(Difference {
                target: v,
                runs: self.runs[v as usize],
                before: b,
                after: a,
                roles_removed,
                roles_added,
            });
        }
        Some(out)
    }

    /// The effect of `edit` if it takes at most `limit` run-list entries visited to find it,
    /// and the work done.
    pub fn effect_within(&mut self, edit: &Edit, limit: usize) -> (Option<Effect>, usize) {
        let start = self.scratch.steps;
        let e = self
            .differences_within(edit, start.saturating_add(limit))
            .map(|d| self.group(d));
        (e, self.scratch.steps - start)
    }

    /// The effect of `edit`, grouped by what changes.
    pub fn effect(&mut self, edit: &Edit) -> Effect {
        let d = self.differences(edit);
        self.group(d)
    }

    fn group(&self, diffs: Vec<Difference>) -> Effect {
        let g = self.g;
        let mut groups: Vec<Change> = Vec::new();
        for d in diffs {
            let removed: Vec<String> = d
                .before
                .iter()
                .filter(|r| !d.after.contains(r))
                .cloned()
                .collect();
            let added: Vec<String> = d
                .after
                .iter()
                .filter(|r| !d.before.contains(r))
                .cloned()
                .collect();
            let kept_b: Vec<&String> = d.before.iter().filter(|r| d.after.contains(r)).collect();
            let kept_a: Vec<&String> = d.after.iter().filter(|r| d.before.contains(r)).collect();
            let reordered = kept_b != kept_a;
            let target = g.vertices[d.target as usize].label();
            if let Some(c) = groups.iter_mut().find(|c| {
                c.runs == d.runs
                    && c.removed == removed
                    && c.added == added
                    && c.reordered == reordered
                    && c.roles_removed == d.roles_removed
                    && c.roles_added == d.roles_added
            }) {
                if c.targets.len() < MAX_NAMED {
                    c.targets.push(target);
                } else {
                    c.more += 1;
                }
                continue;
            }
            groups.push(Change {
                targets: vec![target],
                more: 0,
                runs: d.runs,
                removed,
                added,
                reordered,
                roles_removed: d.roles_removed,
                roles_added: d.roles_added,
            });
        }
        // What runs first, then the largest group.
        groups.sort_by(|x, y| {
            y.runs
                .cmp(&x.runs)
                .then_with(|| (y.targets.len() + y.more).cmp(&(x.targets.len() + x.more)))
        });
        Effect { changes: groups }
    }
}

/// The run-list entry named by `remove ITEM from OWNER` (`remove role[base] from
/// role[monitoring]`, `remove ntp from node[web1]`; a bare OWNER is a role, else a node).
pub fn parse_removal(g: &Graph, text: &str) -> Result<u32, String> {
    let usage = || {
        format!(
            "{text:?}: write `remove ITEM from OWNER`, e.g. `remove role[base] from role[monitoring]`"
        )
    };
    let rest = text.trim().strip_prefix("remove ").ok_or_else(usage)?;
    let (item, owner) = rest.rsplit_once(" from ").ok_or_else(usage)?;
    let (item, owner) = (item.trim(), owner.trim());
    let o = if owner.contains('[') {
        g.find(owner)
    } else {
        g.id(VertexKind::Role, owner)
            .or_else(|| g.id(VertexKind::Node, owner))
    }
    .filter(|&o| {
        matches!(
            g.vertices[o as usize].kind,
            VertexKind::Role | VertexKind::Node
        ) && g.vertices[o as usize].defined
    })
    .ok_or_else(|| format!("{text:?}: no role file and no node named {owner}"))?;
    let listed: Vec<&crate::graph::Edge> = g.run_list(o).collect();
    let i = g.find(item);
    g.out[o as usize]
        .iter()
        .copied()
        .find(|&e| {
            let e = &g.edges[e as usize];
            e.kind == EdgeKind::RunList && Some(e.to) == i
        })
        .ok_or_else(|| {
            let items: Vec<String> = listed
                .iter()
                .map(|e| g.vertices[e.to as usize].label())
                .collect();
            format!(
                "{text:?}: the run list of {} does not list {item} (it lists {})",
                g.vertices[o as usize].label(),
                if items.is_empty() {
                    "nothing".to_string()
                } else {
                    items.join(", ")
                }
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Options;
    use crate::repo::Repository;
    use crate::testutil::role;

    fn graph(roles: &[(&str, &[&str])]) -> Graph {
        let roles = roles.iter().map(|(k, items)| role(k, items)).collect();
        Graph::build(
            &Repository::from_parts(roles, vec![], vec![]),
            &Options::default(),
        )
    }

    fn edge(g: &Graph, from: &str, to: &str) -> u32 {
        let (f, t) = (g.find(from).unwrap(), g.find(to).unwrap());
        g.out[f as usize]
            .iter()
            .copied()
            .find(|&e| g.edges[e as usize].to == t)
            .unwrap()
    }

    /// The example: base and monitoring list each other; web and db include base.
    fn monitoring() -> Graph {
        graph(&[
            ("base", &["ntp", "role[monitoring]"]),
            ("monitoring", &["collectd", "role[base]"]),
            ("web", &["role[base]", "nginx"]),
            ("db", &["role[base]", "postgresql"]),
        ])
    }

    #[test]
    fn the_outcome_is_chefs_expanded_run_list() {
        let g = monitoring();
        let mut s = Simulator::new(&g);
        let web = s.outcome(g.find("web").unwrap());
        assert_eq!(
            web.recipe_labels(&g),
            ["recipe[ntp]", "recipe[collectd]", "recipe[nginx]"]
        );
    }

    #[test]
    fn removing_base_from_monitoring_changes_nothing_that_runs() {
        let g = monitoring();
        let mut s = Simulator::new(&g);
        let e = s.effect(&Edit::remove(&[edge(&g, "monitoring", "base")]));
        assert!(e.is_safe(), "{e:?}");
        assert_eq!(e.changes.len(), 1);
        assert_eq!(e.changes[0].targets, ["role[monitoring]"]);
        assert_eq!(e.changes[0].removed, ["recipe[ntp]"]);
        assert!(e
            .describe()
            .starts_with("changes no expanded run list that runs"));
    }

    #[test]
    fn removing_monitoring_from_base_takes_collectd_from_every_includer() {
        let g = monitoring();
        let mut s = Simulator::new(&g);
        let e = s.effect(&Edit::remove(&[edge(&g, "base", "monitoring")]));
        assert!(!e.is_safe());
        assert_eq!(e.weight(), 2);
        let (web_db, base) = (&e.changes[0], &e.changes[1]);
        assert_eq!(web_db.targets, ["role[db]", "role[web]"]);
        assert_eq!(base.targets, ["role[base]"]);
        assert!(web_db.runs && !base.runs);
        assert_eq!(web_db.removed, ["recipe[collectd]"]);
        assert_eq!(web_db.roles_removed, ["role[monitoring]"]);
        assert_eq!(
            e.describe(),
            "role[db], role[web] would lose recipe[collectd] and no longer apply role[monitoring] (nor its attributes) \
             (on its own, role[base] would lose recipe[collectd] and no longer apply role[monitoring] (nor its attributes); \
             nothing runs it on its own)"
        );
    }

    #[test]
    fn a_redundant_entry_listed_first_reorders_the_run() {
        let g = graph(&[
            ("base", &["ntp"]),
            ("app", &["rails", "role[base]"]),
            ("web", &["role[base]", "role[app]"]),
        ]);
        let mut s = Simulator::new(&g);
        let e = s.effect(&Edit::remove(&[edge(&g, "web", "base")]));
        assert_eq!(e.changes.len(), 1);
        assert!(e.changes[0].reordered && e.changes[0].removed.is_empty());
        assert!(!e.is_safe());
    }

    #[test]
    fn a_removal_is_parsed_or_refused_with_what_the_owner_lists() {
        let g = monitoring();
        let e = parse_removal(&g, "remove role[base] from role[monitoring]").unwrap();
        assert_eq!(e, edge(&g, "monitoring", "base"));
        assert_eq!(
            parse_removal(&g, "remove collectd from monitoring"),
            Ok(edge(&g, "monitoring", "collectd"))
        );
        assert_eq!(
            parse_removal(&g, "remove role[db] from role[web]").unwrap_err(),
            "\"remove role[db] from role[web]\": the run list of role[web] does not list role[db] (it lists role[base], recipe[nginx])"
        );
        assert!(parse_removal(&g, "drop base")
            .unwrap_err()
            .contains("write `remove ITEM from OWNER`"));
        assert!(parse_removal(&g, "remove x from role[nope]")
            .unwrap_err()
            .contains("no role file and no node named role[nope]"));
    }

    #[test]
    fn merging_identical_roles_changes_no_recipe() {
        let g = graph(&[
            ("a", &["ntp"]),
            ("b", &["ntp"]),
            ("web", &["role[a]", "nginx"]),
            ("db", &["role[b]"]),
        ]);
        let mut s = Simulator::new(&g);
        let e = s.effect(&Edit {
            remove: vec![],
            redirect: vec![(g.find("b").unwrap(), g.find("a").unwrap())],
        });
        assert_eq!(e, Effect::default());
    }
}
