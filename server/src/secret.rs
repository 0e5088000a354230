//! Secrets: room ids, facilitator keys and member tokens from the OS RNG, and their hashes.
//! The store keeps only hashes, so a copy of the database lets no one into a room.

use sha2::{Digest, Sha256};

use crate::error::ServerError;

/// Bytes of randomness in a room id (128 bits, as design.md asks of every id).
pub const ROOM_ID_BYTES: usize = 16;
/// Bytes of randomness in a facilitator key or a member token.
pub const SECRET_BYTES: usize = 32;

/// `n` random bytes from the OS, as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, ServerError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(to_hex(&bytes))
}

/// SHA-256 of a secret, as hex: what the store keeps.
pub fn hash(secret: &str) -> String {
    HashKey::of(secret).hex()
}

/// A hash as a room keeps it in memory: its 32 bytes, not the 64 characters of its stored
/// form (a room holds one per member, in every loaded room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashKey([u8; 32]);

impl HashKey {
    /// The hash of `secret`.
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// The stored (hex) form.
    pub fn hex(&self) -> String {
        to_hex(&self.0)
    }

    /// From the stored (hex) form; `None` for anything that is not one.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let digit = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (out, pair) in key.iter_mut().zip(bytes.chunks_exact(2)) {
            *out = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Self(key))
    }
}

/// Compares two hashes without an early exit, so timing says nothing about how much matched.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_key_is_the_same_from_the_secret_and_from_its_stored_form() {
        let token = random_hex(SECRET_BYTES).unwrap();
        assert_eq!(HashKey::from_hex(&hash(&token)), Some(HashKey::of(&token)));
        assert_ne!(HashKey::of(&token), HashKey::of("another"));
        assert_eq!(HashKey::from_hex(&hash(&token).to_uppercase()), Some(HashKey::of(&token)));
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"a".repeat(66), &"é".repeat(32)] {
            assert_eq!(HashKey::from_hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_are_random_hex_of_the_asked_length() {
        let a = random_hex(SECRET_BYTES).unwrap();
        let b = random_hex(SECRET_BYTES).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn hashes_compare_equal_only_for_the_same_secret() {
        assert!(same_hash(&hash("k"), &hash("k")));
        assert!(!same_hash(&hash("k"), &hash("j")));
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
