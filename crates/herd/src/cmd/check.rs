//! `herd check`: validate the Procfile and env files, reporting every problem in one run.

use std::process::ExitCode;

use super::start::{formation, load_defaults, ProjectArgs};

/// Check the Procfile and env files: list every line that foreman would skip (with its place
/// and why), every repeated process type, and the process types found. Exits 1 when there is
/// any problem.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Runs `herd check`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let defaults = load_defaults()?;
    let project = args.project.load_with(&defaults, false, true)?;
    let path = project.procfile_path.display().to_string();
    let mut problems: Vec<String> = Vec::new();
    for s in &project.procfile.skipped {
        problems.push(format!(
            "{path}:{}: skipped `{}`: {}",
            s.line, s.text, s.reason
        ));
    }
    for e in &project.procfile.entries {
        // `web:` followed by spaces only: foreman's regex takes the last space as the command.
        if e.command.trim().is_empty() {
            problems.push(format!(
                "{path}:{}: process type `{}` has an empty command",
                e.line, e.name
            ));
        }
    }
    problems.extend(project.duplicates.iter().cloned());
    problems.extend(project.env_skipped.iter().map(ToString::to_string));
    // A formation in `.herd`/`.foreman` that names a type the Procfile lacks.
    match formation(None, &defaults) {
        Ok(f) => {
            for name in f.counts.keys() {
                if let Err(e) = project.require_type(name, "") {
                    problems.push(format!("{}: formation: {e}", defaults_path(&defaults)));
                }
            }
        }
        Err(e) => problems.push(format!("{}: {e}", defaults_path(&defaults))),
    }
    if project.procfile.entries.is_empty() {
        problems.push(format!(
            "{path}: no processes defined (expected lines like `web: bundle exec puma`)"
        ));
    }
    let names = project.procfile.names().join(", ");
    if problems.is_empty() {
        println!("valid procfile detected ({names})");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        println!("{p}");
    }
    let n = problems.len();
    println!(
        "{n} problem{} found; process types: {}",
        if n == 1 { "" } else { "s" },
        if names.is_empty() { "none" } else { &names }
    );
    Ok(ExitCode::from(1))
}

fn defaults_path(d: &herd_procfile::defaults::Defaults) -> String {
    d.path
        .as_ref()
        .map_or_else(|| "defaults".to_owned(), |p| p.display().to_string())
}
