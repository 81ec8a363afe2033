//! `herd decode`: the first user-facing command, run as a real process.

mod support;

use support::cli::run_with_input as herd;

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect()
}

#[test]
fn decodes_stdin_to_one_json_object_per_message() {
    let out = herd(
        &["decode"],
        b"page.views:1|c|@0.5|#env:prod\n_sc|db|0|m:ok\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objects = json_lines(&out.stdout);
    assert_eq!(objects.len(), 2);
    assert_eq!(
        objects[0],
        serde_json::json!({"kind": "metric", "name": "page.views", "type": "c", "values": [1.0],
                           "sample_rate": 0.5, "tags": ["env:prod"]})
    );
    assert_eq!(objects[1]["kind"], "service_check");
    assert_eq!(objects[1]["status"], "ok");
    assert_eq!(objects[1]["message"], "ok");
}

#[test]
fn errors_go_to_stderr_with_line_and_column_and_exit_1() {
    let out = herd(&["decode", "-"], b"a:1|c\nb:2|c\npage.views:1|x\nc:3|g\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_lines(&out.stdout).len(),
        3,
        "valid neighbours still print"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "<stdin>:3:14: message 3 at byte 25: unknown metric type `x` in `page.views:1|x`; \
         expected one of c, g, ms, h, s, d"
    );
}

#[test]
fn framed_input_reports_offsets_in_the_whole_stream() {
    let mut stream = Vec::new();
    for payload in [&b"a:1|c\nb:2|g"[..], b"bad"] {
        herd_dogstatsd::frame::encode_frame(payload, &mut stream);
    }
    let out = herd(&["decode", "--framed"], &stream);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out.stdout).len(), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("message 1 at byte 0: no `:`"));
}

#[test]
fn the_sample_file_of_the_readme_decodes_with_its_deliberate_errors() {
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample.dogstatsd"
    );
    let out = herd(&["decode", sample], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out.stdout).len(), 13);
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 2);
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let out = herd(&["decode", "/nonexistent/x.dsd"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/x.dsd"));
}

#[test]
fn the_error_report_as_a_user_reads_it() {
    let input = b"a:1|c\npage.views:1|x\n_e{5,4}:title|te\n_sc|check|9\nbig:1|c|#a,b\n\xff:1|c\n";
    let out = herd(&["decode", "-"], input);
    insta::assert_snapshot!("decode_errors", support::cli::transcript(&out));
}
