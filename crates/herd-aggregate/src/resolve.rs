//! Context resolution: from a metric as it arrived to the id of its context.
//!
//! Two keys lead there. The **wire key** hashes the metric's name, its tag section exactly as
//! it came (raw bytes, in the client's order) and its type, in one pass over contiguous bytes;
//! it finds the id in a cache of the wire forms already seen, which is the hot path. The
//! **context key** identifies the context itself: name, host, type and the order-independent
//! sum of the hashes of the tags it keeps, after `host:` (which sets the host) and the Agent's
//! internal tags are consumed and the configured tags added, so `#a,b`, `#b,a` and `#a,b,a` are
//! one context. Only a wire form not seen before pays for the context key, and only a new
//! context for sorting and copying its tags. The cache forgets the forms of expired contexts
//! (their ids are reused) and is emptied if it outgrows twice the live contexts, so a client
//! varying its tag order cannot make it grow forever.

use herd_dogstatsd::Metric;

use crate::context::{Context, KeyHasher};
use crate::key_table::KeyTable;
use crate::{AggregateConfig, ContextId, Contexts};

/// Tags the Agent consumes instead of keeping (origin detection and internal markers).
const CONSUMED_TAG_PREFIXES: [&str; 3] = [
    "dd.internal.entity_id:",
    "dd.internal.card:",
    "dd.internal.jmx_check_name:",
];

/// What a tag is to a context.
enum TagRole<'t> {
    /// `host:<h>`: sets the host, is not kept.
    Host(&'t str),
    /// An internal tag the Agent consumes.
    Consumed,
    /// A tag of the context.
    Kept,
}

/// The role of one tag (the one place the `host:` and internal-tag rules live).
#[inline]
fn tag_role(tag: &str) -> TagRole<'_> {
    // Only tags starting with `h` or `d` can be special: most tags skip the prefix checks.
    if !matches!(tag.as_bytes().first(), Some(b'h' | b'd')) {
        return TagRole::Kept;
    }
    if let Some(h) = tag.strip_prefix("host:") {
        TagRole::Host(h)
    } else if CONSUMED_TAG_PREFIXES.iter().any(|p| tag.starts_with(p)) {
        TagRole::Consumed
    } else {
        TagRole::Kept
    }
}

/// Resolves tags and host: message tags plus the configured ones, `host:` consumed (last
/// wins), internal tags dropped, sorted and de-duplicated.
pub(crate) fn resolve_tags<'t>(
    config: &'t AggregateConfig,
    tags: impl Iterator<Item = &'t str>,
) -> (Vec<&'t str>, &'t str) {
    let mut host = config.hostname.as_str();
    let mut out: Vec<&str> = Vec::with_capacity(8 + config.extra_tags.len());
    for tag in tags.chain(config.extra_tags.iter().map(String::as_str)) {
        match tag_role(tag) {
            TagRole::Host(h) => host = h,
            TagRole::Consumed => {}
            TagRole::Kept => out.push(tag),
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, host)
}

/// What resolving a metric found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// A context already live.
    Known(ContextId),
    /// A context created now (its id may be a reused one).
    New(ContextId),
    /// A new context past the context limit: not created.
    Full,
}

/// The live contexts and the cache of wire forms that leads to them.
pub(crate) struct Resolver {
    /// The live contexts.
    pub(crate) contexts: Contexts,
    /// Wire keys of the forms contexts arrived in, to their ids.
    wire: KeyTable,
    hasher: KeyHasher,
    /// Tag hashes of the message being resolved (reused).
    scratch: Vec<u64>,
}

impl Resolver {
    /// No contexts yet, at most `limit` of them.
    pub(crate) fn new(limit: usize) -> Self {
        let contexts = Contexts::new(limit);
        Self {
            hasher: contexts.hasher().clone(),
            contexts,
            wire: KeyTable::default(),
            scratch: Vec::new(),
        }
    }

    /// The wire key of a metric.
    #[inline]
    pub(crate) fn wire_key(&self, m: &Metric<'_>) -> u64 {
        self.hasher.wire_key(m.name, &m.tags, m.kind)
    }

    /// Starts loading the cache slot of a wire key (a batch computes its keys first).
    #[inline]
    pub(crate) fn prefetch(&self, wire_key: u64) {
        self.wire.prefetch(wire_key);
    }

    /// The id a wire form is cached with, if it is.
    #[inline]
    pub(crate) fn cached(&self, wire_key: u64) -> Option<ContextId> {
        self.wire.find(wire_key)
    }

    /// The context of a metric whose wire key is `wire_key`: from the cache of wire forms, or
    /// else by its context key (creating the context if needed), then cached.
    #[inline]
    pub(crate) fn resolve(
        &mut self,
        config: &AggregateConfig,
        m: &Metric<'_>,
        wire_key: u64,
        now_ms: u64,
    ) -> Resolution {
        match self.wire.find(wire_key) {
            Some(id) => Resolution::Known(id),
            None => self.resolve_uncached(config, m, wire_key, now_ms),
        }
    }

    /// [`Resolver::resolve`] for a wire form not in the cache (off the hot path).
    fn resolve_uncached(
        &mut self,
        config: &AggregateConfig,
        m: &Metric<'_>,
        wire_key: u64,
        now_ms: u64,
    ) -> Resolution {
        let key = self.context_key(config, m);
        let (id, resolution) = if let Some(id) = self.contexts.find(key) {
            (id, Resolution::Known(id))
        } else {
            let (tags, host) = resolve_tags(config, m.tags.iter());
            let context = Context::new(m.name, tags.iter().copied(), host, m.kind);
            let Some(id) = self.contexts.insert(key, context, now_ms) else {
                return Resolution::Full;
            };
            (id, Resolution::New(id))
        };
        if self.wire.len() >= 2 * self.contexts.len() + 1024 {
            self.wire.clear();
        }
        self.wire.insert(wire_key, id);
        resolution
    }

    /// The context key of a metric, hashed without sorting or copying its tags.
    fn context_key(&mut self, config: &AggregateConfig, m: &Metric<'_>) -> u64 {
        let mut seen = std::mem::take(&mut self.scratch);
        seen.clear();
        let mut host = config.hostname.as_str();
        let mut sum = 0u64;
        for tag in m
            .tags
            .iter()
            .chain(config.extra_tags.iter().map(String::as_str))
        {
            match tag_role(tag) {
                TagRole::Host(h) => host = h,
                TagRole::Consumed => {}
                TagRole::Kept => {
                    let h = self.hasher.tag(tag);
                    if !seen.contains(&h) {
                        seen.push(h);
                        sum = sum.wrapping_add(h);
                    }
                }
            }
        }
        self.scratch = seen;
        self.hasher.key(m.name, sum, host, m.kind)
    }

    /// Forgets the contexts `keep` refuses, and every wire form that led to them (their ids
    /// will be reused; with steady churn the live contexts keep their cached forms).
    pub(crate) fn retain(&mut self, keep: impl FnMut(ContextId, &Context, u64) -> bool) {
        if self.contexts.retain(keep) > 0 {
            let contexts = &self.contexts;
            self.wire.retain(|id| contexts.is_live(id));
        }
    }
}
