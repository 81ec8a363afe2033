//! `serde::Serialize` for messages: one flat object per message, optional fields omitted.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::{EtsyMulti, Event, Message, Metric, Origin, ServiceCheck, Tags, Truncation};

struct TagList<'a>(&'a Tags<'a>);

impl Serialize for TagList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

fn origin<M: SerializeMap>(map: &mut M, o: &Origin<'_>) -> Result<(), M::Error> {
    if let Some(c) = o.container_id {
        map.serialize_entry("container_id", c)?;
    }
    if let Some(e) = o.external_data {
        map.serialize_entry("external_data", e)?;
    }
    if let Some(card) = o.cardinality {
        map.serialize_entry("cardinality", card.as_str())?;
    }
    Ok(())
}

fn truncation<M: SerializeMap>(map: &mut M, t: Truncation) -> Result<(), M::Error> {
    if t.any() {
        let mut what = Vec::new();
        if t.name {
            what.push("name");
        }
        if t.tag_count {
            what.push("tag_count");
        }
        if t.tag_len {
            what.push("tag_len");
        }
        map.serialize_entry("truncated", &what)?;
    }
    Ok(())
}

impl Serialize for Message<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Metric(m) => m.serialize(s),
            Self::EtsyMulti(m) => m.serialize(s),
            Self::Event(e) => e.serialize(s),
            Self::ServiceCheck(c) => c.serialize(s),
        }
    }
}

impl Serialize for Metric<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("kind", "metric")?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("type", self.kind.as_str())?;
        match self.values.set_member() {
            Some(member) => map.serialize_entry("value", member)?,
            None => map.serialize_entry("values", &self.values.numbers().collect::<Vec<_>>())?,
        }
        if self.explicit_sign {
            map.serialize_entry("explicit_sign", &true)?;
        }
        if let Some(rate) = self.sample_rate {
            map.serialize_entry("sample_rate", &rate)?;
        }
        map.serialize_entry("tags", &TagList(&self.tags))?;
        if let Some(ts) = self.timestamp {
            map.serialize_entry("timestamp", &ts)?;
        }
        origin(&mut map, &self.origin)?;
        truncation(&mut map, self.truncation)?;
        map.end()
    }
}

impl Serialize for EtsyMulti<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("kind", "etsy_multi")?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("metrics", &self.metrics().collect::<Vec<_>>())?;
        truncation(&mut map, self.truncation)?;
        map.end()
    }
}

impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("kind", "event")?;
        map.serialize_entry("title", &self.title.unescape())?;
        map.serialize_entry("text", &self.text.unescape())?;
        if let Some(d) = self.timestamp {
            map.serialize_entry("timestamp", &d)?;
        }
        if let Some(h) = self.hostname {
            map.serialize_entry("hostname", h)?;
        }
        if let Some(k) = self.aggregation_key {
            map.serialize_entry("aggregation_key", k)?;
        }
        map.serialize_entry("priority", self.priority().as_str())?;
        if let Some(src) = self.source_type {
            map.serialize_entry("source_type", src)?;
        }
        map.serialize_entry("alert_type", self.alert_type().as_str())?;
        map.serialize_entry("tags", &TagList(&self.tags))?;
        origin(&mut map, &self.origin)?;
        truncation(&mut map, self.truncation)?;
        map.end()
    }
}

impl Serialize for ServiceCheck<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("kind", "service_check")?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("status", self.status.as_str())?;
        if let Some(d) = self.timestamp {
            map.serialize_entry("timestamp", &d)?;
        }
        if let Some(h) = self.hostname {
            map.serialize_entry("hostname", h)?;
        }
        map.serialize_entry("tags", &TagList(&self.tags))?;
        if let Some(m) = self.message {
            map.serialize_entry("message", &m.unescape())?;
        }
        origin(&mut map, &self.origin)?;
        truncation(&mut map, self.truncation)?;
        map.end()
    }
}
