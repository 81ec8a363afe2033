//! The daemon's rare events: each one counts and says itself in one call, so a log line and
//! its counter cannot drift apart (vector's `internal_events` is the model). The per-message
//! noise (decode errors) goes through [`crate::log::RateLimited`] in the worker instead.

use std::io;
use std::sync::atomic::Ordering::Relaxed;

use crate::telemetry::{Listener, ListenerCounters};

/// A listener's socket read failed (counted as a read error).
pub fn read_error(listener: Listener, counters: &ListenerCounters, e: &io::Error) {
    counters.read_errors.fetch_add(1, Relaxed);
    crate::log::warn(&format!("{} listener: read error: {e}", listener.as_str()));
}

/// Accepting a stream connection failed (counted as a read error).
pub fn accept_failed(listener: Listener, counters: &ListenerCounters, e: &io::Error) {
    counters.read_errors.fetch_add(1, Relaxed);
    crate::log::warn(&format!(
        "{} listener: accept failed: {e}",
        listener.as_str()
    ));
}

/// A stream connection's read failed (counted as a read error); the connection is closed.
pub fn connection_read_error(listener: Listener, counters: &ListenerCounters, e: &io::Error) {
    counters.read_errors.fetch_add(1, Relaxed);
    crate::log::warn(&format!(
        "{} connection: read error: {e}",
        listener.as_str()
    ));
}

/// A connection past the cap was closed at once.
pub fn connection_refused(listener: Listener, cap: u64) {
    crate::log::warn(&format!(
        "{} listener: refusing a connection: {cap} already open",
        listener.as_str()
    ));
}

/// A frame larger than the buffer: counted as a truncated datagram; the connection is closed
/// (a stream cannot be resynchronised). `hint` says what the bytes look like, if anything.
pub fn frame_too_large(
    listener: Listener,
    counters: &ListenerCounters,
    e: &dyn std::fmt::Display,
    hint: &str,
) {
    counters.datagrams.fetch_add(1, Relaxed);
    counters.truncated.fetch_add(1, Relaxed);
    crate::log::warn(&format!(
        "{} connection closed: {e}{hint}",
        listener.as_str()
    ));
}

/// A connection closed inside a frame: its bytes are dropped (counted as a read error).
pub fn partial_frame(listener: Listener, counters: &ListenerCounters, bytes: usize, at: u64) {
    counters.read_errors.fetch_add(1, Relaxed);
    crate::log::warn(&format!(
        "{} connection closed inside a frame: {bytes} bytes at stream byte {at} dropped",
        listener.as_str()
    ));
}

/// A sink's output is gone for good: said once, the sink is stopped.
pub fn sink_output_gone(e: &io::Error) {
    crate::log::warn(&format!(
        "a sink's output is gone ({e}): no more flushes go to it"
    ));
}

/// A sink failed to take a flush; it stays and gets the next one.
pub fn sink_failed(points: usize, e: &io::Error) {
    crate::log::warn(&format!(
        "a sink failed to take a flush of {points} points: {e}"
    ));
}

/// Closing a sink failed at shutdown.
pub fn sink_close_failed(e: &io::Error) {
    crate::log::warn(&format!("closing a sink failed: {e}"));
}

/// A forwarder's buffered payload could not be read back (a damaged file): skipped, left
/// out of the counts (its points are unknown).
pub fn forward_buffer_damaged(destination: &str, problem: &str) {
    crate::log::warn(&format!(
        "forward to {destination}: skipping an unreadable buffered payload: {problem}"
    ));
}

/// A forwarder's buffer was full: the oldest payloads made room (counted as `buffer_full`).
pub fn forward_buffer_full(destination: &str, counters: &crate::forward::Counters, points: u64) {
    counters.drop(crate::forward::Drop::BufferFull, points);
    crate::log::warn(&format!(
        "forward to {destination}: retry buffer full (--forward-buffer-bytes): dropped the \
         oldest {points} points"
    ));
}

/// A forwarder could not write its buffer to disk; the payload was not kept.
pub fn forward_buffer_failed(destination: &str, e: &io::Error) {
    crate::log::warn(&format!(
        "forward to {destination}: cannot write the retry buffer: {e}"
    ));
}

/// A payload waited longer than its destination accepts: dropped (counted as `too_old`).
pub fn forward_too_old(destination: &str, counters: &crate::forward::Counters, points: u64) {
    counters.drop(crate::forward::Drop::TooOld, points);
    crate::log::warn(&format!(
        "forward to {destination}: dropped {points} points older than the destination accepts"
    ));
}

/// The destination refused the API key (403): said once per run of refusals; the payload is
/// dropped (counted as `forbidden`).
pub fn forward_forbidden(
    destination: &str,
    counters: &crate::forward::Counters,
    points: u64,
    say: bool,
    body: &str,
) {
    counters.drop(crate::forward::Drop::Forbidden, points);
    if say {
        crate::log::warn(&format!(
            "forward to {destination}: the API key is refused (403 {}): payloads are dropped \
             until it is accepted; check DD_API_KEY and DD_SITE",
            body.trim()
        ));
    }
}

/// The destination refused a payload for good (400, 413, other 4xx): dropped (counted as
/// `refused`).
pub fn forward_refused(
    destination: &str,
    counters: &crate::forward::Counters,
    url: &str,
    status: u16,
    points: u64,
    body: &str,
) {
    counters.drop(crate::forward::Drop::Refused, points);
    crate::log::warn(&format!(
        "forward to {destination}: {url} refused a payload of {points} points with HTTP \
         {status} ({}): dropped, not retried",
        body.trim()
    ));
}

/// Sending failed and will be retried (said at the first failure of a run).
pub fn forward_retrying(destination: &str, why: &str, wait: std::time::Duration) {
    crate::log::warn(&format!(
        "forward to {destination}: {why}; retrying in {:.1}s (payloads wait in the retry \
         buffer)",
        wait.as_secs_f64()
    ));
}
