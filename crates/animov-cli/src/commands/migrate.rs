//! `animov migrate`.

use crate::{args::Global, setup};

/// Creates or upgrades the database schema.
pub async fn run(global: &Global) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    println!("database schema is up to date ({})", engine.store.site_id());
    engine.store.close().await;
    Ok(())
}
