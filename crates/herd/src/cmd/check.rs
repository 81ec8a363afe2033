//! `herd check`: validate the Procfile and env files.

use std::process::ExitCode;

use super::start::{load_defaults, ProjectArgs};

/// Check that the Procfile (and env files) parse, and list the process types.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Runs `herd check`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let project = args.project.load(&load_defaults()?, false)?;
    project.require_entries()?;
    println!(
        "valid procfile detected ({})",
        project.procfile.names().join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
