//! Names of wire enums (as sent in JSON and stored in the database) and their
//! labels for people, in French and English.

/// A name that is not one of an enum's values (e.g. a corrupt database row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownName {
    /// What was being read, e.g. `alert state`.
    pub kind: &'static str,
    /// The text that matched no value.
    pub value: String,
}

/// A word or short phrase in both UI languages, capitalised as a title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// Français.
    pub fr: &'static str,
    /// English.
    pub en: &'static str,
}

impl Label {
    /// The text in French (`true`) or English.
    pub fn get(self, french: bool) -> &'static str {
        if french { self.fr } else { self.en }
    }

    /// The French text for the middle of a sentence (first letter lower case).
    pub fn fr_in_sentence(self) -> String {
        in_sentence(self.fr)
    }

    /// The English text for the middle of a sentence (first letter lower case).
    pub fn en_in_sentence(self) -> String {
        in_sentence(self.en)
    }
}

fn in_sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `as_str`, `parse`, `ALL`, `Display`, `FromStr` and `TryFrom<String>` for a
/// fieldless enum whose serde names are the ones given (snake_case).
macro_rules! names {
    ($ty:ident, $what:literal { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// Parses [`Self::as_str`].
            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s).ok_or_else(|| $crate::UnknownName {
                    kind: $what,
                    value: s.to_string(),
                })
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::UnknownName;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

pub(crate) use names;

#[cfg(test)]
mod tests {
    use crate::{AlertState, JobState, NotificationState, RuleKind};

    #[test]
    fn names_round_trip_and_match_serde() {
        for r in RuleKind::ALL {
            assert_eq!(RuleKind::parse(r.as_str()), Some(*r));
            assert_eq!(
                serde_json::to_string(r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
        for s in NotificationState::ALL {
            assert_eq!(s.to_string().parse::<NotificationState>(), Ok(*s));
        }
        assert_eq!(
            "done".parse::<JobState>().unwrap(),
            JobState::Done,
            "jobs end as done"
        );
        let e = AlertState::try_from("closed".to_string()).unwrap_err();
        assert_eq!(e.to_string(), "unknown alert state \"closed\"");
    }

    #[test]
    fn labels_read_in_a_sentence() {
        let l = RuleKind::CameraOffline.label();
        assert_eq!(l.get(true), "Caméra hors ligne");
        assert_eq!(l.fr_in_sentence(), "caméra hors ligne");
        assert_eq!(l.en_in_sentence(), "camera offline");
        assert_eq!(
            crate::Severity::Warning.label().fr_in_sentence(),
            "à surveiller"
        );
    }
}
