//! A unified diff (`diff -u` style) of two texts, for `herd roles fix --dry-run`: lines
//! matched by a longest common subsequence, hunks with three lines of context.

use std::fmt::Write as _;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// Above this many line pairs the LCS table is not built; the whole file is shown replaced.
const MAX_CELLS: usize = 4_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep,
    Del,
    Add,
}

/// The edit script from `a` to `b`: each line kept, deleted or added, in order.
#[allow(clippy::many_single_char_names)] // a, b, n, m, i, j: the textbook LCS names
fn script<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<(Op, &'t str)> {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_CELLS {
        let mut out: Vec<(Op, &str)> = a.iter().map(|l| (Op::Del, *l)).collect();
        out.extend(b.iter().map(|l| (Op::Add, *l)));
        return out;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((Op::Keep, a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[at(i, j + 1)] > lcs[at(i + 1, j)]) {
            out.push((Op::Add, b[j]));
            j += 1;
        } else {
            out.push((Op::Del, a[i]));
            i += 1;
        }
    }
    out
}

/// The unified diff of `before` and `after` for file `name` (`--- a/name`, `+++ b/name`);
/// empty when they are equal.
pub fn unified(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    let ops = script(&a, &b);
    let mut s = format!("--- a/{name}\n+++ b/{name}\n");
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != Op::Keep).collect();
    let mut k = 0;
    while k < changed.len() {
        // Group changes closer than two contexts into one hunk.
        let start = changed[k].saturating_sub(CONTEXT);
        let mut last = changed[k];
        while k + 1 < changed.len() && changed[k + 1] <= last + 2 * CONTEXT {
            k += 1;
            last = changed[k];
        }
        let end = (last + CONTEXT + 1).min(ops.len());
        // Line numbers where the hunk starts in each file.
        let a_start = 1 + ops[..start].iter().filter(|o| o.0 != Op::Add).count();
        let b_start = 1 + ops[..start].iter().filter(|o| o.0 != Op::Del).count();
        let a_len = ops[start..end].iter().filter(|o| o.0 != Op::Add).count();
        let b_len = ops[start..end].iter().filter(|o| o.0 != Op::Del).count();
        let _ = writeln!(
            s,
            "@@ -{},{a_len} +{},{b_len} @@",
            if a_len == 0 { a_start - 1 } else { a_start },
            if b_len == 0 { b_start - 1 } else { b_start }
        );
        for (op, line) in &ops[start..end] {
            s.push(match op {
                Op::Keep => ' ',
                Op::Del => '-',
                Op::Add => '+',
            });
            s.push_str(line);
            if !line.ends_with('\n') {
                s.push_str("\n\\ No newline at end of file\n");
            }
        }
        k += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn one_removed_line_gives_one_hunk_with_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nd\nf\ng\nh\n";
        assert_eq!(
            unified("roles/x.rb", before, after),
            "--- a/roles/x.rb\n+++ b/roles/x.rb\n@@ -2,7 +2,6 @@\n b\n c\n d\n-e\n f\n g\n h\n"
        );
        assert_eq!(unified("x", before, before), "");
    }

    #[test]
    fn a_changed_last_line_without_newline_is_marked() {
        assert_eq!(
            unified("r.json", "[\"a\", \"b\"]", "[\"a\"]"),
            "--- a/r.json\n+++ b/r.json\n@@ -1,1 +1,1 @@\n-[\"a\", \"b\"]\n\\ No newline at end of file\n+[\"a\"]\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn the_diff_applies_with_patch() {
        use std::io::Write as _;
        // GNU patch, when installed, applies the diff and gives the new text back.
        if std::process::Command::new("patch")
            .arg("--version")
            .output()
            .is_err()
        {
            println!("skipped: patch is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let before = "name \"web\"\nrun_list(\n  \"role[base]\",\n  \"role[app]\"\n)\n";
        let after = "name \"web\"\nrun_list(\n  \"role[app]\"\n)\n";
        std::fs::create_dir_all(dir.path().join("roles")).unwrap();
        std::fs::write(dir.path().join("roles/web.rb"), before).unwrap();
        let diff = unified("roles/web.rb", before, after);
        let mut child = std::process::Command::new("patch")
            .args(["-p1", "--quiet"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(diff.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("roles/web.rb")).unwrap(),
            after
        );
    }
}
