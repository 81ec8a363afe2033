//! Origin fields shared by every message kind: `c:` container, `e:` external data, `card:`.

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

    /// The cardinality a `card:` value names, in any letter case (the Agent lower-cases it);
    /// `None` for any other value, which the Agent and ADP ignore rather than drop the message.
    pub(crate) fn from_wire(s: &str) -> Option<Self> {
        [Self::None, Self::Low, Self::Orchestrator, Self::High]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

/// Where a message came from, as the client says (all optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin<'a> {
    /// `|c:` local data, raw: `ci-<container id>`, `in-<cgroup inode>`, both comma-joined in
    /// either order, or alone a bare container id (or `cid-<id>`). [`Origin::local_data`] and
    /// [`Origin::containers`] read it as the Agent does.
    pub container_id: Option<&'a str>,
    /// `|e:` external data (`it-<bool>,cn-<name>,pu-<pod uid>`), kept raw.
    pub external_data: Option<&'a str>,
    /// `|card:` requested tag cardinality (`None` also when the value is not one of the four).
    pub cardinality: Option<Cardinality>,
}

/// One entry of a `c:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRef<'a> {
    /// A container id (`ci-<id>`, or alone the deprecated bare form or `cid-<id>`).
    ContainerId(&'a str),
    /// A cgroup inode (`in-<inode>`): decimal digits that fit a `u64`.
    CgroupInode(&'a str),
}

/// The `c:` field as the Datadog Agent reads it (`origindetection.ParseLocalData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocalData<'a> {
    /// The container id, if one was given.
    pub container_id: Option<&'a str>,
    /// The cgroup (v2) inode, if one was given and is a number.
    pub cgroup_inode: Option<u64>,
}

impl<'a> Origin<'a> {
    /// The entries of the `c:` field, in order, as the Agent reads them:
    ///
    /// - alone, `ci-<id>` and `cid-<id>` (the old APM form) are a container id, `in-<n>` a
    ///   cgroup inode, and anything else is a bare container id (the old DogStatsD form);
    /// - in a comma-separated list, only `ci-` and `in-` entries count; other entries (bare ids
    ///   included) are ignored;
    /// - an `in-` entry that is not a decimal number fitting a `u64` is ignored (the Agent
    ///   logs it), and so is an empty container id.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'a>> {
        let raw = self.container_id.unwrap_or("");
        let list = raw.contains(',');
        raw.split(',').filter_map(move |s| {
            let id = if let Some(id) = s.strip_prefix("ci-") {
                id
            } else if let Some(inode) = s.strip_prefix("in-") {
                return inode
                    .parse::<u64>()
                    .ok()
                    .filter(|_| inode.bytes().all(|b| b.is_ascii_digit()))
                    .map(|_| ContainerRef::CgroupInode(inode));
            } else if list {
                return None;
            } else if let Some(id) = s.strip_prefix("cid-") {
                id
            } else {
                s
            };
            Some(ContainerRef::ContainerId(id)).filter(|_| !id.is_empty())
        })
    }

    /// The container id and cgroup inode of the `c:` field, as the Agent reads them: see
    /// [`Origin::containers`]; when an entry kind repeats, the last one wins.
    pub fn local_data(&self) -> LocalData<'a> {
        let mut data = LocalData::default();
        for entry in self.containers() {
            match entry {
                ContainerRef::ContainerId(id) => data.container_id = Some(id),
                ContainerRef::CgroupInode(inode) => data.cgroup_inode = inode.parse().ok(),
            }
        }
        data
    }

    /// Reads `field` if it is an origin field; any other field is left alone. A later field
    /// of a kind replaces an earlier one, an unknown `card:` value included, as in the Agent.
    pub(crate) fn take(&mut self, field: &'a str) {
        if let Some(c) = field.strip_prefix("c:") {
            self.container_id = Some(c);
        } else if let Some(e) = field.strip_prefix("e:") {
            self.external_data = Some(e);
        } else if let Some(card) = field.strip_prefix("card:") {
            self.cardinality = Cardinality::from_wire(card);
        }
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
