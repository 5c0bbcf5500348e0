//! Where graded inputs come from. A graded run derives each student's inputs from the instructor's
//! secret and the student id with HMAC-SHA256, so nobody without the secret can compute them ahead of
//! time; a self-check uses public inputs, the same for everyone.

use anyhow::{Context, Result, bail};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::path::Path;

/// The environment variable that carries the secret where a file is awkward (Gradescope).
pub const SECRET_ENV: &str = "STREAMLAB_SECRET";

/// The shortest secret accepted: 16 bytes of randomness written as 32 hex digits or more.
const MIN_SECRET_LEN: usize = 32;

#[derive(Clone)]
pub enum Inputs {
    /// Public inputs: students grade themselves with these.
    SelfCheck,
    /// Inputs derived from the instructor's secret.
    Graded { secret: Vec<u8> },
}

impl Inputs {
    /// `--secret-file` wins over the environment; neither means a self-check.
    pub fn from_args(secret_file: Option<&Path>) -> Result<Inputs> {
        let text = match secret_file {
            Some(p) => {
                std::fs::read_to_string(p).with_context(|| format!("--secret-file {} cannot be read", p.display()))?
            }
            None => match std::env::var(SECRET_ENV) {
                Ok(s) => s,
                Err(_) => return Ok(Inputs::SelfCheck),
            },
        };
        let secret = text.trim();
        if secret.len() < MIN_SECRET_LEN {
            bail!(
                "the secret is {} characters long: use at least {MIN_SECRET_LEN}, e.g. `openssl rand -hex 32 > secret.txt` (keep it out of the repository)",
                secret.len()
            );
        }
        Ok(Inputs::Graded { secret: secret.as_bytes().to_vec() })
    }

    /// The seed of one student's inputs for one exercise: HMAC-SHA256(secret, student NUL exercise).
    /// A self-check seeds from the exercise alone.
    pub fn seed(&self, student: &str, exercise: &str) -> u64 {
        match self {
            Inputs::SelfCheck => streamlab_sim::rng::stream_seed(14, &format!("self-check/{exercise}")),
            Inputs::Graded { secret } => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
                mac.update(student.as_bytes());
                mac.update(&[0]);
                mac.update(exercise.as_bytes());
                let tag = mac.finalize().into_bytes();
                u64::from_le_bytes(tag[..8].try_into().expect("32-byte tag"))
            }
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Inputs::SelfCheck => {
                "self-check: public inputs, the same for everyone (graded runs use inputs derived from the instructor's secret)"
            }
            Inputs::Graded { .. } => "graded: inputs derived from the instructor's secret and the student id",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graded_seeds_depend_on_the_secret_and_the_student() {
        let a = Inputs::Graded { secret: b"0123456789abcdef0123456789abcdef".to_vec() };
        let b = Inputs::Graded { secret: b"0123456789abcdef0123456789abcdeF".to_vec() };
        assert_ne!(a.seed("dana", "partitioner"), b.seed("dana", "partitioner"));
        assert_ne!(a.seed("dana", "partitioner"), a.seed("erlan", "partitioner"));
        assert_ne!(a.seed("dana", "partitioner"), a.seed("dana", "watermark"));
        assert_eq!(a.seed("dana", "partitioner"), a.clone().seed("dana", "partitioner"));
        // The NUL separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(a.seed("ab", "c"), a.seed("a", "bc"));
        assert_eq!(Inputs::SelfCheck.seed("dana", "lag"), Inputs::SelfCheck.seed("erlan", "lag"));
    }
}
