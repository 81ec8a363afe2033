//! Run-list items, read by Chef's rules (`Chef::RunList::RunListItem`), tried in order:
//!
//! 1. `recipe[name]` or `recipe[name@1.2]` / `recipe[name@1.2.3]`
//! 2. `role[name]` (no version syntax: `role[x@1]` is a role named `x@1`, which fails the name rule)
//! 3. `name@1.2.3`: a recipe with a version
//! 4. anything else holding `[` or `]` is an error (`Recipe[x]`, `roles[x]`)
//! 5. anything else is a recipe with that bare name (`apache2`, `apache2::mod_ssl`)
//!
//! Recipe names are normalised so that `c::default` and `c` are one recipe (Chef loads it once);
//! the text as written is kept for messages.

use std::fmt;

use serde::Serialize;

/// Whether an item is a role or a recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// `role[x]`
    Role,
    /// `recipe[x]`
    Recipe,
}

/// One run-list entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunListItem {
    /// Role or recipe.
    pub kind: ItemKind,
    /// The role name, or the recipe name with a trailing `::default` removed.
    pub name: String,
    /// A version pin (`@1.2.3`), recipes only.
    pub version: Option<String>,
}

/// Why a string is not a run-list item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// Brackets, but not `recipe[…]` or `role[…]`.
    #[error("run-list item {0:?} must be recipe[NAME] or role[NAME]")]
    Brackets(String),
    /// Empty, or empty inside the brackets.
    #[error("run-list item {0:?} is empty")]
    Empty(String),
    /// `role[…]` with a name Chef rejects.
    #[error("role name {0:?} may hold only letters, digits, `_` and `-`")]
    RoleName(String),
}

/// Whether `name` is a valid role (or node-less object) name: `^[\-[:alnum:]_]+$`.
pub fn valid_role_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// `true` for `1.2` and `1.2.3`.
fn is_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The item a rejected item most likely means: `Role[cache]` → `role[cache]`,
/// `recipes[ntp]` → `recipe[ntp]`; `None` when there is no such reading.
pub fn likely_meant(text: &str) -> Option<String> {
    let t = text.trim();
    let (prefix, rest) = t.split_once('[')?;
    let inner = rest.strip_suffix(']')?;
    let kind = match prefix.trim().to_ascii_lowercase().trim_end_matches('s') {
        "role" => "role",
        "recipe" => "recipe",
        _ => return None,
    };
    let meant = format!("{kind}[{}]", inner.trim());
    (meant != t && RunListItem::parse(&meant).is_ok()).then_some(meant)
}

/// `c::default` → `c`.
pub fn canonical_recipe(name: &str) -> &str {
    name.strip_suffix("::default")
        .filter(|c| !c.is_empty())
        .unwrap_or(name)
}

impl RunListItem {
    /// Parses one item by Chef's rules.
    pub fn parse(text: &str) -> Result<Self, ItemError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ItemError::Empty(text.to_string()));
        }
        if let Some(inner) = t.strip_prefix("recipe[").and_then(|r| r.strip_suffix(']')) {
            if !inner.contains(']') {
                let (name, version) = match inner.split_once('@') {
                    Some((n, v)) if is_version(v) => (n, Some(v.to_string())),
                    Some(_) => return Err(ItemError::Brackets(text.to_string())),
                    None => (inner, None),
                };
                return Self::recipe(name, version, text);
            }
        }
        if let Some(inner) = t.strip_prefix("role[").and_then(|r| r.strip_suffix(']')) {
            if inner.is_empty() {
                return Err(ItemError::Empty(text.to_string()));
            }
            if !valid_role_name(inner) {
                return Err(ItemError::RoleName(inner.to_string()));
            }
            return Ok(RunListItem {
                kind: ItemKind::Role,
                name: inner.to_string(),
                version: None,
            });
        }
        if let Some((name, v)) = t.split_once('@') {
            if is_version(v) && !name.contains('@') && !name.contains(['[', ']']) {
                return Self::recipe(name, Some(v.to_string()), text);
            }
        }
        if t.contains(['[', ']']) {
            return Err(ItemError::Brackets(text.to_string()));
        }
        Self::recipe(t, None, text)
    }

    fn recipe(name: &str, version: Option<String>, text: &str) -> Result<Self, ItemError> {
        let name = canonical_recipe(name.trim());
        if name.is_empty() {
            return Err(ItemError::Empty(text.to_string()));
        }
        Ok(RunListItem {
            kind: ItemKind::Recipe,
            name: name.to_string(),
            version,
        })
    }

    /// A role item.
    pub fn role(name: &str) -> Self {
        RunListItem {
            kind: ItemKind::Role,
            name: name.to_string(),
            version: None,
        }
    }

    /// The item without its version: `role[x]` or `recipe[x]`.
    pub fn key(&self) -> String {
        match self.kind {
            ItemKind::Role => format!("role[{}]", self.name),
            ItemKind::Recipe => format!("recipe[{}]", self.name),
        }
    }
}

impl fmt::Display for RunListItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.version) {
            (ItemKind::Role, _) => write!(f, "role[{}]", self.name),
            (ItemKind::Recipe, None) => write!(f, "recipe[{}]", self.name),
            (ItemKind::Recipe, Some(v)) => write!(f, "recipe[{}@{v}]", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(text: &str, want: &str) {
        assert_eq!(
            RunListItem::parse(text).unwrap().to_string(),
            want,
            "{text}"
        );
    }

    #[test]
    fn items_follow_chefs_rules_in_order() {
        ok("recipe[apache2]", "recipe[apache2]");
        ok("recipe[apache2::mod_ssl]", "recipe[apache2::mod_ssl]");
        ok("recipe[java::jdk@0.6.1]", "recipe[java::jdk@0.6.1]");
        ok("recipe[java@1.2]", "recipe[java@1.2]");
        ok("role[base]", "role[base]");
        ok("nginx@1.2.3", "recipe[nginx@1.2.3]");
        ok("apache2", "recipe[apache2]");
        ok(
            "hadoop_cluster::namenode",
            "recipe[hadoop_cluster::namenode]",
        );
    }

    #[test]
    fn default_recipes_and_bare_cookbooks_are_one_recipe() {
        ok("recipe[c::default]", "recipe[c]");
        ok("c::default", "recipe[c]");
        ok("c", "recipe[c]");
    }

    #[test]
    fn brackets_that_are_not_recipe_or_role_are_errors() {
        for bad in ["Recipe[x]", "roles[x]", "recipe[x", "x]", "recipe[x@1]"] {
            assert!(
                matches!(RunListItem::parse(bad), Err(ItemError::Brackets(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_rejected_item_names_what_it_likely_means() {
        assert_eq!(likely_meant("Role[cache]").as_deref(), Some("role[cache]"));
        assert_eq!(likely_meant("recipes[ntp]").as_deref(), Some("recipe[ntp]"));
        assert_eq!(likely_meant("ROLE[ web ]").as_deref(), Some("role[web]"));
        assert_eq!(likely_meant("recipe[x"), None);
        assert_eq!(likely_meant("thing[x]"), None);
        assert_eq!(likely_meant("role[x]"), None);
    }

    #[test]
    fn role_names_follow_chefs_name_rule() {
        assert_eq!(
            RunListItem::parse("role[x@1]"),
            Err(ItemError::RoleName("x@1".into()))
        );
        assert_eq!(
            RunListItem::parse("role[a.b]"),
            Err(ItemError::RoleName("a.b".into()))
        );
        assert!(matches!(
            RunListItem::parse("role[]"),
            Err(ItemError::Empty(_))
        ));
        assert!(matches!(RunListItem::parse("  "), Err(ItemError::Empty(_))));
    }
}
