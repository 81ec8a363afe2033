//! Synthetic Chef repositories for benchmarks and tests: layered roles the way real
//! repositories grow (machine → site → country → base), `role[base]` embedded redundantly in
//! many roles, every Ruby DSL form and JSON with comments, nodes spread over environments.
//! Deterministic for a given seed; no randomness crate needed.

use std::fmt::Write as _;
use std::path::Path;

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a constant).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The shape of a synthetic repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Number of roles.
    pub roles: usize,
    /// Number of nodes.
    pub nodes: usize,
    /// Number of distinct recipes.
    pub recipes: usize,
    /// The seed.
    pub seed: u64,
}

impl Shape {
    /// The benchmark's shape: 10,000 roles, 50,000 nodes.
    pub fn benchmark() -> Self {
        Shape {
            roles: 10_000,
            nodes: 50_000,
            recipes: 2_000,
            seed: 8,
        }
    }
}

/// Role `i`'s name; role 0 is `base`.
pub fn role_name(i: usize) -> String {
    if i == 0 {
        "base".to_string()
    } else {
        format!("role-{i:05}")
    }
}

/// The run list of role `i` (roles only list roles with a smaller index, so the graph is acyclic).
pub fn role_run_list(shape: &Shape, i: usize, rng: &mut Rng) -> Vec<String> {
    let mut items = Vec::new();
    if i > 0 && rng.below(3) > 0 {
        items.push("role[base]".to_string());
    }
    if i > 1 {
        for _ in 0..=rng.below(3) {
            // Prefer nearby lower roles: layers, not a random tangle.
            let back = 1 + rng.below(i.min(200));
            items.push(format!("role[{}]", role_name(i - back)));
        }
    }
    for _ in 0..2 + rng.below(5) {
        let r = rng.below(shape.recipes.max(1));
        let item = match rng.below(6) {
            0 => format!("cookbook{}", r % 300),
            1 => format!("recipe[cookbook{}::default]", r % 300),
            2 => format!("recipe[cookbook{}::r{r}@1.{}.0]", r % 300, r % 7),
            _ => format!("recipe[cookbook{}::r{r}]", r % 300),
        };
        items.push(item);
    }
    items
}

/// Role `i` as a file: `(file name, text)`, in one of several JSON and Ruby DSL forms.
pub fn role_file(shape: &Shape, i: usize, rng: &mut Rng) -> (String, String) {
    let name = role_name(i);
    let items = role_run_list(shape, i, rng);
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    let mut t = String::new();
    match i % 5 {
        0 => {
            let _ = write!(
                t,
                "// generated role\n{{\n  \"name\": \"{name}\",\n  \"description\": \"Role {i}\",\n  \"json_class\": \"Chef::Role\",\n  \"chef_type\": \"role\",\n  \"default_attributes\": {{\"tier\": {{\"level\": {i}}}}},\n  \"run_list\": [\n    {}\n  ],\n  \"env_run_lists\": {{}}\n}}\n",
                quoted.join(",\n    ")
            );
            return (format!("{name}.json"), t);
        }
        1 => {
            let _ = write!(
                t,
                "name \"{name}\"\ndescription \"Role {i}\"\nrun_list(\n  {}\n)\n",
                quoted.join(",\n  ")
            );
        }
        2 => {
            let _ = write!(
                t,
                "# Role {i}\nname '{name}'\ndescription 'Role {i}'\nrun_list {}\n",
                quoted.join(", ")
            );
        }
        3 => {
            let _ = write!(
                t,
                "name \"{name}\"\ndescription \"Role {i}\"\ncommon = %w[{}]\nrun_list(common)\ndefault_attributes(\n  :tier => {{ :level => {i}, \"tags\" => %w[a b] }},\n  limits: {{ memory: 1024 * 1024 }}\n)\n",
                items.join(" ")
            );
        }
        _ => {
            let _ = write!(
                t,
                "name \"{name}\"\ndescription \"Role {i}\"\nrun_list [\n  {},\n]\n",
                quoted.join(",\n  ")
            );
        }
    }
    (format!("{name}.rb"), t)
}

/// Node `i` as a JSON file with a comment: `(file name, text)`.
pub fn node_file(shape: &Shape, i: usize, rng: &mut Rng) -> (String, String) {
    let env = ["production", "staging", "_default"][i % 3];
    let mut items = vec!["\"role[base]\"".to_string()];
    for _ in 0..=rng.below(2) {
        // Nodes list the upper roles.
        let top = shape.roles - 1 - rng.below((shape.roles / 4).max(1));
        items.push(format!("\"role[{}]\"", role_name(top)));
    }
    let name = format!("node{i:06}.example.com");
    let text = format!(
        "// run list\n{{\n  \"name\": \"{name}\",\n  \"chef_environment\": \"{env}\",\n  \"run_list\": [{}],\n  \"normal\": {{\"tags\": []}}\n}}\n",
        items.join(", ")
    );
    (format!("{name}.json"), text)
}

/// Writes a repository of `shape` under `dir` (`roles/` in subfolders of 500, `nodes/`,
/// `environments/`).
pub fn write(shape: &Shape, dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng::new(shape.seed);
    for i in 0..shape.roles {
        let sub = dir.join("roles").join(format!("group{:03}", i / 500));
        if i % 500 == 0 {
            std::fs::create_dir_all(&sub)?;
        }
        let (file, text) = role_file(shape, i, &mut rng);
        std::fs::write(sub.join(file), text)?;
    }
    let nodes = dir.join("nodes");
    std::fs::create_dir_all(&nodes)?;
    for i in 0..shape.nodes {
        let (file, text) = node_file(shape, i, &mut rng);
        std::fs::write(nodes.join(file), text)?;
    }
    let envs = dir.join("environments");
    std::fs::create_dir_all(&envs)?;
    std::fs::write(envs.join("production.json"), "{\"name\": \"production\"}\n")?;
    std::fs::write(
        envs.join("staging.rb"),
        "name \"staging\"\ndescription \"Staging\"\n",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_synthetic_repository_loads_without_warnings_and_without_cycles() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape {
            roles: 60,
            nodes: 30,
            recipes: 40,
            seed: 3,
        };
        write(&shape, dir.path()).unwrap();
        let repo = crate::load(&crate::Sources::discover(dir.path(), &[])).unwrap();
        assert!(repo.diagnostics.is_empty(), "{:#?}", repo.diagnostics);
        assert_eq!(
            (repo.roles.len(), repo.nodes.len(), repo.environments.len()),
            (60, 30, 2)
        );
        let g = crate::graph::Graph::build(&repo, &crate::graph::Options::default());
        let a = crate::analysis::analyse(&g);
        assert!(a.cycles.is_empty());
        assert!(a.missing.is_empty());
        assert!(
            !a.redundant.is_empty(),
            "role[base] is embedded redundantly"
        );
    }
}
