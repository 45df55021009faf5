//! Settings from the environment, over `animov.toml`: `ANIMOV__LISTEN=0.0.0.0:8642`,
//! `ANIMOV__DATABASE__URL=mysql://animov@db:3306/animov`. A container or a
//! systemd unit sets them without writing the file. Path segments are split
//! on `__` and lowercased; a value is read as TOML (`true`, `8642`,
//! `["10.0.0.1"]`, `"text"`) and, when it is not TOML, as text.

use super::ConfigError;

/// What every such variable starts with.
pub const PREFIX: &str = "ANIMOV__";

/// Sets `a.b = value` in `table` for each `ANIMOV__A__B=value` of `vars`
/// (others are ignored) and returns the names it applied, sorted (no values:
/// a URL may carry a password).
pub fn apply(
    table: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<String>, ConfigError> {
    let mut applied: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with(PREFIX))
        .collect();
    applied.sort();
    for (name, value) in &applied {
        let path: Vec<String> = name[PREFIX.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::Invalid(format!(
                "{name}: a setting from the environment is ANIMOV__<SECTION>__<KEY>, e.g. ANIMOV__DATABASE__URL"
            )));
        }
        set(table, &path, parse_value(value)).map_err(|section| {
            ConfigError::Invalid(format!(
                "{name}: `{section}` is a value in animov.toml, not a section"
            ))
        })?;
    }
    Ok(applied.into_iter().map(|(k, _)| k).collect())
}

/// The value as TOML when it is TOML, else as text.
fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// Sets `path` in `table`, making sections on the way; the error names a
/// segment that is already a plain value.
fn set(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let (last, sections) = path.split_last().expect("a path has a segment");
    let mut t = table;
    for s in sections {
        let entry = t
            .entry(s.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry.as_table_mut().ok_or_else(|| s.clone())?;
    }
    t.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn variables_set_keys_and_sections_with_typed_values() {
        let mut t: toml::Table = toml::from_str("allow_lan = false\n[vision]\nfps = 2\n").unwrap();
        let applied = apply(
            &mut t,
            vars(&[
                ("ANIMOV__ALLOW_LAN", "true"),
                ("ANIMOV__VISION__FPS", "4"),
                ("ANIMOV__LISTEN", "0.0.0.0:8642"),
                ("ANIMOV__DATABASE__URL", "mysql://animov@db:3306/animov"),
                ("ANIMOV__TRUSTED_PROXIES", "[\"10.0.0.1\"]"),
                ("ANIMOV_DATA_DIR", "/data"),
                ("PATH", "/usr/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(
            applied,
            [
                "ANIMOV__ALLOW_LAN",
                "ANIMOV__DATABASE__URL",
                "ANIMOV__LISTEN",
                "ANIMOV__TRUSTED_PROXIES",
                "ANIMOV__VISION__FPS"
            ]
        );
        assert_eq!(t["allow_lan"], toml::Value::Boolean(true));
        assert_eq!(t["vision"]["fps"], toml::Value::Integer(4));
        assert_eq!(t["listen"].as_str(), Some("0.0.0.0:8642"));
        assert_eq!(
            t["database"]["url"].as_str(),
            Some("mysql://animov@db:3306/animov")
        );
        assert_eq!(t["trusted_proxies"][0].as_str(), Some("10.0.0.1"));
        assert!(!t.contains_key("animov_data_dir") && !t.contains_key("data_dir"));
    }

    #[test]
    fn malformed_names_and_values_under_plain_keys_are_refused() {
        let mut t: toml::Table = toml::from_str("listen = \"127.0.0.1:8642\"").unwrap();
        let e = apply(&mut t, vars(&[("ANIMOV__LISTEN__PORT", "1")])).unwrap_err();
        assert!(e.to_string().contains("ANIMOV__LISTEN__PORT"), "{e}");
        let e = apply(&mut t, vars(&[("ANIMOV__VISION____FPS", "1")])).unwrap_err();
        assert!(e.to_string().contains("ANIMOV__<SECTION>__<KEY>"), "{e}");
        assert_eq!(t["listen"].as_str(), Some("127.0.0.1:8642"));
    }
}
