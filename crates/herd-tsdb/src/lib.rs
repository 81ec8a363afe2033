//! herd's embedded time-series store.
#![deny(missing_docs)]
