//! `animov user add`.

use animov_api::Role;
use animov_engine::users;
use anyhow::Context;

use crate::{args::Global, setup};

/// Creates a user whose password is the first line of standard input.
pub async fn add(global: &Global, username: &str, role: &str) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let role = Role::parse(role)
        .with_context(|| format!("--role must be admin, operator or vet, not {role:?}"))?;
    let password = setup::read_stdin_line("password")?;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    users::add_user(&engine.store, username, role, &password).await?;
    println!("user {username} ({}) created", role.as_str());
    engine.store.close().await;
    Ok(())
}
