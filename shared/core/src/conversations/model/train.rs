//! Training the reply model: multinomial logistic regression over the hashed features, by
//! stochastic gradient descent with AdaGrad steps, in a fixed order from a fixed seed. The same
//! corpus gives the same bytes on every machine (IEEE arithmetic, one thread, no fused
//! multiply-add), which a test checks against the model checked in.

use crate::conversations::model::corpus::Example;
use crate::conversations::model::features::{BUCKETS, features};
use crate::conversations::model::label::Label;
use crate::conversations::model::weights::Weights;

const CLASSES: usize = Label::ALL.len();

#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { epochs: 30, learning_rate: 0.1, l2: 1e-4, seed: 0x00c0_ffee }
    }
}

pub fn train(examples: &[Example], o: TrainOptions) -> Weights {
    let data: Vec<(Vec<(u32, f32)>, usize)> = examples.iter().map(|e| (features(&e.text), e.label.index())).collect();
    let mut w = vec![0f32; BUCKETS * CLASSES];
    let mut g2 = vec![0f32; BUCKETS * CLASSES];
    let mut bias = [0f32; CLASSES];
    let mut bias_g2 = [0f32; CLASSES];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = o.seed | 1;
    for _ in 0..o.epochs {
        shuffle(&mut order, &mut rng);
        for &i in &order {
            let (feats, y) = &data[i];
            let mut logits = bias;
            for &(f, x) in feats {
                let row = &w[f as usize * CLASSES..][..CLASSES];
                for k in 0..CLASSES {
                    logits[k] += row[k] * x;
                }
            }
            let p = softmax(&logits);
            for k in 0..CLASSES {
                let err = p[k] - if k == *y { 1.0 } else { 0.0 };
                bias_g2[k] += err * err;
                bias[k] -= o.learning_rate * err / (bias_g2[k].sqrt() + 1e-6);
                for &(f, x) in feats {
                    let j = f as usize * CLASSES + k;
                    let g = err * x + o.l2 * w[j];
                    g2[j] += g * g;
                    w[j] -= o.learning_rate * g / (g2[j].sqrt() + 1e-6);
                }
            }
        }
    }
    Weights::quantize(&w, &bias)
}

pub fn softmax(logits: &[f32; CLASSES]) -> [f32; CLASSES] {
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, v| m.max(*v));
    let mut p = [0f32; CLASSES];
    let mut sum = 0.0;
    for k in 0..CLASSES {
        p[k] = (logits[k] - max).exp();
        sum += p[k];
    }
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

/// Fisher–Yates with xorshift64: the order is part of what makes training reproducible.
fn shuffle(v: &mut [usize], state: &mut u64) {
    for i in (1..v.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        v.swap(i, (*state % (i as u64 + 1)) as usize);
    }
}
