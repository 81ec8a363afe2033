//! `herd roles`: the Chef role graph (successor of knife-role-spaghetti). Argument parsing and
//! wiring only; everything else is in `herd-roles`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::{Subcommand, ValueEnum};
use herd_roles::analysis::analyse;
use herd_roles::graph::{Graph, Options};
use herd_roles::render::{self, graphviz};
use herd_roles::{expand, Repository, Sources};

/// Draw, check and explain a Chef repository's roles (read statically, never executed).
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RolesCommand,
}

#[derive(Subcommand)]
enum RolesCommand {
    /// Draw the role → role and role → recipe graph (DOT, PNG, SVG, JSON, Mermaid).
    Graph(GraphArgs),
    /// Report cycles, missing roles, redundant entries, depth, fan-in and what to untangle first.
    Check(CheckArgs),
    /// Show a role's or node's expanded run list in Chef's order, or who includes an item.
    Explain(ExplainArgs),
}

/// Where the repository is and which run lists to use.
#[derive(clap::Args)]
struct Repo {
    /// A Chef repository root (holding roles/, nodes/, environments/) or a roles folder.
    #[arg(value_name = "PATH", default_value = ".")]
    path: PathBuf,
    /// A folder of role files, searched recursively; repeat for several. Replaces PATH/roles.
    #[arg(long = "role-path", value_name = "DIR")]
    role_path: Vec<PathBuf>,
    /// Use the run lists of this environment (an `env_run_lists` entry replaces the default
    /// list, as in Chef) and only the nodes in it.
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// Leave nodes and environments out of the graph.
    #[arg(long)]
    no_nodes: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layout {
    Dot,
    Neato,
    Fdp,
    Sfdp,
    Circo,
}

#[derive(clap::Args)]
struct GraphArgs {
    #[command(flatten)]
    repo: Repo,
    /// The file to write (`-` for standard output). Default: role-spaghetti.<format>.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// png, svg, dot, json or mermaid; any other Graphviz format (pdf, …) is passed to `dot -T`.
    /// Default: from the output file's extension, else png.
    #[arg(short = 'G', long = "graph-format", value_name = "FORMAT")]
    format: Option<String>,
    /// Lay out with neato instead of dot (knife-role-spaghetti's -N).
    #[arg(short = 'N', long = "neato")]
    neato: bool,
    /// The Graphviz layout engine.
    #[arg(long, value_enum, conflicts_with = "neato")]
    layout: Option<Layout>,
    /// Draw roles only, no recipes.
    #[arg(long)]
    no_recipes: bool,
    /// Draw only what this role (or node) reaches and what reaches it.
    #[arg(long, value_name = "ROLE")]
    focus: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Finding {
    /// Any cycle.
    Cycles,
    /// Any missing role.
    Missing,
    /// Any redundant or duplicate run-list entry.
    Redundant,
    /// Any unused role (only meaningful when nodes are read).
    Unused,
    /// Any group of roles with identical run lists.
    Identical,
    /// Any part of a file that was not understood.
    Warnings,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    repo: Repo,
    /// Exit with status 1 when any of these is found (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "WHAT")]
    fail_on: Vec<Finding>,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
    /// Items shown per section of the text report.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The role or node whose run list to expand (`web`, `role[web]`, `node[web1]`).
    #[arg(value_name = "ROLE|NODE", required_unless_present = "reverse")]
    target: Option<String>,
    /// List who includes this item instead (`role[base]`, `recipe[ntp]`, `ntp`).
    #[arg(long, value_name = "ITEM", conflicts_with = "target")]
    reverse: Option<String>,
    /// A Chef repository root or a roles folder.
    #[arg(long = "repo", value_name = "PATH", default_value = ".")]
    path: PathBuf,
    /// A folder of role files; repeat for several.
    #[arg(long = "role-path", value_name = "DIR")]
    role_path: Vec<PathBuf>,
    /// Expand in this environment (default: the node's own, or _default for a role).
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

/// Runs `herd roles …`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        RolesCommand::Graph(a) => graph(a),
        RolesCommand::Check(a) => check(a),
        RolesCommand::Explain(a) => explain(a),
    }
}

/// Diagnostics printed before "… and N more warnings".
const SHOWN: usize = 50;

/// Loads the repository and prints what was not understood to standard error.
fn load(path: &Path, role_paths: &[PathBuf]) -> anyhow::Result<Repository> {
    let sources = Sources::discover(path, role_paths);
    let repo = herd_roles::load(&sources)?;
    if repo.roles.is_empty() {
        let looked: Vec<String> = sources
            .roles
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        bail!(
            "no roles were found in {} (no *.json or *.rb files): give a Chef repository root, a roles folder, or --role-path",
            looked.join(", ")
        );
    }
    let mut err = std::io::stderr().lock();
    for d in repo.diagnostics.iter().take(SHOWN) {
        let _ = writeln!(err, "{d}");
    }
    if repo.diagnostics.len() > SHOWN {
        let _ = writeln!(
            err,
            "… and {} more warnings",
            repo.diagnostics.len() - SHOWN
        );
    }
    Ok(repo)
}

/// Warns when `--env` names an environment the repository never mentions (a typo would
/// otherwise silently draw the default run lists).
fn check_env(repo: &Repository, env: Option<&str>) {
    if let Some(env) = env {
        if !repo.knows_env(env) {
            eprintln!(
                "herd roles: warning: environment {env:?} is not defined: no environment file, node or env run list names it, so every role uses its default run list"
            );
        }
    }
}

fn build(repo: &Repository, r: &Repo, recipes: bool) -> Graph {
    Graph::build(
        repo,
        &Options {
            env: r.env.clone(),
            recipes,
            nodes: !r.no_nodes,
        },
    )
}

/// Writes `bytes` to `output` (`-` is standard output).
fn write_out(output: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if output == Path::new("-") {
        std::io::stdout()
            .lock()
            .write_all(bytes)
            .context("writing to standard output")?;
    } else {
        std::fs::write(output, bytes).with_context(|| format!("writing {}", output.display()))?;
    }
    Ok(())
}

/// The format: `-G`, else the output's extension, else png.
fn format_of(args: &GraphArgs) -> anyhow::Result<String> {
    let f = match (&args.format, &args.output) {
        (Some(f), _) => f.to_ascii_lowercase(),
        (None, Some(o)) => match o
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        {
            Some(e) if e == "gv" => "dot".into(),
            Some(e) if e == "mmd" => "mermaid".into(),
            Some(e) => e,
            None => "png".into(),
        },
        (None, None) => "png".into(),
    };
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':') {
        bail!("-G {f:?}: a format is a Graphviz output format such as png, svg, pdf, or dot, json, mermaid");
    }
    Ok(f)
}

fn graph(args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let format = format_of(args)?;
    let output = args.output.clone().unwrap_or_else(|| {
        let ext = match format.as_str() {
            "mermaid" => "mmd",
            f => f.split(':').next().unwrap_or(f),
        };
        PathBuf::from(format!("role-spaghetti.{ext}"))
    });
    let layout = match (args.layout, args.neato) {
        (Some(l), _) => l
            .to_possible_value()
            .map_or("dot".into(), |v| v.get_name().to_string()),
        (None, true) => "neato".to_string(),
        (None, false) => "dot".to_string(),
    };
    let repo = load(&args.repo.path, &args.repo.role_path)?;
    check_env(&repo, args.repo.env.as_deref());
    let full = build(&repo, &args.repo, true);
    let analysis = analyse(&full);

    // Analyse the drawn part again only when it differs from the whole.
    let part = if args.no_recipes || args.focus.is_some() {
        let mut drawn = if args.no_recipes {
            build(&repo, &args.repo, false)
        } else {
            full.clone()
        };
        if let Some(focus) = &args.focus {
            let Some(v) = drawn.find(focus) else {
                bail!("--focus {focus}: no role or node of that name (roles are named by their file name)");
            };
            drawn = drawn.focus(v);
        }
        let a = analyse(&drawn);
        Some((drawn, a))
    } else {
        None
    };
    let (drawn, drawn_analysis) = match &part {
        Some((g, a)) => (g, a),
        None => (&full, &analysis),
    };
    match format.as_str() {
        "json" => write_out(
            &output,
            render::json::write(drawn, drawn_analysis, &repo.diagnostics).as_bytes(),
        )?,
        "mermaid" => write_out(
            &output,
            render::mermaid::write(drawn, drawn_analysis).as_bytes(),
        )?,
        "dot" => write_out(
            &output,
            render::dot::write_with_layout(drawn, drawn_analysis, &layout).as_bytes(),
        )?,
        other => {
            let dot = render::dot::write(drawn, drawn_analysis);
            if output == Path::new("-") {
                let tmp =
                    std::env::temp_dir().join(format!("herd-roles-{}.{other}", std::process::id()));
                graphviz::render(&dot, &layout, other, &tmp)?;
                let bytes =
                    std::fs::read(&tmp).with_context(|| format!("reading {}", tmp.display()))?;
                let _ = std::fs::remove_file(&tmp);
                write_out(&output, &bytes)?;
            } else {
                graphviz::render(&dot, &layout, other, &output)?;
            }
        }
    }
    let summary = format!(
        "A role dependency graph has been written to {}\n{}",
        if output == Path::new("-") {
            "standard output".to_string()
        } else {
            output.display().to_string()
        },
        render::text::summary(&full, &analysis)
    );
    if output == Path::new("-") {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let repo = load(&args.repo.path, &args.repo.role_path)?;
    check_env(&repo, args.repo.env.as_deref());
    let g = build(&repo, &args.repo, true);
    let a = analyse(&g);
    let out = match args.format {
        ReportFormat::Text => render::text::report(
            &g,
            &a,
            render::text::Limits {
                per_section: args.limit,
                ..Default::default()
            },
        ),
        ReportFormat::Json => render::json::write(&g, &a, &repo.diagnostics),
    };
    write_out(Path::new("-"), out.as_bytes())?;
    let mut failed = Vec::new();
    for f in &args.fail_on {
        let (name, n) = match f {
            Finding::Cycles => ("cycles", a.cycles.len()),
            Finding::Missing => ("missing", a.missing.len()),
            Finding::Redundant => ("redundant", a.redundant.len() + g.duplicates.len()),
            Finding::Unused => ("unused", a.unused.len()),
            Finding::Identical => ("identical", a.identical.len()),
            Finding::Warnings => ("warnings", repo.parse_warnings().count()),
        };
        if n > 0 {
            failed.push(format!("{name} ({n})"));
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("herd roles check: failing on {}", failed.join(", "));
        Ok(ExitCode::from(1))
    }
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let repo = load(&args.path, &args.role_path)?;
    if let Some(item) = &args.reverse {
        let g = Graph::build(
            &repo,
            &Options {
                env: args.env.clone(),
                ..Options::default()
            },
        );
        let Some(v) = g.find(item) else {
            bail!("--reverse {item}: no role, recipe or node of that name is listed anywhere");
        };
        let inc = expand::reverse(&g, v);
        let out = match args.format {
            ReportFormat::Text => render::text::includers(&g, v, &inc),
            ReportFormat::Json => {
                let rows: Vec<serde_json::Value> = inc
                    .iter()
                    .map(|i| {
                        serde_json::json!({
                            "includer": g.vertices[i.vertex as usize].label(),
                            "direct": i.path.len() == 2,
                            "path": i.path.iter().map(|&p| g.vertices[p as usize].label()).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                serde_json::to_string_pretty(
                    &serde_json::json!({"item": g.vertices[v as usize].label(), "included_by": rows}),
                )? + "\n"
            }
        };
        write_out(Path::new("-"), out.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let target = args.target.as_deref().unwrap_or_default();
    let env = args.env.as_deref();
    check_env(&repo, env);
    let x = if let Some(n) = target
        .strip_prefix("node[")
        .and_then(|t| t.strip_suffix(']'))
    {
        expand::expand_node(&repo, n, env)
    } else if let Some(r) = target
        .strip_prefix("role[")
        .and_then(|t| t.strip_suffix(']'))
    {
        expand::expand_role(&repo, r, env)
    } else {
        expand::expand_role(&repo, target, env).or_else(|| expand::expand_node(&repo, target, env))
    };
    let Some(x) = x else {
        bail!(
            "{target}: no role file and no node of that name (roles are named by their file name)"
        );
    };
    let out = match args.format {
        ReportFormat::Text => render::text::expansion(&x),
        ReportFormat::Json => serde_json::to_string_pretty(&x)? + "\n",
    };
    write_out(Path::new("-"), out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
