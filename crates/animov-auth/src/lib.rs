//! Credentials, with no I/O: passwords (argon2id), session tokens (HS256 JWT
//! with expiry; revocation is the store's), ingest API keys (SHA-256 of a
//! random secret), acceptable user names, and a limiter of failed sign-ins.
//!
//! ```
//! let hash = animov_auth::hash_password("correct horse").unwrap();
//! assert!(animov_auth::verify_password(&hash, "correct horse"));
//! let tokens = animov_auth::Tokens::new(b"a signing key of 32 bytes or so.", 12);
//! let (token, claims) = tokens.issue("alice", animov_api::Role::Vet, "k1", 0);
//! assert_eq!(tokens.verify(&token, 1_000).unwrap(), claims);
//! ```

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

use animov_api::Role;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Shortest password accepted for a new user.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Whether a user name is acceptable: 1 to 64 characters among letters,
/// digits, `_`, `.`, `@` and `-`.
pub fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b))
}

/// Whether a password is long enough for a new user.
pub fn strong_enough(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_LEN
}

/// Why a credential was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// The token is missing, malformed or forged.
    #[error("the session token is invalid: sign in again")]
    InvalidToken,
    /// The token has expired.
    #[error("the session has expired: sign in again")]
    Expired,
    /// The password cannot be hashed (should not happen).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// True when `password` matches the PHC `hash`.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Shortest token signing key accepted: an HS256 key shorter than its
/// 32-byte hash is weaker than the algorithm.
pub const MIN_SIGNING_KEY_BYTES: usize = 32;

/// A new random signing key, base64 (32 random bytes, 43 characters).
pub fn new_signing_key() -> String {
    let mut k = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut k);
    URL_SAFE_NO_PAD.encode(k)
}

/// A new session key for a user (see [`Claims::sk`]).
pub fn new_session_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A new ingest API key: `amk_` + 32 random bytes.
pub fn new_api_key() -> String {
    let mut k = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut k);
    format!("amk_{}", URL_SAFE_NO_PAD.encode(k))
}

/// The stored form of an API key: SHA-256, hex (keys are random, so no salt is needed).
pub fn hash_api_key(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User name.
    pub sub: String,
    /// Role when signed in (the stored role is checked on every request).
    pub role: Role,
    /// Issued at, seconds.
    pub iat: i64,
    /// Expires at, seconds.
    pub exp: i64,
    /// Token id, for revocation.
    pub jti: String,
    /// The user's session key when signed in: a token whose key differs
    /// from the user's current one (password changed, user re-created) is
    /// refused.
    #[serde(default)]
    pub sk: String,
}

/// Issues and checks session tokens.
pub struct Tokens {
    enc: EncodingKey,
    dec: DecodingKey,
    ttl_ms: i64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("ttl_ms", &self.ttl_ms)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Tokens signed with `key`, valid for `ttl_hours`.
    pub fn new(key: &[u8], ttl_hours: u32) -> Self {
        Tokens {
            enc: EncodingKey::from_secret(key),
            dec: DecodingKey::from_secret(key),
            ttl_ms: i64::from(ttl_hours) * 3_600_000,
        }
    }

    /// A token for `username`; returns (token, claims).
    pub fn issue(
        &self,
        username: &str,
        role: Role,
        session_key: &str,
        now_ms: i64,
    ) -> (String, Claims) {
        let claims = Claims {
            sub: username.to_string(),
            role,
            iat: now_ms / 1000,
            exp: (now_ms + self.ttl_ms) / 1000,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            sk: session_key.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.enc)
            .expect("HS256 signing cannot fail");
        (token, claims)
    }

    /// Checks signature and expiry at `now_ms`.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<Claims, AuthError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_exp = false; // checked below against our clock, without leeway
        v.required_spec_claims = ["exp", "sub"].into_iter().map(String::from).collect();
        let data = jsonwebtoken::decode::<Claims>(token, &self.dec, &v)
            .map_err(|_| AuthError::InvalidToken)?;
        if data.claims.exp * 1000 <= now_ms {
            return Err(AuthError::Expired);
        }
        Ok(data.claims)
    }
}

/// An address may fail this many times the per-user limit, over all user
/// names, before it is blocked (guessing many accounts).
pub const ADDRESS_FACTOR: usize = 4;
/// The longest a sign-in is slowed down when a user's password is being
/// guessed from many addresses.
pub const MAX_LOGIN_DELAY: Duration = Duration::from_secs(8);

/// The limiter's keys for a sign-in: (user, address) pair, user, address
/// (empty when the address is unknown).
fn login_keys(user: &str, addr: Option<&str>) -> [String; 3] {
    let user = user.to_lowercase();
    [
        format!("pair:{user}|{}", addr.unwrap_or("-")),
        format!("user:{user}"),
        addr.map(|a| format!("ip:{a}")).unwrap_or_default(),
    ]
}

/// Counts failed logins per key over a sliding window.
#[derive(Debug)]
pub struct LoginLimiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// At most `max` failures per key within `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        LoginLimiter {
            max: max as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when any of `keys` is over its limit at `now`.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .map(|k| self.wait(&mut map, k, self.max, now))
            .max()
            .unwrap_or(0);
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    /// Seconds `key` must wait with `max` failures allowed in the window (0: none).
    fn wait(
        &self,
        map: &mut HashMap<String, VecDeque<Instant>>,
        key: &str,
        max: usize,
        now: Instant,
    ) -> u64 {
        if Self::recent(map, key, self.window, now) < max {
            return 0;
        }
        map.get(key).and_then(|q| q.front()).map_or(0, |first| {
            (self.window - now.duration_since(*first)).as_secs().max(1)
        })
    }

    /// Records a failure for each key.
    pub fn fail(&self, keys: &[String], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.clear(); // a flood of random names: forget rather than grow without bound
        }
        for k in keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
    }

    /// Recent failures of `key` (older ones forgotten).
    fn recent(
        map: &mut HashMap<String, VecDeque<Instant>>,
        key: &str,
        window: Duration,
        now: Instant,
    ) -> usize {
        map.get_mut(key).map_or(0, |q| {
            while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
                q.pop_front();
            }
            q.len()
        })
    }

    /// Whether `user` may try a password from `addr` now: `Err(seconds to
    /// wait)` when this address failed too often for this user, or for
    /// anyone (guessing many accounts); else `Ok(delay)` to wait before
    /// answering, which grows (up to [`MAX_LOGIN_DELAY`]) with the user's
    /// failures from every address — a slowdown for whoever guesses, never
    /// a lockout the owner could suffer from someone else's guesses.
    pub fn check_login(
        &self,
        user: &str,
        addr: Option<&str>,
        now: Instant,
    ) -> Result<Duration, u64> {
        let keys = login_keys(user, addr);
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let wait = self.wait(&mut map, &keys[0], self.max, now).max(self.wait(
            &mut map,
            &keys[2],
            self.max * ADDRESS_FACTOR,
            now,
        ));
        if wait > 0 {
            return Err(wait);
        }
        let n = Self::recent(&mut map, &keys[1], self.window, now);
        Ok(match n.checked_sub(self.max + 1) {
            None => Duration::ZERO,
            Some(k) => (Duration::from_millis(250) * 2u32.saturating_pow(k.min(16) as u32))
                .min(MAX_LOGIN_DELAY),
        })
    }

    /// Records a failed sign-in of `user` from `addr`.
    pub fn fail_login(&self, user: &str, addr: Option<&str>, now: Instant) {
        let keys: Vec<String> = login_keys(user, addr)
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect();
        self.fail(&keys, now);
    }

    /// After a right password: the failures of this user from this address,
    /// and the user's slowdown, are forgotten.
    pub fn clear_login(&self, user: &str, addr: Option<&str>) {
        let keys = login_keys(user, addr);
        self.clear(&keys[0]);
        self.clear(&keys[1]);
    }

    /// Forgets the failures of `key` (after a successful login).
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "wrong"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn tokens_expire_and_reject_forgeries() {
        let t = Tokens::new(b"0123456789abcdef0123456789abcdef", 1);
        let (tok, c) = t.issue("alice", Role::Vet, "k", 1_000_000);
        assert_eq!(t.verify(&tok, 1_000_000).unwrap(), c);
        assert_eq!(
            t.verify(&tok, 1_000_000 + 3_600_000),
            Err(AuthError::Expired)
        );
        let other = Tokens::new(b"another key another key another k", 1);
        assert_eq!(other.verify(&tok, 1_000_000), Err(AuthError::InvalidToken));
        assert_eq!(t.verify("garbage", 0), Err(AuthError::InvalidToken));
        // Payload edited to claim admin: the signature no longer matches.
        let parts: Vec<&str> = tok.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                role: Role::Admin,
                ..c
            })
            .unwrap(),
        );
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(t.verify(&forged, 1_000_000), Err(AuthError::InvalidToken));
    }

    #[test]
    fn user_names_and_passwords_are_checked() {
        assert!(valid_username("anne.dupont@ferme-1"));
        assert!(!valid_username("") && !valid_username("a b") && !valid_username(&"a".repeat(65)));
        assert!(strong_enough("12345678") && !strong_enough("1234567"));
    }

    #[test]
    fn api_keys_are_random_and_hashed() {
        let (a, b) = (new_api_key(), new_api_key());
        assert_ne!(a, b);
        assert!(a.starts_with("amk_") && a.len() > 40);
        assert_eq!(hash_api_key(&a).len(), 64);
        assert_eq!(hash_api_key(&a), hash_api_key(&a));
    }

    #[test]
    fn guesses_block_the_guesser_and_only_slow_the_owner() {
        let l = LoginLimiter::new(5, Duration::from_secs(300));
        let t0 = Instant::now();
        // Five wrong passwords for admin from one address: that address waits...
        for _ in 0..5 {
            assert_eq!(
                l.check_login("admin", Some("10.0.0.66"), t0),
                Ok(Duration::ZERO)
            );
            l.fail_login("admin", Some("10.0.0.66"), t0);
        }
        assert!(l.check_login("Admin", Some("10.0.0.66"), t0).is_err());
        // ...the owner, elsewhere, signs in at once.
        assert_eq!(
            l.check_login("admin", Some("10.0.0.2"), t0),
            Ok(Duration::ZERO)
        );
        // Guesses from many addresses only slow admin down, never block.
        for i in 0..15 {
            let a = format!("10.0.1.{i}");
            assert!(l.check_login("admin", Some(&a), t0).is_ok());
            l.fail_login("admin", Some(&a), t0);
        }
        let delay = l.check_login("admin", Some("10.0.0.2"), t0).unwrap();
        assert_eq!(delay, MAX_LOGIN_DELAY, "20 failures: the longest delay");
        l.clear_login("admin", Some("10.0.0.2"));
        assert_eq!(
            l.check_login("admin", Some("10.0.0.2"), t0),
            Ok(Duration::ZERO)
        );
        // One address trying many user names is blocked for all of them.
        for i in 0..20 {
            l.fail_login(&format!("user{i}"), Some("10.0.0.99"), t0);
        }
        assert!(
            l.check_login("someone-else", Some("10.0.0.99"), t0)
                .is_err()
        );
        // All forgotten after the window.
        let later = t0 + Duration::from_secs(301);
        assert_eq!(
            l.check_login("admin", Some("10.0.0.66"), later),
            Ok(Duration::ZERO)
        );
        assert_eq!(
            l.check_login("x", Some("10.0.0.99"), later),
            Ok(Duration::ZERO)
        );
    }

    #[test]
    fn limiter_blocks_after_max_failures_then_forgets() {
        let l = LoginLimiter::new(3, Duration::from_secs(300));
        let t0 = Instant::now();
        let keys = vec!["user:bob".to_string()];
        for _ in 0..3 {
            assert!(l.check(&keys, t0).is_ok());
            l.fail(&keys, t0);
        }
        let wait = l.check(&keys, t0 + Duration::from_secs(10)).unwrap_err();
        assert!((280..=300).contains(&wait), "{wait}");
        assert!(l.check(&keys, t0 + Duration::from_secs(301)).is_ok());
        l.fail(&keys, t0);
        l.clear("user:bob");
        assert!(l.check(&keys, t0).is_ok());
    }
}
