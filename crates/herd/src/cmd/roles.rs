//! `herd roles`: the Chef role graph (successor of knife-role-spaghetti). Argument parsing and
//! wiring only; everything else is in `herd-roles`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::builder::PossibleValuesParser;
use clap::{Subcommand, ValueEnum};
use herd_roles::analysis::analyse;
use herd_roles::effect::{self, Edit, Simulator};
use herd_roles::findings::{self, Finding};
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
    /// Write the safe recommendations (cycle cuts and redundant entries that change no
    /// expanded run list) into the role and node files; --dry-run shows the diff instead.
    Fix(FixArgs),
}

#[derive(clap::Args)]
struct FixArgs {
    #[command(flatten)]
    repo: Repo,
    /// Print a unified diff of the changes and write nothing.
    #[arg(long)]
    dry_run: bool,
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

#[derive(clap::Args)]
struct GraphArgs {
    #[command(flatten)]
    repo: Repo,
    /// The file to write (`-` for standard output). Default: role-spaghetti.<format>.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// png, svg, html (one self-contained interactive page), dot, json or mermaid; any other
    /// Graphviz format (pdf, …) is passed to `dot -T`.
    /// Default: from the output file's extension, else png.
    #[arg(short = 'G', long = "graph-format", value_name = "FORMAT")]
    format: Option<String>,
    /// Lay out with neato instead of dot (knife-role-spaghetti's -N).
    #[arg(short = 'N', long = "neato")]
    neato: bool,
    /// The Graphviz layout engine.
    #[arg(long, value_parser = PossibleValuesParser::new(graphviz::LAYOUTS), conflicts_with = "neato")]
    layout: Option<String>,
    /// Draw roles only, no recipes.
    #[arg(long)]
    no_recipes: bool,
    /// Draw every recipe as its own node (default: one node per cookbook, with a count).
    #[arg(long, conflicts_with = "no_recipes")]
    all_recipes: bool,
    /// Draw only what this role (or node) reaches and what reaches it.
    #[arg(long, value_name = "ROLE")]
    focus: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    repo: Repo,
    /// Exit with status 1 when any of these is found (comma-separated; `none` never fails).
    /// Default: cycles,missing,invalid — what breaks a Chef run.
    #[arg(long, value_delimiter = ',', value_name = "WHAT",
          value_parser = PossibleValuesParser::new(Finding::NAMES))]
    fail_on: Option<Vec<String>>,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
    /// Items shown per section of the text report.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Show what a change does: `remove role[x] from role[y]` (or `from node[n]`); repeat for
    /// several changes made together. Prints the expanded run lists of every role and node
    /// that changes, before and after (with --format json, as the document's `simulation`).
    #[arg(long, value_name = "CHANGE")]
    simulate: Vec<String>,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// `[PATH] ROLE|NODE`: the repository (as for graph and check; default `.`, or --repo),
    /// then the role or node whose run list to expand (`web`, `role[web]`, `node[web1]`).
    /// With --reverse, only the repository.
    #[arg(value_name = "ARGS", num_args = 0..=2)]
    args: Vec<String>,
    /// List who includes this item instead (`role[base]`, `recipe[ntp]`, `ntp`).
    #[arg(long, value_name = "ITEM")]
    reverse: Option<String>,
    /// A Chef repository root or a roles folder (the same as the first argument).
    #[arg(long = "repo", value_name = "PATH")]
    repo: Option<PathBuf>,
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
        RolesCommand::Fix(a) => fix(a),
    }
}

/// Diagnostics printed before "… and N more warnings".
const SHOWN: usize = 50;

/// Loads the repository and prints what was not understood to standard error.
fn load(path: &Path, role_paths: &[PathBuf], env: Option<&str>) -> anyhow::Result<Repository> {
    let sources = Sources::discover(path, role_paths);
    let mut repo = herd_roles::load(&sources)?;
    repo.relative_to(path);
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
    if let Some(w) = env.and_then(|e| repo.env_warning(e)) {
        let _ = writeln!(err, "herd roles: warning: {w}");
    }
    Ok(repo)
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

fn graph(args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let format = render::format_for(args.format.as_deref(), args.output.as_deref())
        .map_err(anyhow::Error::msg)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| render::default_output(&format));
    let layout = match (&args.layout, args.neato) {
        (Some(l), _) => l.as_str(),
        (None, true) => "neato",
        (None, false) => "dot",
    };
    let repo = load(
        &args.repo.path,
        &args.repo.role_path,
        args.repo.env.as_deref(),
    )?;
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
    let stdout = output == Path::new("-");
    let picture = render::dot::Drawing::picture(layout, args.all_recipes);
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
            render::dot::write_with(drawn, drawn_analysis, &picture).as_bytes(),
        )?,
        "html" => {
            let dot = render::dot::write_with(
                drawn,
                drawn_analysis,
                &render::dot::Drawing {
                    layout: "dot",
                    ..picture
                },
            );
            let svg = graphviz::render_bytes(&dot, layout, "svg")?;
            let page = render::html::page(drawn, drawn_analysis, &String::from_utf8_lossy(&svg));
            write_out(&output, page.as_bytes())?;
        }
        other => {
            let dot = render::dot::write_with(
                drawn,
                drawn_analysis,
                &render::dot::Drawing {
                    layout: "dot",
                    ..picture
                },
            );
            if stdout {
                write_out(&output, &graphviz::render_bytes(&dot, layout, other)?)?;
            } else {
                graphviz::render(&dot, layout, other, &output)?;
            }
        }
    }
    let summary = format!(
        "A role dependency graph has been written to {}\n{}",
        if stdout {
            "standard output".to_string()
        } else {
            output.display().to_string()
        },
        render::text::summary(&full, &analysis)
    );
    if stdout {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let fail_on: Option<Vec<Finding>> = args.fail_on.as_ref().map(|names| {
        names
            .iter()
            .filter_map(|n| n.parse::<Finding>().ok())
            .collect()
    });
    let repo = load(
        &args.repo.path,
        &args.repo.role_path,
        args.repo.env.as_deref(),
    )?;
    let g = build(&repo, &args.repo, true);
    // Refuse a bad --simulate before printing anything.
    let cut = args
        .simulate
        .iter()
        .map(|c| effect::parse_removal(&g, c).map_err(|e| anyhow::anyhow!("--simulate {e}")))
        .collect::<anyhow::Result<Vec<u32>>>()?;
    let a = analyse(&g);
    let mut out = match args.format {
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
    if !cut.is_empty() {
        let edit = Edit::remove(&cut);
        let mut sim = Simulator::new(&g);
        let diffs = sim.differences(&edit);
        let effect = sim.effect(&edit);
        match args.format {
            ReportFormat::Text => {
                out.push_str(&render::text::simulation(
                    &g,
                    &args.simulate,
                    &effect,
                    &diffs,
                ));
            }
            ReportFormat::Json => {
                // One JSON document: the report with the simulation added.
                let mut doc: serde_json::Value = serde_json::from_str(&out)?;
                doc["simulation"] = render::json::simulation(&g, &args.simulate, &effect, &diffs);
                out = serde_json::to_string_pretty(&doc)? + "\n";
            }
        }
    }
    write_out(Path::new("-"), out.as_bytes())?;
    let failed = findings::failing(fail_on.as_deref(), &g, &a, &repo);
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("herd roles check: failing on {}", failed.join(", "));
        Ok(ExitCode::from(1))
    }
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    // `[PATH] TARGET`, or `[PATH]` with --reverse; --repo names the path too.
    let (path, target) = match (args.args.as_slice(), args.reverse.is_some()) {
        ([p, t], false) => (Some(PathBuf::from(p)), Some(t.as_str())),
        ([t], false) => (None, Some(t.as_str())),
        ([p], true) => (Some(PathBuf::from(p)), None),
        ([], true) => (None, None),
        ([], false) => bail!("explain: name a role or node (`herd roles explain [PATH] ROLE`), or give --reverse ITEM"),
        (_, true) => bail!("explain --reverse takes the repository as its only argument"),
        _ => bail!("explain takes at most two arguments: [PATH] ROLE|NODE"),
    };
    let path = match (path, &args.repo) {
        (Some(p), Some(r)) if p != *r => {
            bail!(
                "explain: the repository is given twice ({} and --repo {})",
                p.display(),
                r.display()
            )
        }
        (Some(p), _) => p,
        (None, Some(r)) => r.clone(),
        (None, None) => PathBuf::from("."),
    };
    let repo = load(&path, &args.role_path, args.env.as_deref())?;
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
            ReportFormat::Json => render::json::includers(&g, v, &inc),
        };
        write_out(Path::new("-"), out.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let target = target.unwrap_or_default();
    let Some(x) = expand::expand_target(&repo, target, args.env.as_deref()) else {
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

fn fix(args: &FixArgs) -> anyhow::Result<ExitCode> {
    let repo = load(
        &args.repo.path,
        &args.repo.role_path,
        args.repo.env.as_deref(),
    )?;
    let g = build(&repo, &args.repo, true);
    let a = analyse(&g);
    let plan = herd_roles::fix::plan(&repo, &args.repo.path, &g, &a);
    let mut out = String::new();
    for f in &plan.fixes {
        let name = f.file.display().to_string();
        if args.dry_run {
            out.push_str(&render::diff::unified(&name, &f.before, &f.after));
        } else {
            let path = args.repo.path.join(&f.file);
            let now = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            if now != f.before {
                bail!("{name} changed while herd was reading the repository; nothing more was written");
            }
            // Write beside the file and rename, so a file is never left half written.
            let tmp = path.with_extension("herd-fix.tmp");
            std::fs::write(&tmp, &f.after).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("replacing {}", path.display()))?;
            for c in &f.changes {
                let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{name}: {c}\n"));
            }
        }
    }
    write_out(Path::new("-"), out.as_bytes())?;
    let mut err = std::io::stderr().lock();
    for r in &plan.refused {
        let _ = writeln!(err, "herd roles fix: {}: {}", r.file.display(), r.reason);
    }
    let changes: usize = plan.fixes.iter().map(|f| f.changes.len()).sum();
    let _ = writeln!(
        err,
        "herd roles fix: {} {} in {} file{}{}; effect: {}",
        if args.dry_run { "would make" } else { "made" },
        if changes == 1 {
            "1 change".to_string()
        } else {
            format!("{changes} changes")
        },
        plan.fixes.len(),
        if plan.fixes.len() == 1 { "" } else { "s" },
        if plan.refused.is_empty() {
            String::new()
        } else {
            format!(" ({} file(s) left alone, see above)", plan.refused.len())
        },
        plan.effect.describe()
    );
    if !plan.left.is_empty() {
        let _ = writeln!(
            err,
            "herd roles fix: {} suggestion(s) left for a person (herd roles check lists them)",
            plan.left.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
