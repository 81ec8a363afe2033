//! Origin fields shared by every message kind: `c:` container, `e:` external data, `card:`.

use crate::ErrorKind;

/// Tag cardinality requested by the client (`|card:`, protocol 1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// `none`
    None,
    /// `low`
    Low,
    /// `orchestrator`
    Orchestrator,
    /// `high`
    High,
}

impl Cardinality {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Orchestrator => "orchestrator",
            Self::High => "high",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, ErrorKind> {
        match s {
            "none" => Ok(Self::None),
            "low" => Ok(Self::Low),
            "orchestrator" => Ok(Self::Orchestrator),
            "high" => Ok(Self::High),
            _ => Err(ErrorKind::InvalidCardinality(s.to_owned())),
        }
    }
}

/// Where a message came from, as the client says (all optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin<'a> {
    /// `|c:` container reference: `ci-<id>`, `in-<cgroup inode>` or a bare id, comma-joined.
    pub container_id: Option<&'a str>,
    /// `|e:` external data (`it-<bool>,cn-<name>,pu-<pod uid>`), kept raw.
    pub external_data: Option<&'a str>,
    /// `|card:` requested tag cardinality.
    pub cardinality: Option<Cardinality>,
}

/// One entry of a `c:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRef<'a> {
    /// A container id (`ci-<id>`, or the deprecated bare form).
    ContainerId(&'a str),
    /// A cgroup inode (`in-<inode>`).
    CgroupInode(&'a str),
}

impl<'a> Origin<'a> {
    /// The entries of the `c:` field.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'a>> {
        self.container_id
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if let Some(id) = s.strip_prefix("ci-") {
                    ContainerRef::ContainerId(id)
                } else if let Some(inode) = s.strip_prefix("in-") {
                    ContainerRef::CgroupInode(inode)
                } else {
                    ContainerRef::ContainerId(s)
                }
            })
    }

    /// Reads `field` if it is an origin field. `Ok(false)` when it is some other field.
    pub(crate) fn take(&mut self, field: &'a str) -> Result<bool, ErrorKind> {
        if let Some(c) = field.strip_prefix("c:") {
            self.container_id = Some(c);
        } else if let Some(e) = field.strip_prefix("e:") {
            self.external_data = Some(e);
        } else if let Some(card) = field.strip_prefix("card:") {
            self.cardinality = Some(Cardinality::parse(card)?);
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        if let Some(c) = self.container_id {
            out.extend_from_slice(b"|c:");
            out.extend_from_slice(c.as_bytes());
        }
        if let Some(e) = self.external_data {
            out.extend_from_slice(b"|e:");
            out.extend_from_slice(e.as_bytes());
        }
        if let Some(card) = self.cardinality {
            out.extend_from_slice(b"|card:");
            out.extend_from_slice(card.as_str().as_bytes());
        }
    }
}
