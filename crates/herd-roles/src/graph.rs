//! The role graph: roles, recipes, nodes and environments as vertices; run-list entries as
//! edges, in run-list order, labelled with their version pin.
//!
//! Roles use the run list Chef would use in the chosen environment (`_default` unless told).
//! Exact duplicates in one run list are dropped, as `Chef::RunList#<<` drops them, and kept
//! aside as [`Duplicate`]s for the report. `recipe[c]` and `recipe[c::default]` are one vertex.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::diagnostic::{Kind, Pos};
use crate::model::{Entry, DEFAULT_ENV};
use crate::repo::Repository;
use crate::run_list::{ItemKind, RunListItem};

/// What a vertex stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VertexKind {
    /// A role (defined by a file, or only referenced: then `defined` is false).
    Role,
    /// A recipe (`cookbook` or `cookbook::recipe`).
    Recipe,
    /// A node.
    Node,
    /// An environment.
    Environment,
}

/// A vertex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vertex {
    /// What it is.
    pub kind: VertexKind,
    /// Its name (`base`, `apache2::mod_ssl`, `web1.example.com`, `production`).
    pub name: String,
    /// False for a role that is referenced but has no file (a missing role).
    pub defined: bool,
    /// The file that defines it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// A hash of a role's attributes (equal roles have equal fingerprints).
    #[serde(skip)]
    pub attributes: u64,
}

impl Vertex {
    /// `role[x]`, `recipe[x]`, `node[x]` or `environment[x]`.
    pub fn label(&self) -> String {
        let k = match self.kind {
            VertexKind::Role => "role",
            VertexKind::Recipe => "recipe",
            VertexKind::Node => "node",
            VertexKind::Environment => "environment",
        };
        format!("{k}[{}]", self.name)
    }
}

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A run-list entry of a role or node.
    RunList,
    /// A node's `chef_environment`.
    Environment,
}

/// An edge: `from`'s run list holds `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The role or node whose run list holds the entry.
    pub from: u32,
    /// The role or recipe (or environment).
    pub to: u32,
    /// Run-list entry or environment link.
    pub kind: EdgeKind,
    /// The version pin, if any (`1.2.3`).
    pub version: Option<String>,
    /// Position in the owner's run list (after duplicates are dropped), from 0.
    pub index: u32,
    /// Where the entry is written.
    pub pos: Option<Pos>,
}

/// An entry dropped because the same run list already holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// The role or node.
    pub owner: u32,
    /// The entry as written.
    pub item: String,
    /// Where the dropped copy is written.
    pub pos: Option<Pos>,
    /// When the copies pin different versions (Chef raises `CookbookVersionConflict`).
    pub conflict: Option<String>,
}

/// A run-list item Chef rejects (`Role[cache]`), left out of the run list: Chef refuses to
/// load the file that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalid {
    /// The role or node whose file holds it, when it is in the graph.
    pub owner: Option<u32>,
    /// The file.
    pub file: PathBuf,
    /// Where in the file, when known.
    pub pos: Option<Pos>,
    /// What is wrong, with the likely intended item.
    pub message: String,
}

/// What to put in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The environment whose run lists roles use; nodes of other environments are left out.
    /// `None`: `_default` lists, every node.
    pub env: Option<String>,
    /// Draw recipes.
    pub recipes: bool,
    /// Draw nodes and their environments.
    pub nodes: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            env: None,
            recipes: true,
            nodes: true,
        }
    }
}

/// The graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Vertices: defined roles (sorted), then referenced roles and recipes in order of first
    /// reference, then nodes and environments.
    pub vertices: Vec<Vertex>,
    /// Edges, grouped by owner in run-list order.
    pub edges: Vec<Edge>,
    /// Outgoing edge ids per vertex.
    pub out: Vec<Vec<u32>>,
    /// Incoming edge ids per vertex.
    pub inc: Vec<Vec<u32>>,
    /// Entries dropped as exact duplicates.
    pub duplicates: Vec<Duplicate>,
    /// Run-list items Chef rejects.
    pub invalid: Vec<Invalid>,
    /// The environment the run lists are for.
    pub env: String,
    /// How many nodes were read (an unused role means something only when nodes were read).
    pub nodes_read: usize,
    /// Vertex ids by name, one map per kind (looked up by `&str`, without allocating).
    lookup: [HashMap<String, u32>; 4],
}

impl Graph {
    /// Builds the graph of `repo`.
    pub fn build(repo: &Repository, opts: &Options) -> Graph {
        let env = opts.env.clone().unwrap_or_else(|| DEFAULT_ENV.to_string());
        let mut g = Graph {
            env: env.clone(),
            ..Graph::default()
        };
        for role in &repo.roles {
            let id = g.vertex(VertexKind::Role, &role.key);
            g.vertices[id as usize].defined = true;
            g.vertices[id as usize].file = Some(role.file.clone());
            g.vertices[id as usize].attributes = fingerprint(role);
        }
        for role in &repo.roles {
            let id = g.id(VertexKind::Role, &role.key).expect("added above");
            g.add_run_list(id, role.run_list_for(&env), opts.recipes);
        }
        if opts.nodes {
            let nodes: Vec<_> = repo
                .nodes
                .iter()
                .filter(|n| opts.env.as_ref().is_none_or(|e| *e == n.environment))
                .collect();
            g.nodes_read = nodes.len();
            for node in &nodes {
                let id = g.vertex(VertexKind::Node, &node.name);
                g.vertices[id as usize].defined = true;
                g.vertices[id as usize].file = Some(node.file.clone());
            }
            for env_def in &repo.environments {
                if opts.env.as_ref().is_none_or(|e| *e == env_def.name) {
                    let id = g.vertex(VertexKind::Environment, &env_def.name);
                    g.vertices[id as usize].defined = true;
                    g.vertices[id as usize].file = Some(env_def.file.clone());
                }
            }
            for node in nodes {
                let id = g.id(VertexKind::Node, &node.name).expect("added above");
                g.add_run_list(id, &node.run_list, opts.recipes);
                if node.environment != DEFAULT_ENV
                    || repo.environments.iter().any(|e| e.name == DEFAULT_ENV)
                {
                    let e = g.vertex(VertexKind::Environment, &node.environment);
                    g.add_edge(Edge {
                        from: id,
                        to: e,
                        kind: EdgeKind::Environment,
                        version: None,
                        index: 0,
                        pos: None,
                    });
                }
            }
        }
        for d in &repo.diagnostics {
            if d.kind == Kind::InvalidItem {
                let owner = (0..g.vertices.len() as u32).find(|&v| {
                    let v = &g.vertices[v as usize];
                    matches!(v.kind, VertexKind::Role | VertexKind::Node)
                        && v.file.as_deref() == Some(d.file.as_path())
                });
                g.invalid.push(Invalid {
                    owner,
                    file: d.file.clone(),
                    pos: d.pos,
                    message: d.message.clone(),
                });
            }
        }
        g
    }

    fn vertex(&mut self, kind: VertexKind, name: &str) -> u32 {
        if let Some(id) = self.id(kind, name) {
            return id;
        }
        let id = self.vertices.len() as u32;
        self.vertices.push(Vertex {
            kind,
            name: name.to_string(),
            defined: kind == VertexKind::Recipe,
            file: None,
            attributes: 0,
        });
        self.out.push(Vec::new());
        self.inc.push(Vec::new());
        self.lookup[kind as usize].insert(name.to_string(), id);
        id
    }

    fn add_edge(&mut self, e: Edge) {
        let id = self.edges.len() as u32;
        self.out[e.from as usize].push(id);
        self.inc[e.to as usize].push(id);
        self.edges.push(e);
    }

    fn add_run_list(&mut self, owner: u32, list: &[Entry], recipes: bool) {
        let mut seen: HashMap<(ItemKind, &str), Option<&str>> = HashMap::new();
        let mut index = 0;
        for entry in list {
            let item = &entry.item;
            if let Some(prev) = seen.get(&(item.kind, item.name.as_str())) {
                let conflict =
                    (prev.is_some() && item.version.is_some() && *prev != item.version.as_deref())
                        .then(|| {
                            format!(
                                "pinned to {} and {}",
                                prev.unwrap_or_default(),
                                item.version.as_deref().unwrap_or_default()
                            )
                        });
                self.duplicates.push(Duplicate {
                    owner,
                    item: item.to_string(),
                    pos: entry.pos,
                    conflict,
                });
                continue;
            }
            seen.insert((item.kind, item.name.as_str()), item.version.as_deref());
            let kind = match item.kind {
                ItemKind::Role => VertexKind::Role,
                ItemKind::Recipe if recipes => VertexKind::Recipe,
                ItemKind::Recipe => continue,
            };
            let to = self.vertex(kind, &item.name);
            self.add_edge(Edge {
                from: owner,
                to,
                kind: EdgeKind::RunList,
                version: item.version.clone(),
                index,
                pos: entry.pos,
            });
            index += 1;
        }
    }

    /// The vertex of `kind` named `name`.
    pub fn id(&self, kind: VertexKind, name: &str) -> Option<u32> {
        self.lookup[kind as usize].get(name).copied()
    }

    /// The vertex for a run-list item, role or node name (`role[x]`, `recipe[x]`, `x` as a role,
    /// then a node, then a recipe).
    pub fn find(&self, what: &str) -> Option<u32> {
        if let Some(n) = what.strip_prefix("node[").and_then(|s| s.strip_suffix(']')) {
            return self.id(VertexKind::Node, n);
        }
        if what.contains('[') {
            let item = RunListItem::parse(what).ok()?;
            let kind = if item.kind == ItemKind::Role {
                VertexKind::Role
            } else {
                VertexKind::Recipe
            };
            return self.id(kind, &item.name);
        }
        [VertexKind::Role, VertexKind::Node, VertexKind::Recipe]
            .iter()
            .find_map(|k| {
                let name = if *k == VertexKind::Recipe {
                    crate::run_list::canonical_recipe(what)
                } else {
                    what
                };
                self.id(*k, name)
            })
    }

    /// Run-list edges out of `v`, in run-list order.
    pub fn run_list(&self, v: u32) -> impl Iterator<Item = &Edge> {
        self.out[v as usize]
            .iter()
            .map(|&e| &self.edges[e as usize])
            .filter(|e| e.kind == EdgeKind::RunList)
    }

    /// The subgraph of the vertices in `keep` (by id), ids renumbered in order.
    #[must_use]
    pub fn subgraph(&self, keep: &[bool]) -> Graph {
        let mut g = Graph {
            env: self.env.clone(),
            nodes_read: self.nodes_read,
            ..Graph::default()
        };
        let mut map = vec![u32::MAX; self.vertices.len()];
        for (i, v) in self.vertices.iter().enumerate() {
            if keep[i] {
                let id = g.vertex(v.kind, &v.name);
                g.vertices[id as usize] = v.clone();
                map[i] = id;
            }
        }
        for e in &self.edges {
            let (f, t) = (map[e.from as usize], map[e.to as usize]);
            if f != u32::MAX && t != u32::MAX {
                g.add_edge(Edge {
                    from: f,
                    to: t,
                    ..e.clone()
                });
            }
        }
        for i in &self.invalid {
            if let Some(o) = i.owner.filter(|&o| map[o as usize] != u32::MAX) {
                g.invalid.push(Invalid {
                    owner: Some(map[o as usize]),
                    ..i.clone()
                });
            }
        }
        for d in &self.duplicates {
            if map[d.owner as usize] != u32::MAX {
                g.duplicates.push(Duplicate {
                    owner: map[d.owner as usize],
                    ..d.clone()
                });
            }
        }
        g
    }

    /// The part of the graph `focus` is in: everything it reaches and everything that reaches
    /// it, plus the environments of kept nodes.
    #[must_use]
    pub fn focus(&self, focus: u32) -> Graph {
        let mut keep = vec![false; self.vertices.len()];
        for forward in [true, false] {
            let mut stack = vec![focus];
            let mut seen = vec![false; self.vertices.len()];
            seen[focus as usize] = true;
            while let Some(v) = stack.pop() {
                keep[v as usize] = true;
                let edges = if forward {
                    &self.out[v as usize]
                } else {
                    &self.inc[v as usize]
                };
                for &e in edges {
                    let e = &self.edges[e as usize];
                    if e.kind != EdgeKind::RunList {
                        continue;
                    }
                    let next = if forward { e.to } else { e.from };
                    if !seen[next as usize] {
                        seen[next as usize] = true;
                        stack.push(next);
                    }
                }
            }
        }
        for e in &self.edges {
            if e.kind == EdgeKind::Environment && keep[e.from as usize] {
                keep[e.to as usize] = true;
            }
        }
        self.subgraph(&keep)
    }

    /// Counts of each vertex kind and of run-list edges into roles and recipes.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for v in &self.vertices {
            match (v.kind, v.defined) {
                (VertexKind::Role, true) => c.roles += 1,
                (VertexKind::Role, false) => c.missing_roles += 1,
                (VertexKind::Recipe, _) => c.recipes += 1,
                (VertexKind::Node, _) => c.nodes += 1,
                (VertexKind::Environment, _) => c.environments += 1,
            }
        }
        for e in &self.edges {
            if e.kind == EdgeKind::RunList {
                match self.vertices[e.to as usize].kind {
                    VertexKind::Role => c.role_edges += 1,
                    _ => c.recipe_edges += 1,
                }
            }
        }
        c
    }
}

fn fingerprint(role: &crate::model::Role) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    role.default_attributes.to_string().hash(&mut h);
    role.override_attributes.to_string().hash(&mut h);
    h.finish()
}

/// Sizes of a graph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Roles with a file.
    pub roles: usize,
    /// Roles referenced but not defined.
    pub missing_roles: usize,
    /// Recipes.
    pub recipes: usize,
    /// Nodes.
    pub nodes: usize,
    /// Environments.
    pub environments: usize,
    /// Run-list entries naming a role.
    pub role_edges: usize,
    /// Run-list entries naming a recipe.
    pub recipe_edges: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;
    use crate::testutil::{role, role_env};

    fn edges(g: &Graph) -> Vec<String> {
        g.edges
            .iter()
            .map(|e| {
                let v = e
                    .version
                    .as_deref()
                    .map(|v| format!("@{v}"))
                    .unwrap_or_default();
                format!(
                    "{} -> {}{v}",
                    g.vertices[e.from as usize].label(),
                    g.vertices[e.to as usize].label()
                )
            })
            .collect()
    }

    #[test]
    fn roles_recipes_and_missing_roles_become_vertices_and_entries_edges() {
        let repo = Repository::from_parts(
            vec![
                role(
                    "web",
                    &[
                        "role[base]",
                        "nginx::default",
                        "role[monitor]",
                        "recipe[nginx]",
                        "x@1.0",
                    ],
                ),
                role("base", &["ntp"]),
            ],
            vec![],
            vec![],
        );
        let g = Graph::build(&repo, &Options::default());
        assert_eq!(
            edges(&g),
            vec![
                "role[base] -> recipe[ntp]",
                "role[web] -> role[base]",
                "role[web] -> recipe[nginx]",
                "role[web] -> role[monitor]",
                "role[web] -> recipe[x]@1.0"
            ]
        );
        assert!(!g.vertices[g.find("role[monitor]").unwrap() as usize].defined);
        assert_eq!(g.duplicates.len(), 1);
        assert_eq!(g.duplicates[0].item, "recipe[nginx]");
    }

    #[test]
    fn an_environment_list_replaces_the_default_and_filters_nodes() {
        let repo = Repository::from_parts(
            vec![role_env("web", &["a"], &[("prod", &["b"])])],
            vec![
                Node {
                    name: "n1".into(),
                    file: "nodes/n1.json".into(),
                    environment: "prod".into(),
                    run_list: vec![],
                },
                Node {
                    name: "n2".into(),
                    file: "nodes/n2.json".into(),
                    environment: "dev".into(),
                    run_list: vec![],
                },
            ],
            vec![],
        );
        let g = Graph::build(
            &repo,
            &Options {
                env: Some("prod".into()),
                ..Options::default()
            },
        );
        assert_eq!(
            edges(&g),
            vec!["role[web] -> recipe[b]", "node[n1] -> environment[prod]"]
        );
    }

    #[test]
    fn focus_keeps_ancestors_and_descendants_only() {
        let repo = Repository::from_parts(
            vec![
                role("a", &["role[b]"]),
                role("b", &["role[c]"]),
                role("c", &[]),
                role("d", &["role[c]"]),
            ],
            vec![],
            vec![],
        );
        let g = Graph::build(&repo, &Options::default());
        let f = g.focus(g.find("b").unwrap());
        let names: Vec<&str> = f.vertices.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "c"]);
        assert_eq!(f.edges.len(), 2);
    }
}
