//! `herd-query`: Datadog's metric query language.
#![deny(missing_docs)]
