//! The role grapher's pipeline on a synthetic repository of 10,000 roles and 50,000 nodes:
//! read (walk + parse), build the graph, analyse, write DOT — each step and all together.
//! Run: `cargo bench -p herd-roles --bench roles`.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use herd_roles::analysis::analyse;
use herd_roles::graph::{Graph, Options};
use herd_roles::render::dot;
use herd_roles::synth::{self, Shape};
use herd_roles::{load, Sources};

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let shape = Shape::benchmark();
    synth::write(&shape, dir.path()).expect("write the synthetic repository");
    let sources = Sources::discover(dir.path(), &[]);
    let repo = load(&sources).expect("load");
    assert!(repo.diagnostics.is_empty());
    let graph = Graph::build(&repo, &Options::default());
    let analysis = analyse(&graph);

    let mut group = c.benchmark_group("roles_10k_nodes_50k");
    group.sample_size(10);
    group.throughput(Throughput::Elements((shape.roles + shape.nodes) as u64));
    group.bench_function("read", |b| {
        b.iter(|| black_box(load(&sources).expect("load")));
    });
    group.bench_function("build", |b| {
        b.iter(|| black_box(Graph::build(&repo, &Options::default())));
    });
    group.bench_function("analyse", |b| b.iter(|| black_box(analyse(&graph))));
    group.bench_function("dot", |b| {
        b.iter(|| black_box(dot::write(&graph, &analysis)));
    });
    group.bench_function("all", |b| {
        b.iter(|| {
            let repo = load(&sources).expect("load");
            let g = Graph::build(&repo, &Options::default());
            let a = analyse(&g);
            black_box(dot::write(&g, &a))
        });
    });
    group.finish();

    // The parsers alone, per file, without the file system.
    let mut rng = synth::Rng::new(1);
    let files: Vec<(String, String)> = (0..1_000)
        .map(|i| synth::role_file(&shape, i, &mut rng))
        .collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut group = c.benchmark_group("parse_1000_roles");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("json_and_ruby_dsl", |b| {
        b.iter(|| {
            for (name, text) in &files {
                black_box(herd_roles::model::read_role(
                    std::path::Path::new(name),
                    text,
                ));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
