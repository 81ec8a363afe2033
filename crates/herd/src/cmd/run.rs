//! `herd run`: one command with the app's environment.

use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use herd_procfile::command_line::CommandLine;
use herd_procfile::formation::Formation;

use super::start::{load_defaults, ProjectArgs};

/// Run a command with the environment of the Procfile's processes. A single Procfile name runs
/// that entry (with its PORT and PS), like foreman; any other single argument is a command
/// line, run through `sh -c` when it needs a shell (`herd run 'echo $QUEUE'`).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The command and its arguments, or one Procfile process name.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// Runs `herd run`: replaces herd with the command, so signals and the exit code are its own.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let project = args.project.load(&load_defaults()?, true)?;
    let mut cmd;
    let argv = match args.command.as_slice() {
        [name] if project.procfile.get(name).is_some() => {
            // A Procfile entry runs in the app root, with the PORT and PS of its first instance.
            let inst = project
                .instances(std::slice::from_ref(name), &Formation::default())?
                .remove(0);
            let argv = CommandLine::new(&inst.command).argv();
            cmd = Command::new(&argv[0]);
            cmd.envs(inst.env).current_dir(&project.root);
            argv
        }
        [line] => {
            // One argument is a command line, as foreman reads it: `sh -c` when it holds shell
            // syntax (`$VAR`, quotes, pipes), split on spaces otherwise.
            let argv = CommandLine::new(line).argv();
            cmd = Command::new(&argv[0]);
            cmd.envs(project.env.iter().map(|(k, v)| (k, v)));
            argv
        }
        argv => {
            cmd = Command::new(&argv[0]);
            cmd.envs(project.env.iter().map(|(k, v)| (k, v)));
            argv.to_vec()
        }
    };
    let err = cmd.args(&argv[1..]).exec();
    eprintln!("herd: error: cannot run `{}`: {err}", argv[0]);
    Ok(ExitCode::from(
        if err.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        },
    ))
}
