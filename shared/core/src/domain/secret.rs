//! The `Secret` type every secret of a store's configuration is held in (config/secrets.rs
//! says which), so a logged configuration never shows one.

use std::fmt;

/// A secret string: compared and used, never printed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(empty)" } else { "Secret(***)" })
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}
