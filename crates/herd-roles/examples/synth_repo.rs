//! Writes a synthetic Chef repository for benchmarks:
//! `cargo run --release -p herd-roles --example synth_repo -- DIR [ROLES] [NODES]`
//! (default 10,000 roles and 50,000 nodes).

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: synth_repo DIR [ROLES] [NODES]");
        std::process::exit(2);
    };
    let mut shape = herd_roles::synth::Shape::benchmark();
    if let Some(r) = args.next().and_then(|a| a.parse().ok()) {
        shape.roles = r;
    }
    if let Some(n) = args.next().and_then(|a| a.parse().ok()) {
        shape.nodes = n;
    }
    herd_roles::synth::write(&shape, std::path::Path::new(&dir))?;
    println!(
        "wrote {} roles and {} nodes to {dir}",
        shape.roles, shape.nodes
    );
    Ok(())
}
