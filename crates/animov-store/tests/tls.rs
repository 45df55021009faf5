//! The MySQL/MariaDB connection encrypted, and the server's certificate
//! checked when asked: the test MariaDB (scripts/mariadb.sh) has a
//! certificate of a test CA (`ANIMOV_TEST_MYSQL_CA`).

use std::path::PathBuf;

use animov_store::{MysqlTls, Store, StoreConfig, StoreError, testing};

fn with_tls(config: &StoreConfig, tls: MysqlTls) -> StoreConfig {
    let StoreConfig::MySql { url, password, .. } = config else {
        panic!("a MySQL test store");
    };
    StoreConfig::MySql {
        url: url.clone(),
        password: password.clone(),
        tls,
    }
}

/// The test CA and a CA that signed nothing, beside it.
fn cas() -> (PathBuf, PathBuf) {
    let ca = PathBuf::from(std::env::var("ANIMOV_TEST_MYSQL_CA").expect(
        "ANIMOV_TEST_MYSQL_CA is not set: run the tests with the README's test command \
         (it starts MariaDB with TLS)",
    ));
    let other = ca.with_file_name("other-ca.pem");
    (ca, other)
}

#[tokio::test]
async fn a_server_certificate_is_checked_when_asked() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    let (ca, other) = cas();
    // Its CA: connected, encrypted (VERIFY_IDENTITY cannot succeed in clear).
    let verified = with_tls(&db.config, MysqlTls::Verify { ca_file: Some(ca) });
    let store = Store::open(&verified)
        .await
        .expect("the right CA is accepted");
    assert_eq!(store.cameras().await.unwrap().len(), 0);
    store.close().await;
    // Encrypted without a check.
    let required = with_tls(&db.config, MysqlTls::Required);
    Store::open(&required)
        .await
        .expect("TLS required")
        .close()
        .await;
    // Another CA, or the system's (which never signed the test server's
    // certificate): refused, saying what to check.
    for ca_file in [Some(other), None] {
        let wrong = with_tls(
            &db.config,
            MysqlTls::Verify {
                ca_file: ca_file.clone(),
            },
        );
        match Store::open(&wrong).await {
            Err(StoreError::Connect { reason, target }) => {
                assert!(reason.contains("ca_file"), "{ca_file:?}: {reason}");
                assert!(!target.contains("animov-test"), "no password in {target}");
            }
            Err(e) => panic!("{ca_file:?}: another error: {e}"),
            Ok(_) => panic!("{ca_file:?}: a certificate the CA did not sign was accepted"),
        }
    }
}
