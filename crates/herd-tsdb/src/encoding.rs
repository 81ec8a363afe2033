//! Column encodings of sealed blocks. Every column starts with a byte that says how it is
//! stored: `0` empty, `1` constant or regular (a 10 s timestamp column is three varints), `2`
//! pco (pcodec: mode split, delta, entropy coding), `3` small (floats `XOR`ed with the
//! previous one without their zero bytes; integers as zigzag varint deltas). pco wins on
//! long columns of statsd-shaped data (measured: `docs/storage.md`); its header costs tens
//! of bytes, so short columns (rollups of one block) take whichever of pco and small is
//! smaller.

use crate::codec::{DecodeError, Reader, Writer};

const EMPTY: u8 = 0;
const REGULAR: u8 = 1;
const PCO: u8 = 2;
const SMALL: u8 = 3;
const DECIMAL: u8 = 4;

/// Columns this long or longer go to pco without trying the small form.
const SMALL_MAX: usize = 256;
/// Columns shorter than this never go to pco: its per-call setup (allocations) costs more
/// than the column's bytes when a query decodes thousands of short rollup columns (a 2 h
/// block's 5-minute and hour rows, a day block's hour rows). The head's frozen runs (120
/// points) still go to pco.
const PCO_MIN: usize = 64;

fn small_f64(values: &[f64]) -> Vec<u8> {
    let mut out = vec![SMALL];
    let mut last = 0u64;
    for v in values {
        let x = v.to_bits() ^ last;
        last = v.to_bits();
        if x == 0 {
            out.push(0);
            continue;
        }
        let trail = x.trailing_zeros() / 8;
        let len = 8 - x.leading_zeros() / 8 - trail;
        out.push(((trail as u8) << 4) | len as u8);
        out.extend_from_slice(&(x >> (trail * 8)).to_le_bytes()[..len as usize]);
    }
    out
}

fn read_small_f64(bytes: &[u8], n: usize, what: &str) -> Result<Vec<f64>, DecodeError> {
    let mut r = Reader::new(bytes);
    let mut bits = 0u64;
    let mut out = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        let at = r.at;
        let c = r.u8(what)?;
        if c != 0 {
            let (len, trail) = (usize::from(c & 0x0f), u32::from(c >> 4));
            if len == 0 || len > 8 || trail as usize + len > 8 {
                return Err(DecodeError::new(
                    at,
                    format!("{what}: bad control byte {c:#04x}"),
                ));
            }
            let mut b = [0u8; 8];
            b[..len].copy_from_slice(r.take(len, what)?);
            bits ^= u64::from_le_bytes(b) << (trail * 8);
        }
        out.push(f64::from_bits(bits));
    }
    if !r.is_empty() {
        return Err(DecodeError::new(
            r.at,
            format!("{what}: bytes after {n} values"),
        ));
    }
    Ok(out)
}

/// Short decimals (what statsd rates and their rollups are: `12.3`): the values as integers
/// scaled by `10^k`, zigzag varint deltas, when every value comes back bit for bit.
fn decimal_f64(values: &[f64]) -> Option<Vec<u8>> {
    (0..=4).find_map(|k: i32| {
        let scale = 10f64.powi(k);
        let ints: Option<Vec<i64>> = values
            .iter()
            .map(|&v| {
                let x = (v * scale).round();
                (x.abs() < 9.0e15 && ((x as i64) as f64 / scale).to_bits() == v.to_bits())
                    .then_some(x as i64)
            })
            .collect();
        let ints = ints?;
        let mut w = Writer::default();
        w.u8(DECIMAL);
        w.u8(k as u8);
        let mut last = 0i64;
        for x in ints {
            w.zigzag(x - last);
            last = x;
        }
        Some(w.buf)
    })
}

fn read_decimal_f64(bytes: &[u8], n: usize, what: &str) -> Result<Vec<f64>, DecodeError> {
    let mut r = Reader::new(bytes);
    let k = r.u8(what)?;
    if k > 4 {
        return Err(DecodeError::new(
            0,
            format!("{what}: decimal scale {k} out of range"),
        ));
    }
    let scale = 10f64.powi(i32::from(k));
    let mut last = 0i64;
    let mut out = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        last = last.wrapping_add(r.zigzag(what)?);
        out.push(last as f64 / scale);
    }
    if !r.is_empty() {
        return Err(DecodeError::new(
            r.at,
            format!("{what}: bytes after {n} values"),
        ));
    }
    Ok(out)
}

fn small_i64(values: impl Iterator<Item = i64>) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(SMALL);
    let mut last = 0i64;
    for v in values {
        w.zigzag(v.wrapping_sub(last));
        last = v;
    }
    w.buf
}

fn read_small_i64(bytes: &[u8], n: usize, what: &str) -> Result<Vec<i64>, DecodeError> {
    let mut r = Reader::new(bytes);
    let mut last = 0i64;
    let mut out = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        last = last.wrapping_add(r.zigzag(what)?);
        out.push(last);
    }
    if !r.is_empty() {
        return Err(DecodeError::new(
            r.at,
            format!("{what}: bytes after {n} values"),
        ));
    }
    Ok(out)
}

/// The smaller of pco and `small` (tried only for short columns; the shortest never pco).
fn smaller(pco: impl FnOnce() -> Vec<u8>, small: impl FnOnce() -> Vec<u8>, n: usize) -> Vec<u8> {
    if n < PCO_MIN {
        return small();
    }
    let mut p = vec![PCO];
    p.extend(pco());
    if n >= SMALL_MAX {
        return p;
    }
    let s = small();
    if s.len() < p.len() {
        s
    } else {
        p
    }
}

fn pco_bytes<T: pco::data_types::Number>(values: &[T]) -> Vec<u8> {
    pco::standalone::simple_compress(values, &pco::ChunkConfig::default())
        .expect("pco compresses any numbers with the default config")
}

/// `n` numbers from pco bytes, into a buffer of exactly `n` (pco's own header is not trusted
/// for the size: a damaged one could ask for gigabytes).
fn pco_values<T: pco::data_types::Number + Default + Copy>(
    bytes: &[u8],
    n: usize,
    what: &str,
) -> Result<Vec<T>, DecodeError> {
    let mut v = vec![T::default(); n];
    let p = pco::standalone::simple_decompress_into::<T>(bytes, &mut v)
        .map_err(|e| DecodeError::new(1, format!("{what}: {e}")))?;
    if p.n_processed != n {
        return Err(DecodeError::new(
            1,
            format!("{what}: {} values where {n} were expected", p.n_processed),
        ));
    }
    if !p.finished {
        return Err(DecodeError::new(
            1,
            format!("{what}: more than the {n} values expected"),
        ));
    }
    Ok(v)
}

fn check_n(r: &Reader<'_>, n: usize, what: &str) -> Result<(), DecodeError> {
    if n > 0 {
        return Ok(());
    }
    Err(DecodeError::new(
        r.at,
        format!("{what}: values in an empty column"),
    ))
}

/// Timestamps (or any `i64`s): regular steps as start and step, else pco.
pub(crate) fn encode_i64(values: &[i64]) -> Vec<u8> {
    let mut w = Writer::default();
    match values {
        [] => w.u8(EMPTY),
        [first, rest @ ..] => {
            let step = rest.first().map_or(0, |s| s.wrapping_sub(*first));
            if values.windows(2).all(|p| p[1].wrapping_sub(p[0]) == step) {
                w.u8(REGULAR);
                w.zigzag(*first);
                w.zigzag(step);
            } else {
                w.buf = smaller(
                    || pco_bytes(values),
                    || small_i64(values.iter().copied()),
                    values.len(),
                );
            }
        }
    }
    w.buf
}

/// `n` `i64`s.
pub(crate) fn decode_i64(bytes: &[u8], n: usize, what: &str) -> Result<Vec<i64>, DecodeError> {
    let mut r = Reader::new(bytes);
    match r.u8(what)? {
        EMPTY if n == 0 => Ok(Vec::new()),
        EMPTY => Err(DecodeError::new(
            0,
            format!("{what}: empty column where {n} values were expected"),
        )),
        REGULAR => {
            check_n(&r, n, what)?;
            let first = r.zigzag(what)?;
            let step = r.zigzag(what)?;
            Ok((0..n as i64)
                .map(|i| first.wrapping_add(step.wrapping_mul(i)))
                .collect())
        }
        PCO => pco_values(&bytes[1..], n, what),
        SMALL => read_small_i64(&bytes[1..], n, what),
        t => Err(DecodeError::new(
            0,
            format!("{what}: unknown column encoding {t}"),
        )),
    }
}

/// Floats: a constant as one value, else pco.
pub(crate) fn encode_f64(values: &[f64]) -> Vec<u8> {
    let mut w = Writer::default();
    match values {
        [] => w.u8(EMPTY),
        [first, ..] if values.iter().all(|v| v.to_bits() == first.to_bits()) => {
            w.u8(REGULAR);
            w.f64(*first);
        }
        _ => {
            w.buf = smaller(|| pco_bytes(values), || small_f64(values), values.len());
            if values.len() < SMALL_MAX {
                if let Some(d) = decimal_f64(values).filter(|d| d.len() < w.buf.len()) {
                    w.buf = d;
                }
            }
        }
    }
    w.buf
}

/// `n` floats.
pub(crate) fn decode_f64(bytes: &[u8], n: usize, what: &str) -> Result<Vec<f64>, DecodeError> {
    let mut r = Reader::new(bytes);
    match r.u8(what)? {
        EMPTY if n == 0 => Ok(Vec::new()),
        EMPTY => Err(DecodeError::new(
            0,
            format!("{what}: empty column where {n} values were expected"),
        )),
        REGULAR => {
            check_n(&r, n, what)?;
            Ok(vec![r.f64(what)?; n])
        }
        PCO => pco_values(&bytes[1..], n, what),
        SMALL => read_small_f64(&bytes[1..], n, what),
        DECIMAL => read_decimal_f64(&bytes[1..], n, what),
        t => Err(DecodeError::new(
            0,
            format!("{what}: unknown column encoding {t}"),
        )),
    }
}

/// Counts: a constant as one varint, else pco.
pub(crate) fn encode_u64(values: &[u64]) -> Vec<u8> {
    let mut w = Writer::default();
    match values {
        [] => w.u8(EMPTY),
        [first, ..] if values.iter().all(|v| v == first) => {
            w.u8(REGULAR);
            w.varint(*first);
        }
        _ => {
            w.buf = smaller(
                || pco_bytes(values),
                || small_i64(values.iter().map(|&v| v as i64)),
                values.len(),
            );
        }
    }
    w.buf
}

/// `n` counts.
pub(crate) fn decode_u64(bytes: &[u8], n: usize, what: &str) -> Result<Vec<u64>, DecodeError> {
    let mut r = Reader::new(bytes);
    match r.u8(what)? {
        EMPTY if n == 0 => Ok(Vec::new()),
        EMPTY => Err(DecodeError::new(
            0,
            format!("{what}: empty column where {n} values were expected"),
        )),
        REGULAR => {
            check_n(&r, n, what)?;
            Ok(vec![r.varint(what)?; n])
        }
        PCO => pco_values(&bytes[1..], n, what),
        SMALL => Ok(read_small_i64(&bytes[1..], n, what)?
            .into_iter()
            .map(|v| v as u64)
            .collect()),
        t => Err(DecodeError::new(
            0,
            format!("{what}: unknown column encoding {t}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip() {
        let regular: Vec<i64> = (0..720).map(|i| 1_700_000_000_000 + i * 10_000).collect();
        let enc = encode_i64(&regular);
        assert!(enc.len() < 12, "{}", enc.len());
        assert_eq!(decode_i64(&enc, 720, "t").unwrap(), regular);
        let mut gappy = regular.clone();
        gappy.remove(100);
        assert_eq!(decode_i64(&encode_i64(&gappy), 719, "t").unwrap(), gappy);
        let vals: Vec<f64> = (0..720).map(|i| f64::from(i % 37) / 10.0).collect();
        assert_eq!(decode_f64(&encode_f64(&vals), 720, "v").unwrap(), vals);
        assert_eq!(
            decode_f64(&encode_f64(&[2.5; 9]), 9, "v").unwrap(),
            [2.5; 9]
        );
        let counts: Vec<u64> = (0..60).map(|i| 6 + i % 2).collect();
        assert_eq!(decode_u64(&encode_u64(&counts), 60, "c").unwrap(), counts);
        assert_eq!(
            decode_u64(&encode_u64(&[]), 0, "c").unwrap(),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn wrong_counts_are_errors() {
        let long: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.5).collect();
        let e = decode_f64(&encode_f64(&long), 301, "values").unwrap_err();
        assert!(e.what.contains("300 values where 301"), "{e:?}");
        let e = decode_f64(&encode_f64(&[1.0, 2.0, 3.0]), 4, "values").unwrap_err();
        assert!(e.what.contains("past the end"), "{e:?}");
        assert!(decode_i64(&[9], 1, "times")
            .unwrap_err()
            .what
            .contains("unknown"));
        assert!(decode_u64(&[1], 0, "c").is_err());
    }

    #[test]
    fn short_columns_take_the_small_or_decimal_form() {
        let short = [1.5, 2.25, -3.0, 1e300];
        let enc = encode_f64(&short);
        assert_eq!(enc[0], SMALL);
        assert_eq!(decode_f64(&enc, 4, "v").unwrap(), short);
        // Under 64 values, never pco, whatever the values.
        let noisy: Vec<f64> = (0..63)
            .map(|i| (f64::from(i) * 1.618).sin() * 1e3)
            .collect();
        let enc = encode_f64(&noisy);
        assert_ne!(enc[0], PCO);
        assert_eq!(decode_f64(&enc, 63, "v").unwrap(), noisy);
        let jumpy: Vec<i64> = (0..63).map(|i| i * i * 7_919).collect();
        assert_ne!(encode_i64(&jumpy)[0], PCO);
        let starts = [0, 60_000, 180_000, 240_000];
        assert_eq!(encode_i64(&starts)[0], SMALL);
        assert_eq!(decode_i64(&encode_i64(&starts), 4, "t").unwrap(), starts);
        let counts = [6, 5, u64::MAX];
        assert_eq!(decode_u64(&encode_u64(&counts), 3, "c").unwrap(), counts);
        assert!(decode_f64(&[SMALL, 0x09], 1, "v")
            .unwrap_err()
            .what
            .contains("control"));
        assert!(decode_f64(&[SMALL, 0, 0], 1, "v")
            .unwrap_err()
            .what
            .contains("after"));
        // Short decimals as scaled integers, bit for bit.
        let rates = [12.3, 0.1, 7.0, 1234.5, -0.7, 0.0];
        let enc = encode_f64(&rates);
        assert_eq!(enc[0], DECIMAL);
        assert!(enc.len() < 16, "{}", enc.len());
        assert_eq!(decode_f64(&enc, 6, "v").unwrap(), rates);
        // What no scale gives back exactly is stored another way.
        for odd in [[0.1 + 0.2, 1.0], [-0.0, 1.0], [1e300, 2.0], [f64::NAN, 1.0]] {
            let back = decode_f64(&encode_f64(&odd), 2, "v").unwrap();
            let back: Vec<u64> = back.into_iter().map(f64::to_bits).collect();
            assert_eq!(back, odd.map(f64::to_bits));
        }
        assert!(decode_f64(&[DECIMAL, 9, 0], 1, "v")
            .unwrap_err()
            .what
            .contains("scale"));
    }
}
