//! Saved dashboards: one JSON file per dashboard, `<data dir>/dashboards/<id>.json`, written
//! whole to a temporary file and renamed over the old one (a crash leaves the old or the new
//! dashboard, never half of one). A dashboard is checked before it is written: a bad one is
//! refused with the place (`line:column`, or the widget and field) and the one on disk stays.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Largest dashboard accepted, in bytes of JSON.
pub const MAX_BYTES: usize = 256 * 1024;
/// Most widgets on one dashboard.
const MAX_WIDGETS: usize = 64;
/// Most queries drawn by one widget.
const MAX_QUERIES: usize = 8;
/// Longest title or query, in bytes.
const MAX_TEXT: usize = 2000;
/// Columns of the layout grid.
pub const COLUMNS: u32 = 12;

/// A dashboard as stored and as the API sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    /// Its id (the file name); taken from the URL or the preloaded file's name when absent.
    #[serde(default)]
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its charts, in reading order.
    #[serde(default)]
    pub widgets: Vec<Widget>,
}

/// One chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Widget {
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// The queries it draws (each one or more series), in the language of `/api/v1/query`.
    pub queries: Vec<String>,
    /// Where it sits on the grid.
    #[serde(default)]
    pub layout: Layout,
}

/// A widget's place on a 12-column grid: column `x`, row `y`, `w` columns wide, `h` rows
/// high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// First column, 0 to 11.
    #[serde(default)]
    pub x: u32,
    /// Row.
    #[serde(default)]
    pub y: u32,
    /// Width in columns, 1 to 12.
    #[serde(default = "half")]
    pub w: u32,
    /// Height in rows, 1 to 8.
    #[serde(default = "one")]
    pub h: u32,
}

fn half() -> u32 {
    COLUMNS / 2
}

fn one() -> u32 {
    1
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            x: 0,
            y: 0,
            w: half(),
            h: one(),
        }
    }
}

/// Whether `id` may name a dashboard: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads a dashboard from JSON text and checks it; `id` is the one it is saved under. The
/// error names the place: `line L, column C` for bad JSON, the widget and field otherwise.
pub fn parse(text: &[u8], id: &str) -> Result<Dashboard, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes: a dashboard is at most {MAX_BYTES} bytes of JSON",
            text.len()
        ));
    }
    let mut d: Dashboard = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    if d.id.is_empty() {
        id.clone_into(&mut d.id);
    } else if d.id != id {
        return Err(format!("field `id` = `{}` but it is saved as `{id}`", d.id));
    }
    check(&d)?;
    Ok(d)
}

fn check(d: &Dashboard) -> Result<(), String> {
    if !valid_id(&d.id) {
        return Err(format!(
            "id `{}`: 1 to 64 letters, digits, `-` or `_`",
            d.id
        ));
    }
    if d.title.trim().is_empty() || d.title.len() > MAX_TEXT {
        return Err(format!("field `title`: 1 to {MAX_TEXT} bytes of text"));
    }
    if d.widgets.len() > MAX_WIDGETS {
        return Err(format!(
            "field `widgets`: {} widgets, at most {MAX_WIDGETS}",
            d.widgets.len()
        ));
    }
    for (i, w) in d.widgets.iter().enumerate() {
        let at = format!("widgets[{i}]");
        if w.title.len() > MAX_TEXT {
            return Err(format!("{at}.title: at most {MAX_TEXT} bytes"));
        }
        if w.queries.is_empty() || w.queries.len() > MAX_QUERIES {
            return Err(format!("{at}.queries: 1 to {MAX_QUERIES} queries"));
        }
        for (j, q) in w.queries.iter().enumerate() {
            if q.trim().is_empty() || q.len() > MAX_TEXT {
                return Err(format!(
                    "{at}.queries[{j}]: a query of 1 to {MAX_TEXT} bytes"
                ));
            }
        }
        let l = w.layout;
        if l.x >= COLUMNS || !(1..=COLUMNS).contains(&l.w) || l.x + l.w > COLUMNS {
            return Err(format!(
                "{at}.layout: x = {} and w = {} do not fit {COLUMNS} columns (x from 0, w from 1, x + w at most {COLUMNS})",
                l.x, l.w
            ));
        }
        if !(1..=8).contains(&l.h) || l.y > 1000 {
            return Err(format!(
                "{at}.layout: h = {} (1 to 8) or y = {} (0 to 1000) out of range",
                l.h, l.y
            ));
        }
    }
    Ok(())
}

/// The dashboards of one data directory.
#[derive(Debug, Clone)]
pub struct Boards {
    dir: PathBuf,
}

impl Boards {
    /// The dashboards kept under `data_dir/dashboards` (created on the first save).
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("dashboards"),
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Every saved dashboard, by id; one that no longer reads is left out.
    pub fn list(&self) -> Vec<Dashboard> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<Dashboard> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let id = name.strip_suffix(".json")?;
                valid_id(id).then(|| self.get(id).ok().flatten())?
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The dashboard `id`, `None` when there is none.
    pub fn get(&self, id: &str) -> Result<Option<Dashboard>, String> {
        if !valid_id(id) {
            return Ok(None);
        }
        let path = self.path(id);
        match fs::read(&path) {
            Ok(bytes) => parse(&bytes, id)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes `d` (already checked) in place of any dashboard with its id.
    pub fn put(&self, d: &Dashboard) -> Result<(), String> {
        let path = self.path(&d.id);
        let tmp = self.dir.join(format!(".{}.json.tmp", d.id));
        let write = || -> std::io::Result<()> {
            fs::create_dir_all(&self.dir)?;
            let mut f = fs::File::create(&tmp)?;
            let mut text = serde_json::to_vec_pretty(d).map_err(std::io::Error::other)?;
            text.push(b'\n');
            f.write_all(&text)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Deletes the dashboard `id`; false when there was none.
    pub fn delete(&self, id: &str) -> Result<bool, String> {
        if !valid_id(id) {
            return Ok(false);
        }
        let path = self.path(id);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

/// Reads and checks the dashboard in `file` (`herd statsd --dashboard FILE`); its id is its
/// `id` field, or the file's name without `.json`. The error names the file and the place.
pub fn read_file(file: &Path) -> Result<Dashboard, String> {
    let bytes = fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    let id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
        .unwrap_or(stem);
    parse(&bytes, &id).map_err(|e| format!("{}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = r#"{"title": "Shop", "widgets": [
        {"title": "Orders", "queries": ["sum:shop.orders{*}.as_count()"], "layout": {"x": 0, "y": 0, "w": 6, "h": 2}}
    ]}"#;

    /// A small deterministic generator (no dependency): xorshift64*.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
        }
    }

    /// Property, over 20,000 damaged copies of a good dashboard (bytes flipped, cut, doubled,
    /// JSON punctuation and numbers put in): parsing never panics, and whatever is accepted
    /// keeps every layout inside the grid and reads back equal from its own JSON.
    #[test]
    fn damaged_dashboards_are_refused_or_read_back_equal() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let pieces: [&[u8]; 10] = [
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b":",
            b"\"",
            b"13",
            b"-1",
            b"\"w\": 12",
        ];
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut text = SHOP.as_bytes().to_vec();
            for _ in 0..=rng.below(3) {
                let at = rng.below(text.len());
                match rng.below(4) {
                    0 => text[at] = rng.below(256) as u8,
                    1 => {
                        let end = (at + rng.below(8)).min(text.len());
                        text.drain(at..end);
                    }
                    2 => {
                        let piece = text[at..(at + rng.below(16)).min(text.len())].to_vec();
                        text.splice(at..at, piece);
                    }
                    _ => {
                        let piece = pieces[rng.below(pieces.len())];
                        text.splice(at..at, piece.iter().copied());
                    }
                }
                if text.is_empty() {
                    break;
                }
            }
            let Ok(d) = parse(&text, "shop") else {
                continue;
            };
            accepted += 1;
            for w in &d.widgets {
                assert!(
                    w.layout.x + w.layout.w <= COLUMNS && w.layout.w >= 1,
                    "{d:?}"
                );
                assert!(!w.queries.is_empty() && w.queries.len() <= MAX_QUERIES);
            }
            let again = parse(&serde_json::to_vec(&d).unwrap(), "shop").unwrap();
            assert_eq!(again, d);
        }
        assert!(
            accepted > 100,
            "only {accepted} accepted: the damage is too blunt to test much"
        );
    }

    #[test]
    fn a_dashboard_round_trips_through_its_file_and_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let boards = Boards::new(dir.path());
        let d = parse(SHOP.as_bytes(), "shop").unwrap();
        assert_eq!(d.widgets[0].layout.w, 6);
        boards.put(&d).unwrap();
        assert_eq!(boards.get("shop").unwrap(), Some(d.clone()));
        assert_eq!(boards.list(), vec![d]);
        assert!(boards.delete("shop").unwrap());
        assert!(!boards.delete("shop").unwrap());
        assert_eq!(boards.get("shop").unwrap(), None);
        assert_eq!(boards.get("../etc/passwd").unwrap(), None);
    }

    #[test]
    fn bad_dashboards_name_the_place() {
        let e = parse(b"{\"title\": \"x\",\n \"widgets\": [}", "a").unwrap_err();
        assert!(e.contains("line 2 column"), "{e}");
        let e = parse(br#"{"title": "x", "widgets": [{"queries": []}]}"#, "a").unwrap_err();
        assert_eq!(e, "widgets[0].queries: 1 to 8 queries");
        let e = parse(
            br#"{"title": "x", "widgets": [{"queries": ["a"], "layout": {"x": 10, "w": 4}}]}"#,
            "a",
        )
        .unwrap_err();
        assert!(e.starts_with("widgets[0].layout: x = 10 and w = 4"), "{e}");
        let e = parse(br#"{"title": "x", "colour": 1}"#, "a").unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
        let e = parse(br#"{"id": "b", "title": "x"}"#, "a").unwrap_err();
        assert!(e.contains("saved as `a`"), "{e}");
    }

    #[test]
    fn a_refused_save_keeps_the_dashboard_on_disk_and_a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let boards = Boards::new(dir.path());
        let file = dir.path().join("shop.json");
        fs::write(&file, SHOP).unwrap();
        boards.put(&read_file(&file).unwrap()).unwrap();
        let put = |text: &[u8]| parse(text, "shop").and_then(|d| boards.put(&d));
        let e = put(b"{\"title\": \"\"}").unwrap_err();
        assert_eq!(e, "field `title`: 1 to 2000 bytes of text");
        let e = put(b"{\"title\": \"Shop\", \"widgets\": [").unwrap_err();
        assert!(
            e.contains("EOF while parsing a list at line 1 column 30"),
            "{e}"
        );
        assert_eq!(boards.get("shop").unwrap().unwrap().title, "Shop");
        fs::write(&file, "{\"title\": \"\"}").unwrap();
        let e = read_file(&file).unwrap_err();
        assert!(
            e.ends_with("shop.json: field `title`: 1 to 2000 bytes of text"),
            "{e}"
        );
    }
}
