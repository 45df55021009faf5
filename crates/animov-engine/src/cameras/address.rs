//! Camera addresses and their passwords: the password of an address goes to
//! the secrets store (keyring, or the owner-only file); the database, the
//! API, the logs and every page keep the address with `•••` in its place.

use animov_core::camera_uri::{has_masked_password, same_account, split_password, with_password};

use animov_store::{Store, StoreError};

use crate::secrets::{SecretError, Secrets};

/// Name of a camera's password in the secrets store.
pub fn secret_name(source: &str) -> String {
    format!("camera-password-{source}")
}

/// Why an address cannot be stored or opened.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    /// `•••` left in an address that now points to another user or host:
    /// the stored password is not sent there.
    #[error("the address now points to another user or camera: type its password instead of •••")]
    PasswordElsewhere,
    /// The secrets store failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// Stores the password of `uri` for `source` (if it has one) and returns the
/// address to keep in the database. An address that keeps `•••` keeps the
/// stored password, but only for the same user and host as the `previous`
/// address; one without a password forgets it.
pub fn keep_password(
    secrets: &Secrets,
    source: &str,
    uri: &str,
    previous: Option<&str>,
) -> Result<String, AddressError> {
    let (stored, password) = split_password(uri.trim());
    match password {
        Some(p) => secrets.set(&secret_name(source), &p)?,
        None if has_masked_password(&stored) => {
            if !previous.is_some_and(|p| same_account(p, &stored)) {
                return Err(AddressError::PasswordElsewhere);
            }
        }
        None => secrets.remove(&secret_name(source))?,
    }
    Ok(stored)
}

/// The address to open for a stored address (its password put back).
pub fn openable(secrets: &Secrets, source: &str, stored: &str) -> Result<String, SecretError> {
    if !has_masked_password(stored) {
        return Ok(stored.to_string());
    }
    let password = secrets.get(&secret_name(source))?;
    Ok(with_password(stored, password.as_deref()))
}

/// The address to open for `candidate`, an address typed for the camera
/// `source` whose address is `stored`: `•••` in it stands for the stored
/// password only when it goes to the same user and host.
pub fn openable_candidate(
    secrets: &Secrets,
    source: &str,
    stored: Option<&str>,
    candidate: &str,
) -> Result<String, AddressError> {
    if !has_masked_password(candidate) {
        return Ok(candidate.to_string());
    }
    if !stored.is_some_and(|s| same_account(s, candidate)) {
        return Err(AddressError::PasswordElsewhere);
    }
    Ok(openable(secrets, source, candidate)?)
}

/// Moves the passwords of addresses stored in clear (by versions before
/// passwords were kept apart) into the secrets store. Returns how many moved;
/// a password that cannot be stored stays where it was, and is logged by
/// camera name only.
pub async fn move_clear_passwords(store: &Store, secrets: &Secrets) -> Result<usize, StoreError> {
    let mut moved = 0;
    for c in store.cameras().await? {
        let Some(uri) = c.uri.as_deref() else {
            continue;
        };
        if split_password(uri).1.is_none() {
            continue;
        }
        match keep_password(secrets, &c.source, uri, None) {
            Ok(stored) => {
                store
                    .upsert_camera(&c.source, &c.name, Some(&stored), c.herd_size, c.kind)
                    .await?;
                moved += 1;
            }
            Err(e) => {
                tracing::error!(source = %c.source, error = %e, "a camera password stays in the database: the secrets store refused it")
            }
        }
    }
    if moved > 0 {
        tracing::info!(
            moved,
            "camera passwords moved from the database to the secrets store"
        );
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SecretsBackend;

    #[test]
    fn passwords_go_to_the_secrets_store_and_come_back_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::new(SecretsBackend::File, dir.path());
        let kept = keep_password(&s, "pen-1", "rtsp://admin:Pw-123@cam/1", None).unwrap();
        assert_eq!(kept, "rtsp://admin:•••@cam/1");
        assert_eq!(
            openable(&s, "pen-1", &kept).unwrap(),
            "rtsp://admin:Pw-123@cam/1"
        );
        // Edited with the mask: the password stays, for the same user and host only.
        assert!(matches!(
            keep_password(&s, "pen-1", "rtsp://admin:•••@elsewhere/2", Some(&kept)),
            Err(AddressError::PasswordElsewhere)
        ));
        assert!(matches!(
            openable_candidate(&s, "pen-1", Some(&kept), "rtsp://admin:•••@elsewhere/2"),
            Err(AddressError::PasswordElsewhere)
        ));
        assert_eq!(
            openable_candidate(&s, "pen-1", Some(&kept), "rtsp://admin:•••@cam/3").unwrap(),
            "rtsp://admin:Pw-123@cam/3"
        );
        let kept = keep_password(&s, "pen-1", "rtsp://admin:•••@cam/2", Some(&kept)).unwrap();
        assert_eq!(
            openable(&s, "pen-1", &kept).unwrap(),
            "rtsp://admin:Pw-123@cam/2"
        );
        // No password any more: forgotten.
        keep_password(&s, "pen-1", "rtsp://cam/2", None).unwrap();
        assert_eq!(s.get(&secret_name("pen-1")).unwrap(), None);
        assert_eq!(openable(&s, "pen-1", "demo:1").unwrap(), "demo:1");
    }

    #[tokio::test]
    async fn passwords_stored_in_clear_before_are_moved_out_of_the_database() {
        let t = animov_store::testing::sqlite().await;
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::new(SecretsBackend::File, dir.path());
        let kind = animov_api::SourceKind::Camera;
        t.store
            .upsert_camera("old", "Old", Some("rtsp://u:Old-Pw@cam/1"), None, kind)
            .await
            .unwrap();
        t.store
            .upsert_camera("plain", "Plain", Some("rtsp://cam/2"), None, kind)
            .await
            .unwrap();
        assert_eq!(move_clear_passwords(&t.store, &s).await.unwrap(), 1);
        let old = t.store.camera("old").await.unwrap().unwrap();
        assert_eq!(old.uri.as_deref(), Some("rtsp://u:•••@cam/1"));
        assert_eq!(
            s.get(&secret_name("old")).unwrap().as_deref(),
            Some("Old-Pw")
        );
        assert_eq!(move_clear_passwords(&t.store, &s).await.unwrap(), 0, "once");
    }
}
