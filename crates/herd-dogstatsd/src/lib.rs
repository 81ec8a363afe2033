//! The DogStatsD wire format: one datagram in, typed messages out — and back again.
//!
//! This crate is a pure codec: it never touches a socket, never allocates on the happy path
//! and never panics on any input. Names, tags and texts borrow from the datagram.
//!
//! ```
//! use herd_dogstatsd::{decode, Limits, Message, MetricType};
//!
//! let limits = Limits::default();
//! let datagram = b"page.views:1|c|#env:prod\nbad line\n_sc|db|0";
//! let mut messages = decode(datagram, &limits);
//! match messages.next() {
//!     Some(Ok(Message::Metric(m))) => {
//!         assert_eq!(m.name, "page.views");
//!         assert_eq!(m.kind, MetricType::Count);
//!         assert_eq!(m.tags.iter().collect::<Vec<_>>(), ["env:prod"]);
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! // A bad message is an error value; its neighbours still decode.
//! let err = messages.next().unwrap().unwrap_err();
//! assert_eq!(err.message, 2);
//! assert!(matches!(messages.next(), Some(Ok(Message::ServiceCheck(_)))));
//! ```
//!
//! # Theory of operation
//!
//! A datagram is split on `\n` ([`Messages`]); a `\r` before the `\n` and blank lines are
//! dropped. Each line is dispatched on its prefix: `_e{` is an [`Event`], `_sc|` a
//! [`ServiceCheck`], anything else a [`Metric`] (or, for the Etsy statsd form
//! `key:1|c:2|ms`, an [`EtsyMulti`]). Optional fields after the type come in any order;
//! unknown fields are skipped, as the Datadog Agent does. Every field is validated once, at
//! decode time, so consumers can iterate values and tags without error handling.
//!
//! Length limits ([`Limits`]) either truncate (and say so in [`Truncation`]) or reject the
//! message; the caller counts both.
//!
//! UDS stream sockets carry length-prefixed frames; [`frame`] splits a byte stream into
//! datagrams. [`Message::encode`] writes the wire form back: `decode(encode(m)) == m`.

#![deny(missing_docs)]

mod encode;
mod error;
mod event;
pub mod frame;
mod limits;
mod message;
mod metric;
mod origin;
#[cfg(feature = "serde")]
mod serialize;
mod service_check;
mod split;
mod tags;
mod text;
mod value;

pub use error::{DecodeError, ErrorKind};
pub use event::{AlertType, Event, Priority};
pub use limits::{Limits, Overflow, Truncation};
pub use message::{decode, Message, MessageKind, Messages};
pub use metric::{EtsyMulti, Metric, MetricType, Values};
pub use origin::{Cardinality, ContainerRef, LocalData, Origin};
pub use service_check::{ServiceCheck, Status};
pub use tags::{TagIter, Tags};
pub use text::EscapedText;
