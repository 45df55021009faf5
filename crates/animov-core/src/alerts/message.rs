//! What people read about alerts outside the app: the email about one alert,
//! the daily digest, the desktop notification. French first, English below.

use animov_api::{Alert, AlertChangeKind, Severity};

use crate::time::local_dmy_hm;

/// Subject and text of the email about an alert that opened or escalated.
pub fn alert_email(a: &Alert, change: AlertChangeKind, utc_offset_min: i32) -> (String, String) {
    let rule = a.rule.label();
    let (fr, en) = (rule.fr_in_sentence(), rule.en_in_sentence());
    let sev = a.severity.label();
    let (sev_fr, sev_en) = match a.severity {
        Severity::Critical => (sev.fr.to_uppercase(), sev.en_in_sentence()),
        Severity::Warning => (sev.fr_in_sentence(), sev.en_in_sentence()),
    };
    let again = if change == AlertChangeKind::Escalated {
        " (aggravée / escalated)"
    } else {
        ""
    };
    let subject = format!("[AniMOV] {sev_fr} — {} : {fr}{again}", a.source);
    let body = format!(
        "Alerte {sev_fr} sur {src} : {fr}.\nDepuis le {since} (levée le {opened}).\n\n\
         {en} ({sev_en}) on {src}: {msg}.\nSince {since}, raised {opened}.\n\n\
         Ouvrez AniMOV (Alertes) pour l'acquitter. / Open AniMOV (Alerts) to acknowledge it.\n#{id}\n",
        src = a.source,
        since = local_dmy_hm(a.since_ms, utc_offset_min),
        opened = local_dmy_hm(a.opened_ms, utc_offset_min),
        msg = a.message,
        id = a.id,
    );
    (subject, body)
}

/// Subject and text of the daily digest of `alerts`, raised in the 24 h before `now_ms`.
pub fn digest_email(alerts: &[Alert], now_ms: i64, utc_offset_min: i32) -> (String, String) {
    let subject = format!(
        "[AniMOV] Résumé du jour — {} alerte(s) / daily digest",
        alerts.len()
    );
    let mut body = format!(
        "Alertes des dernières 24 h (au {}) / alerts of the last 24 h:\n\n",
        local_dmy_hm(now_ms, utc_offset_min)
    );
    if alerts.is_empty() {
        body.push_str("Aucune alerte. / No alert.\n");
    }
    for a in alerts {
        body.push_str(&format!(
            "- {} {} {} : {} — {} [{}]\n",
            local_dmy_hm(a.opened_ms, utc_offset_min),
            a.source,
            a.severity.as_str(),
            a.rule.label().fr_in_sentence(),
            a.message,
            a.state.as_str()
        ));
    }
    (subject, body)
}

/// Title and text of the desktop notification about an alert (French: the
/// barn PC's user reads French first).
pub fn desktop_notice(a: &Alert) -> (String, String) {
    let urgent = if a.severity == Severity::Critical {
        "Alerte critique"
    } else {
        "Alerte"
    };
    let title = format!(
        "{urgent} — {} : {}",
        a.source,
        a.rule.label().fr_in_sentence()
    );
    (title, a.message.clone())
}

#[cfg(test)]
mod tests {
    use animov_api::{AlertState, RuleKind};

    use super::*;

    fn alert(severity: Severity) -> Alert {
        Alert {
            id: 3,
            source: "chevrerie-1".into(),
            rule: RuleKind::CameraOffline,
            severity,
            state: AlertState::Open,
            since_ms: 1_732_867_200_000,
            opened_ms: 1_732_867_320_000,
            resolved_ms: None,
            resolved_by: None,
            ack_by: None,
            ack_ms: None,
            ack_comment: None,
            message: "no picture from the camera for 2 min".into(),
            value: None,
            threshold: None,
            track_id: None,
            feedback: None,
            feedback_by: None,
        }
    }

    #[test]
    fn emails_say_what_where_and_since_when_in_french_and_english() {
        let a = alert(Severity::Critical);
        let (s, b) = alert_email(&a, AlertChangeKind::Opened, 60);
        assert_eq!(s, "[AniMOV] CRITIQUE — chevrerie-1 : caméra hors ligne");
        assert!(
            b.starts_with("Alerte CRITIQUE sur chevrerie-1 : caméra hors ligne.\nDepuis le 29/11/2024 09:00 (levée le 29/11/2024 09:02)."),
            "{b}"
        );
        assert!(
            b.contains("camera offline (critical) on chevrerie-1"),
            "{b}"
        );
        let (s, _) = alert_email(&alert(Severity::Warning), AlertChangeKind::Escalated, 60);
        assert_eq!(
            s,
            "[AniMOV] à surveiller — chevrerie-1 : caméra hors ligne (aggravée / escalated)"
        );
        let (s, b) = digest_email(&[a], 1_732_900_000_000, 60);
        assert!(s.contains("1 alerte"), "{s}");
        assert!(
            b.contains("- 29/11/2024 09:02 chevrerie-1 critical : caméra hors ligne"),
            "{b}"
        );
        let (_, b) = digest_email(&[], 1_732_900_000_000, 60);
        assert!(b.contains("Aucune alerte"), "{b}");
    }

    #[test]
    fn desktop_notices_are_french_and_urgent_when_critical() {
        let (t, body) = desktop_notice(&alert(Severity::Critical));
        assert_eq!(t, "Alerte critique — chevrerie-1 : caméra hors ligne");
        assert_eq!(body, "no picture from the camera for 2 min");
        let (t, _) = desktop_notice(&alert(Severity::Warning));
        assert_eq!(t, "Alerte — chevrerie-1 : caméra hors ligne");
    }
}
