//! Where graded inputs come from. A graded run derives each student's inputs from the instructor's
//! secret and the student id with HMAC-SHA256, so nobody without the secret can compute them ahead of
//! time; a self-check uses public inputs, the same for everyone. The same secret seals the concept key
//! (`concept.rs`): tags of the right answers, and texts only the secret opens.

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
                let tag = tag(secret, &[student.as_bytes(), exercise.as_bytes()]);
                u64::from_le_bytes(tag[..8].try_into().expect("32-byte tag"))
            }
        }
    }

    /// The secret of a graded run; `None` for a self-check.
    pub fn secret(&self) -> Option<&[u8]> {
        match self {
            Inputs::SelfCheck => None,
            Inputs::Graded { secret } => Some(secret),
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

/// HMAC-SHA256(secret, parts joined by NUL): the NUL keeps ("ab", "c") and ("a", "bc") apart.
pub fn tag(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(&[0]);
        }
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks(2).map(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 16).ok()).collect()
}

/// `text` XOR the keystream HMAC(secret, "stream", nonce, block number): HMAC as a pseudo-random function in
/// counter mode.
fn xor_stream(secret: &[u8], nonce: &[u8], text: &[u8]) -> Vec<u8> {
    text.chunks(32)
        .zip(0u64..)
        .flat_map(|(chunk, block)| {
            let pad = tag(secret, &[b"stream", nonce, &block.to_le_bytes()]);
            chunk.iter().zip(pad).map(|(b, p)| b ^ p).collect::<Vec<_>>()
        })
        .collect()
}

/// `text` sealed under `secret` for `context`, as hex: a 16-byte nonce, then the enciphered text. The
/// nonce is a tag of the text itself (a synthetic IV), so sealing is deterministic, two texts never share
/// a keystream, and opening checks the text was not changed.
pub fn seal(secret: &[u8], context: &str, text: &str) -> String {
    let nonce = &tag(secret, &[b"nonce", context.as_bytes(), text.as_bytes()])[..16];
    hex(nonce) + &hex(&xor_stream(secret, nonce, text.as_bytes()))
}

/// The text `seal` sealed, or `None` under another secret or context, or when it was changed.
pub fn open(secret: &[u8], context: &str, sealed: &str) -> Option<String> {
    let bytes = unhex(sealed).filter(|b| b.len() >= 16)?;
    let (nonce, body) = bytes.split_at(16);
    let text = String::from_utf8(xor_stream(secret, nonce, body)).ok()?;
    (tag(secret, &[b"nonce", context.as_bytes(), text.as_bytes()])[..16] == *nonce).then_some(text)
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

    #[test]
    fn sealed_text_opens_only_with_its_secret_and_context() {
        let (a, b) = (b"0123456789abcdef0123456789abcdef".as_slice(), b"0123456789abcdef0123456789abcdeF".as_slice());
        let text = "Volume мен Velocity 3V моделінің өзінде бар; a text longer than one 32-byte block";
        let sealed = seal(a, "c1/a", text);
        assert!(!sealed.contains("Volume") && sealed.len() == 2 * (16 + text.len()));
        assert_eq!(open(a, "c1/a", &sealed).as_deref(), Some(text));
        assert_eq!(open(b, "c1/a", &sealed), None);
        assert_eq!(open(a, "c1/b", &sealed), None);
        let mut changed = sealed.clone().into_bytes();
        changed[40] = if changed[40] == b'0' { b'1' } else { b'0' };
        assert_eq!(open(a, "c1/a", &String::from_utf8(changed).unwrap()), None);
        assert_eq!(seal(a, "c1/a", text), sealed, "deterministic");
        // RFC 4231, test case 2: HMAC-SHA256 itself.
        assert_eq!(
            hex(&tag(b"Jefe", &[b"what do ya want for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
