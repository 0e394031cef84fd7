//! A hash that is the same on every machine and in every release: what is stored or drawn from
//! it (a cart's A/B variant, the fingerprint of what a cart's kept item kinds were read for)
//! must not move when the toolchain does.

/// FNV-1a: stable across releases and platforms (unlike `DefaultHasher`), fed part by part.
pub struct Fnv1a(u64);

impl Fnv1a {
    pub fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    /// One part, closed by a separator so ("ab", "c") and ("a", "bc") differ.
    pub fn part(&mut self, p: &[u8]) {
        for b in p {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a::new()
    }
}
