//! Adler-32 (RFC 1950), the checksum the platform asks for with every uploaded part and with
//! a whole file sent at once.

/// The largest prime below 2^16.
const MODULUS: u32 = 65_521;

/// The most bytes that can be summed before `b` could overflow a `u32` (zlib's NMAX).
const RUN: usize = 5_552;

/// A running Adler-32 checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adler32 {
    a: u32,
    b: u32,
}

impl Default for Adler32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Adler32 {
    /// The checksum of no bytes (1).
    pub fn new() -> Self {
        Self { a: 1, b: 0 }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        for run in data.chunks(RUN) {
            for &byte in run {
                self.a += u32::from(byte);
                self.b += self.a;
            }
            self.a %= MODULUS;
            self.b %= MODULUS;
        }
    }

    /// The checksum of the bytes added so far.
    pub fn value(&self) -> u32 {
        (self.b << 16) | self.a
    }
}

/// The Adler-32 checksum of `data`. The platform takes it as a decimal string.
pub fn adler32(data: &[u8]) -> u32 {
    let mut checksum = Adler32::new();
    checksum.update(data);
    checksum.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"a"), 0x0062_0062);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(b"abc"), 0x024d_0127);
    }

    #[test]
    fn long_input_in_pieces_matches_one_pass() {
        // All 0xff bytes: the worst case for overflow inside a run.
        let data = vec![0xffu8; 3 * RUN + 17];
        let whole = adler32(&data);
        let mut pieces = Adler32::new();
        for piece in data.chunks(1_000) {
            pieces.update(piece);
        }
        assert_eq!(pieces.value(), whole);
        // The plain definition, summed in u64.
        let (mut a, mut b) = (1u64, 0u64);
        for &byte in &data {
            a = (a + u64::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(u64::from(whole), (b << 16) | a);
    }
}
