//! Byte-level encoding shared by the log records and block entries: LEB128 varints, zigzag
//! integers, little-endian floats, length-prefixed strings, and sketches.

use herd_aggregate::Sketch;

/// `v` as a LEB128 varint, in a buffer of its own: the bytes and how many are used.
pub(crate) fn varint_bytes(mut v: u64) -> ([u8; 10], usize) {
    let mut out = [0u8; 10];
    let mut len = 0;
    while v >= 0x80 {
        out[len] = (v as u8) | 0x80;
        v >>= 7;
        len += 1;
    }
    out[len] = v as u8;
    (out, len + 1)
}

/// `v` zigzag-mapped to unsigned (small magnitudes, either sign, stay small).
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Appends encoded values to a byte vector.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn varint(&mut self, v: u64) {
        let (bytes, len) = varint_bytes(v);
        self.buf.extend_from_slice(&bytes[..len]);
    }

    pub(crate) fn zigzag(&mut self, v: i64) {
        self.varint(zigzag(v));
    }

    pub(crate) fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// count, sum, min, max, then the bins as key deltas and counts.
    pub(crate) fn sketch(&mut self, s: &Sketch) {
        self.varint(s.count());
        self.f64(s.sum());
        self.f64(s.min());
        self.f64(s.max());
        self.varint(s.bins().len() as u64);
        let mut last = 0i64;
        for &(k, n) in s.bins() {
            self.zigzag(i64::from(k) - last);
            last = i64::from(k);
            self.varint(n);
        }
    }
}

/// Why bytes did not decode: the offset (from the start of the decoded slice) and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    pub(crate) at: usize,
    pub(crate) what: String,
}

impl DecodeError {
    pub(crate) fn new(at: usize, what: impl Into<String>) -> Self {
        Self {
            at,
            what: what.into(),
        }
    }
}

/// Reads encoded values from a byte slice, never past its end.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, at: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.at >= self.buf.len()
    }

    fn fail<T>(&self, what: &str) -> Result<T, DecodeError> {
        Err(DecodeError::new(self.at, what))
    }

    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() - self.at < n {
            return self.fail(&format!("{what}: {n} bytes past the end"));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn varint(&mut self, what: &str) -> Result<u64, DecodeError> {
        let start = self.at;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.buf.get(self.at) else {
                self.at = start;
                return self.fail(&format!("{what}: integer past the end"));
            };
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.at = start;
        self.fail(&format!("{what}: integer longer than 10 bytes"))
    }

    /// A varint that must fit `limit` (a count of things still to read, say).
    pub(crate) fn len(&mut self, limit: usize, what: &str) -> Result<usize, DecodeError> {
        let start = self.at;
        let v = self.varint(what)?;
        if v > limit as u64 {
            self.at = start;
            return self.fail(&format!("{what}: {v} is more than the {limit} possible"));
        }
        Ok(v as usize)
    }

    pub(crate) fn zigzag(&mut self, what: &str) -> Result<i64, DecodeError> {
        let v = self.varint(what)?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    pub(crate) fn f64(&mut self, what: &str) -> Result<f64, DecodeError> {
        let b = self.take(8, what)?;
        Ok(f64::from_le_bytes(b.try_into().expect("eight bytes")))
    }

    pub(crate) fn bytes(&mut self, what: &str) -> Result<&'a [u8], DecodeError> {
        let n = self.len(self.buf.len() - self.at, what)?;
        self.take(n, what)
    }

    pub(crate) fn str(&mut self, what: &str) -> Result<String, DecodeError> {
        let start = self.at;
        let b = self.bytes(what)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(DecodeError::new(start, format!("{what}: not UTF-8"))),
        }
    }

    pub(crate) fn sketch(&mut self) -> Result<Sketch, DecodeError> {
        let count = self.varint("sketch count")?;
        let sum = self.f64("sketch sum")?;
        let min = self.f64("sketch min")?;
        let max = self.f64("sketch max")?;
        // Each bin takes at least two bytes.
        let n = self.len((self.buf.len() - self.at) / 2, "sketch bin count")?;
        let mut bins = Vec::with_capacity(n);
        let mut last = 0i64;
        for _ in 0..n {
            let at = self.at;
            let k = last + self.zigzag("sketch bin key")?;
            let Ok(key) = i16::try_from(k) else {
                return Err(DecodeError::new(
                    at,
                    format!("sketch bin key {k} out of range"),
                ));
            };
            if !bins.is_empty() && k <= last {
                return Err(DecodeError::new(at, "sketch bin keys not increasing"));
            }
            last = k;
            bins.push((key, self.varint("sketch bin count")?));
        }
        Ok(Sketch::from_parts(bins, count, sum, min, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut w = Writer::default();
        w.varint(0);
        w.varint(u64::MAX);
        w.zigzag(-5);
        w.zigzag(i64::MIN);
        w.f64(-0.25);
        w.str("héllo");
        let mut s = Sketch::default();
        s.insert(3.5, 4);
        s.insert(-1.0, 1);
        w.sketch(&s);
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.varint("a").unwrap(), 0);
        assert_eq!(r.varint("a").unwrap(), u64::MAX);
        assert_eq!(r.zigzag("a").unwrap(), -5);
        assert_eq!(r.zigzag("a").unwrap(), i64::MIN);
        assert_eq!(r.f64("a").unwrap(), -0.25);
        assert_eq!(r.str("a").unwrap(), "héllo");
        assert_eq!(r.sketch().unwrap(), s);
        assert!(r.is_empty());
        assert!(r.u8("next").unwrap_err().what.contains("past the end"));
    }

    #[test]
    fn lengths_past_the_end_are_refused() {
        let mut w = Writer::default();
        w.varint(1000);
        w.u8(1);
        let e = Reader::new(&w.buf).bytes("name").unwrap_err();
        assert_eq!(e.at, 0);
        assert!(e.what.starts_with("name"), "{e:?}");
    }
}
