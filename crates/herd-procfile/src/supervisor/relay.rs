//! Relaying output: each stream is read without blocking and split into lines for the log;
//! what a process wrote before it exited is shown before its exit.

use std::io::{self, Read, Write};

use super::{ReadOutcome, Supervisor};

impl<W: Write> Supervisor<W> {
    /// Reads once from stream `i` (non-blocking).
    pub(super) fn read_stream(&mut self, i: usize, buf: &mut [u8]) -> ReadOutcome {
        let stream = &mut self.streams[i];
        let label = &self.procs[stream.proc].label;
        let out = &mut self.out;
        match stream.file.read(buf) {
            Ok(0) => {
                stream.lines.finish(|l| out.line(label, l));
                ReadOutcome::Eof
            }
            Ok(n) => {
                stream.lines.feed(&buf[..n], |l| out.line(label, l));
                ReadOutcome::Data
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => ReadOutcome::Empty,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => ReadOutcome::Data,
            Err(_) => {
                stream.lines.finish(|l| out.line(label, l));
                ReadOutcome::Eof
            }
        }
    }

    /// Reads what is already buffered in stream `i`, at most `max` reads; false at end.
    pub(super) fn drain_stream(&mut self, i: usize, buf: &mut [u8], max: usize) -> bool {
        for _ in 0..max {
            match self.read_stream(i, buf) {
                ReadOutcome::Data => {}
                ReadOutcome::Empty => return true,
                ReadOutcome::Eof => return false,
            }
        }
        true
    }

    /// Reads whatever is already buffered in the streams of process `proc`.
    pub(super) fn drain_proc(&mut self, proc: usize) {
        let mut buf = vec![0u8; 1 << 16];
        let mut i = 0;
        while i < self.streams.len() {
            if self.streams[i].proc == proc && !self.drain_stream(i, &mut buf, 256) {
                self.streams.swap_remove(i);
                continue;
            }
            i += 1;
        }
    }

    pub(super) fn final_drain(&mut self, buf: &mut [u8]) {
        for i in 0..self.streams.len() {
            if self.drain_stream(i, buf, 4096) {
                // Still held open by something herd could not stop (an abandoned service).
                let stream = &mut self.streams[i];
                let label = &self.procs[stream.proc].label;
                let out = &mut self.out;
                stream.lines.finish(|l| out.line(label, l));
            }
        }
        self.streams.clear();
    }
}
