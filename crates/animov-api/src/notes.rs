//! Notes: what a vet, an operator or an admin saw on a camera over a time
//! span (optionally a box on the picture), with tags; edits keep history.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The tags offered until an admin edits the list.
pub const DEFAULT_NOTE_TAGS: [&str; 6] = [
    "lameness",
    "mastitis",
    "feeding",
    "treatment",
    "birth",
    "other",
];

/// Longest note text, characters.
pub const NOTE_MAX_CHARS: usize = 4000;

/// A note (`GET /api/v1/notes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    /// Id.
    pub id: i64,
    /// The camera.
    pub source: String,
    /// Start of the span, UTC ms.
    pub start_ms: i64,
    /// End of the span, UTC ms (≥ start).
    pub end_ms: i64,
    /// What was seen.
    pub text: String,
    /// Tags.
    pub tags: Vec<String>,
    /// A box on the picture `[x, y, w, h]`, in the analysed frame's pixels.
    pub area: Option<[f64; 4]>,
    /// Who wrote it.
    pub author: String,
    /// When, UTC ms.
    pub created_ms: i64,
    /// Last edit, UTC ms.
    pub updated_ms: i64,
}

/// `POST /api/v1/notes` and `PUT /api/v1/notes/{id}` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// The camera.
    pub source: String,
    /// Start of the span, UTC ms.
    pub start_ms: i64,
    /// End of the span, UTC ms.
    pub end_ms: i64,
    /// What was seen (1 to 4 000 characters).
    pub text: String,
    /// Tags, from the list (`GET /api/v1/notes/tags`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// A box on the picture `[x, y, w, h]`.
    #[serde(default)]
    pub area: Option<[f64; 4]>,
}

impl NoteInput {
    /// What is wrong with the note, given the tags allowed.
    pub fn validate(&self, allowed: &[String]) -> Result<(), FieldError> {
        if self.end_ms < self.start_ms {
            return Err(FieldError::new("end_ms", "the end comes before the start"));
        }
        if self.end_ms - self.start_ms > 7 * 86_400_000 {
            return Err(FieldError::new("end_ms", "a note spans at most 7 days"));
        }
        let n = self.text.trim().chars().count();
        if n == 0 || n > NOTE_MAX_CHARS {
            return Err(FieldError::new(
                "text",
                format!("write what was seen (1 to {NOTE_MAX_CHARS} characters)"),
            ));
        }
        if let Some(t) = self.tags.iter().find(|t| !allowed.contains(t)) {
            return Err(FieldError::new(
                "tags",
                format!("{t:?} is not a tag; use one of {}", allowed.join(", ")),
            ));
        }
        if let Some(a) = self.area
            && (a.iter().any(|v| !v.is_finite() || *v < 0.0) || a[2] <= 0.0 || a[3] <= 0.0)
        {
            return Err(FieldError::new(
                "area",
                "the box is [x, y, w, h] in pixels, width and height above 0",
            ));
        }
        Ok(())
    }
}

/// One earlier version of a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteVersion {
    /// Start then.
    pub start_ms: i64,
    /// End then.
    pub end_ms: i64,
    /// Text then.
    pub text: String,
    /// Tags then.
    pub tags: Vec<String>,
    /// Box then.
    pub area: Option<[f64; 4]>,
    /// Who changed it (the version below is what they replaced).
    pub edited_by: String,
    /// When, UTC ms.
    pub edited_ms: i64,
}

/// `GET /api/v1/notes/{id}`: the note and its earlier versions, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteDetail {
    /// The note as it is.
    pub note: Note,
    /// What it was before each edit.
    pub versions: Vec<NoteVersion>,
}

/// The tags offered (`GET`/`PUT /api/v1/notes/tags`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoteTags {
    /// 1 to 50 tags of 1 to 32 letters, digits, `_` or `-`.
    pub tags: Vec<String>,
}

impl NoteTags {
    /// What is wrong with the list.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.tags.is_empty() || self.tags.len() > 50 {
            return Err(FieldError::new("tags", "give 1 to 50 tags"));
        }
        let ok = |t: &String| {
            (1..=32).contains(&t.chars().count())
                && t.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        };
        if let Some(t) = self.tags.iter().find(|t| !ok(t)) {
            return Err(FieldError::new(
                "tags",
                format!("{t:?}: a tag is 1 to 32 letters, digits, _ or -"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NoteInput {
        NoteInput {
            source: "cam-1".into(),
            start_ms: 1000,
            end_ms: 2000,
            text: "boiterie arrière gauche".into(),
            tags: vec!["lameness".into()],
            area: Some([10.0, 20.0, 30.0, 40.0]),
        }
    }

    #[test]
    fn a_note_says_what_is_wrong_with_it() {
        let allowed: Vec<String> = DEFAULT_NOTE_TAGS.iter().map(|t| t.to_string()).collect();
        assert_eq!(input().validate(&allowed), Ok(()));
        let bad = |f: &dyn Fn(&mut NoteInput)| {
            let mut n = input();
            f(&mut n);
            n.validate(&allowed).unwrap_err().field
        };
        assert_eq!(bad(&|n| n.end_ms = 0), "end_ms");
        assert_eq!(bad(&|n| n.text = "  ".into()), "text");
        assert_eq!(bad(&|n| n.tags = vec!["flu".into()]), "tags");
        assert_eq!(bad(&|n| n.area = Some([0.0, 0.0, 0.0, 5.0])), "area");
        assert!(
            NoteTags {
                tags: vec!["a b".into()]
            }
            .validate()
            .is_err()
        );
        assert!(
            NoteTags {
                tags: vec!["boiterie".into()]
            }
            .validate()
            .is_ok()
        );
    }
}
