//! Camera addresses that carry a password (`rtsp://user:pass@host/...`):
//! the password goes to the secrets store, the database and every screen
//! keep the address with [`MASK`] in its place.
//!
//! ```
//! use animov_core::camera_uri::{split_password, with_password};
//! let (stored, pw) = split_password("rtsp://admin:s3cret@10.0.0.9/stream1");
//! assert_eq!(stored, "rtsp://admin:•••@10.0.0.9/stream1");
//! assert_eq!(pw.as_deref(), Some("s3cret"));
//! assert_eq!(with_password(&stored, pw.as_deref()), "rtsp://admin:s3cret@10.0.0.9/stream1");
//! ```

/// What stands for a password in stored and shown addresses.
pub const MASK: &str = "•••";

/// `(start, end)` byte range of the password in `uri`'s user info, if any.
fn password_range(uri: &str) -> Option<(usize, usize)> {
    let scheme_end = uri.find("://")? + 3;
    let rest = &uri[scheme_end..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((scheme_end + colon + 1, scheme_end + at))
}

/// The address with its password replaced by [`MASK`], and the password
/// (as written, percent-encoding kept). An address without a password, or
/// whose password is already the mask, comes back unchanged with `None`.
pub fn split_password(uri: &str) -> (String, Option<String>) {
    match password_range(uri) {
        Some((a, b)) if &uri[a..b] != MASK && a < b => {
            let mut masked = String::with_capacity(uri.len());
            masked.push_str(&uri[..a]);
            masked.push_str(MASK);
            masked.push_str(&uri[b..]);
            (masked, Some(uri[a..b].to_string()))
        }
        _ => (uri.to_string(), None),
    }
}

/// The address for display: any password replaced by [`MASK`].
pub fn masked(uri: &str) -> String {
    split_password(uri).0
}

/// Whether the stored address stands for a password kept elsewhere.
pub fn has_masked_password(uri: &str) -> bool {
    password_range(uri).is_some_and(|(a, b)| &uri[a..b] == MASK)
}

/// The address to open: [`MASK`] replaced by `password` (an address without
/// the mask, or no password, comes back unchanged).
pub fn with_password(stored: &str, password: Option<&str>) -> String {
    match (password_range(stored), password) {
        (Some((a, b)), Some(p)) if &stored[a..b] == MASK => {
            format!("{}{p}{}", &stored[..a], &stored[b..])
        }
        _ => stored.to_string(),
    }
}

/// Where an address sends its password: scheme, user and host (with port),
/// the password left out; `None` without user information.
fn account(uri: &str) -> Option<String> {
    let scheme_end = uri.find("://")? + 3;
    let rest = &uri[scheme_end..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (userinfo, host) = authority.rsplit_once('@')?;
    let user = userinfo.split(':').next().unwrap_or_default();
    Some(format!(
        "{}{user}@{}",
        uri[..scheme_end].to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// Whether two addresses send a password to the same user on the same
/// host: a stored password may only go where it was given for.
pub fn same_account(a: &str, b: &str) -> bool {
    account(a).is_some_and(|x| Some(x) == account(b))
}

/// `text` with every occurrence of `password` (as written and
/// percent-decoded) replaced by [`MASK`]: for error messages of libraries
/// that print the address they were given.
pub fn redact(text: &str, password: Option<&str>) -> String {
    let Some(p) = password.filter(|p| !p.is_empty()) else {
        return text.to_string();
    };
    let mut out = text.replace(p, MASK);
    let decoded = percent_decode(p);
    if !decoded.is_empty() && decoded != p {
        out = out.replace(&decoded, MASK);
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_split_masked_and_restored() {
        for (uri, stored, pw) in [
            (
                "rtsp://admin:pa:ss@cam.local:554/Streaming/101",
                "rtsp://admin:•••@cam.local:554/Streaming/101",
                Some("pa:ss"),
            ),
            (
                "http://u:p%40ss@10.0.0.2/video.mjpg?x=a@b",
                "http://u:•••@10.0.0.2/video.mjpg?x=a@b",
                Some("p%40ss"),
            ),
            ("rtsp://user@cam/1", "rtsp://user@cam/1", None),
            ("rtsp://cam/a:b@c", "rtsp://cam/a:b@c", None),
            ("/dev/video0", "/dev/video0", None),
            ("demo:1", "demo:1", None),
            ("rtsp://u:@cam/1", "rtsp://u:@cam/1", None),
        ] {
            let (s, p) = split_password(uri);
            assert_eq!(s, stored, "{uri}");
            assert_eq!(p.as_deref(), pw, "{uri}");
            assert_eq!(with_password(&s, p.as_deref()), uri);
            assert_eq!(has_masked_password(&s), pw.is_some(), "{uri}");
        }
        // Already masked: kept, nothing new to store.
        let (s, p) = split_password("rtsp://a:•••@h/x");
        assert_eq!((s.as_str(), p), ("rtsp://a:•••@h/x", None));
        assert_eq!(with_password("rtsp://a:•••@h/x", None), "rtsp://a:•••@h/x");
    }

    #[test]
    fn a_password_goes_only_where_it_was_given_for() {
        let stored = "rtsp://admin:•••@10.0.0.9:554/Streaming/101";
        assert!(same_account(
            stored,
            "RTSP://admin:•••@10.0.0.9:554/Streaming/102"
        ));
        assert!(
            !same_account(stored, "rtsp://admin:•••@203.0.113.7:554/x"),
            "another host"
        );
        assert!(
            !same_account(stored, "rtsp://root:•••@10.0.0.9:554/x"),
            "another user"
        );
        assert!(
            !same_account(stored, "rtsp://admin:•••@10.0.0.9:8554/x"),
            "another port"
        );
        assert!(
            !same_account(stored, "http://admin:•••@10.0.0.9:554/x"),
            "another scheme"
        );
        assert!(
            !same_account("rtsp://cam/1", "rtsp://cam/1"),
            "no account at all"
        );
    }

    #[test]
    fn redact_hides_the_password_as_written_and_decoded() {
        let t = "could not open rtsp://u:p%40ss@h/ (p@ss refused)";
        assert_eq!(
            redact(t, Some("p%40ss")),
            "could not open rtsp://u:•••@h/ (••• refused)"
        );
        assert_eq!(redact(t, None), t);
        assert_eq!(redact(t, Some("")), t);
    }
}
