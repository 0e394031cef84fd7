//! The reply model's parameters and its file: a linear classifier over hashed features
//! (`features`), one weight per bucket and class, stored as 8-bit integers with one scale per
//! class. 65 536 buckets × 10 classes is 640 KiB on disk and in the binary.
//!
//! File layout (little endian): `CBRM` `1u8`, buckets `u32`, classes `u32`, then per class its
//! scale `f32` and bias `f32`, then the weights bucket by bucket (`i8` × classes).

use crate::conversations::model::features::BUCKETS;
use crate::conversations::model::label::Label;

const MAGIC: &[u8; 5] = b"CBRM\x01";
const CLASSES: usize = Label::ALL.len();

#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    scale: [f32; CLASSES],
    bias: [f32; CLASSES],
    /// `BUCKETS × CLASSES`, bucket-major: one feature's weights are one cache line.
    w: Vec<i8>,
}

#[derive(Debug, thiserror::Error)]
#[error("reply model file: {0}")]
pub struct FormatError(&'static str);

impl Weights {
    /// Quantises trained weights (`BUCKETS × CLASSES`, bucket-major) to one `i8` scale per class.
    pub fn quantize(w: &[f32], bias: &[f32; CLASSES]) -> Weights {
        let mut scale = [0f32; CLASSES];
        for (k, s) in scale.iter_mut().enumerate() {
            let max = w.iter().skip(k).step_by(CLASSES).fold(0f32, |m, v| m.max(v.abs()));
            *s = if max > 0.0 { max / 127.0 } else { 1.0 };
        }
        let q =
            w.iter().enumerate().map(|(i, v)| (v / scale[i % CLASSES]).round().clamp(-127.0, 127.0) as i8).collect();
        Weights { scale, bias: *bias, w: q }
    }

    /// The class scores (logits) of a feature set.
    pub fn scores(&self, features: &[(u32, f32)]) -> [f32; CLASSES] {
        let mut acc = [0f32; CLASSES];
        for &(f, x) in features {
            let row = &self.w[f as usize * CLASSES..][..CLASSES];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += f32::from(v) * x;
            }
        }
        let mut out = [0f32; CLASSES];
        for k in 0..CLASSES {
            out[k] = self.bias[k] + acc[k] * self.scale[k];
        }
        out
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + CLASSES * 8 + self.w.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(BUCKETS as u32).to_le_bytes());
        out.extend_from_slice(&(CLASSES as u32).to_le_bytes());
        for k in 0..CLASSES {
            out.extend_from_slice(&self.scale[k].to_le_bytes());
            out.extend_from_slice(&self.bias[k].to_le_bytes());
        }
        out.extend(self.w.iter().map(|v| *v as u8));
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Weights, FormatError> {
        let rest = b.strip_prefix(MAGIC).ok_or(FormatError("not a Cartback reply model (version 1)"))?;
        let u32_at = |i: usize| -> Option<u32> { Some(u32::from_le_bytes(rest.get(i..i + 4)?.try_into().ok()?)) };
        if u32_at(0) != Some(BUCKETS as u32) || u32_at(4) != Some(CLASSES as u32) {
            return Err(FormatError("bucket or class count differs from this build's"));
        }
        let head = 8 + CLASSES * 8;
        if rest.len() != head + BUCKETS * CLASSES {
            return Err(FormatError("wrong length"));
        }
        let f32_at = |i: usize| f32::from_le_bytes([rest[i], rest[i + 1], rest[i + 2], rest[i + 3]]);
        let mut scale = [0f32; CLASSES];
        let mut bias = [0f32; CLASSES];
        for k in 0..CLASSES {
            scale[k] = f32_at(8 + k * 8);
            bias[k] = f32_at(12 + k * 8);
        }
        Ok(Weights { scale, bias, w: rest[head..].iter().map(|v| *v as i8).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_files() {
        let mut w = vec![0f32; BUCKETS * CLASSES];
        w[3 * CLASSES + 2] = 0.5;
        w[7 * CLASSES + 9] = -0.25;
        let m = Weights::quantize(&w, &[0.1; CLASSES]);
        let bytes = m.to_bytes();
        assert_eq!(Weights::from_bytes(&bytes).unwrap(), m);
        assert!(Weights::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(Weights::from_bytes(b"CBRM\x02").is_err());
        let s = m.scores(&[(3, 1.0)]);
        assert!((s[2] - 0.6).abs() < 1e-6, "{s:?}");
    }
}
