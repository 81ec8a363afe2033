//! `herd export`: write the processes out for a process manager.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use herd_procfile::export::{self, Format};

use super::start::{formation, load_defaults, ProjectArgs};

/// Export the Procfile's processes: systemd, supervisord, launchd, runit, compose (docker
/// compose) or kubernetes.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// systemd, supervisord, launchd, runit, compose or kubernetes.
    #[arg(value_name = "FORMAT")]
    pub format: String,
    /// Directory to write the files to (created if needed).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Application name, the prefix of every unit. Defaults to the root directory's name.
    #[arg(short = 'a', long)]
    pub app: Option<String>,
    /// User to run the processes as. Defaults to the app name.
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Log directory. Defaults to /var/log/APP.
    #[arg(short = 'l', long, value_name = "DIR")]
    pub log: Option<PathBuf>,
    /// How many of each type: `all=1,web=2`.
    #[arg(short = 'm', long, value_name = "FORMATION")]
    pub formation: Option<String>,
    /// Seconds between SIGTERM and SIGKILL.
    #[arg(short = 't', long, value_name = "SECONDS", default_value_t = 5)]
    pub timeout: u64,
    /// Container image (compose, kubernetes). Defaults to APP:latest.
    #[arg(long)]
    pub image: Option<String>,
    /// Process types that listen on $PORT and get a published port (compose) or a
    /// containerPort (kubernetes), comma-separated [default: web].
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub port_types: Option<Vec<String>>,
}

/// Runs `herd export`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let format = Format::parse(&args.format).with_context(|| {
        let all: Vec<String> = Format::ALL.iter().map(ToString::to_string).collect();
        format!(
            "unknown export format `{}` (expected one of: {})",
            args.format,
            all.join(", ")
        )
    })?;
    let defaults = load_defaults()?;
    let project = args.project.load(&defaults, false)?;
    let instances = project.instances(&[], &formation(args.formation.as_deref(), &defaults)?)?;
    if let Some(types) = &args.port_types {
        for t in types {
            project.require_type(t, &format!("--port-types {t}: "))?;
        }
    }
    let port_types = args
        .port_types
        .clone()
        .unwrap_or_else(|| vec!["web".to_owned()]);
    let root = project.absolute_root();
    let app = args.app.clone().unwrap_or_else(|| {
        root.file_name()
            .map_or_else(|| "app".to_owned(), |n| n.to_string_lossy().into_owned())
    });
    let settings = export::Settings {
        user: args.user.clone().unwrap_or_else(|| app.clone()),
        log_dir: args
            .log
            .clone()
            .unwrap_or_else(|| PathBuf::from("/var/log").join(&app)),
        location: std::path::absolute(&args.dir).unwrap_or_else(|_| args.dir.clone()),
        timeout: args.timeout,
        image: args
            .image
            .clone()
            .unwrap_or_else(|| format!("{app}:latest")),
        port_types,
        build: root.join("Dockerfile").is_file().then(|| root.clone()),
        root,
        app,
    };
    let files = export::render(format, &project, &instances, &settings);
    let done = export::write(&args.dir, &files, &settings.app)
        .with_context(|| format!("writing the {format} export to {}", args.dir.display()))?;
    for f in &done.written {
        println!("[herd export] writing: {}", args.dir.join(f).display());
    }
    for f in &done.removed {
        println!(
            "[herd export] removing: {} (not in this export)",
            args.dir.join(f).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
