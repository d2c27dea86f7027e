//! The resident's report form: its fields, their limits and their validation, used unchanged by
//! the form in the browser (to tell the resident at once) and by the API (to refuse bad input).

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::model::Category;

/// The longest description we accept, in characters (not bytes: Chinese text is 3 bytes a char).
pub const TEXT_MAX_CHARS: usize = 500;
/// The longest room number, in characters.
pub const ROOM_MAX_CHARS: usize = 16;
/// The longest name a resident may leave, in characters.
pub const NAME_MAX_CHARS: usize = 40;
/// The most photos one report carries.
pub const PHOTOS_MAX: usize = 4;

/// What the resident's form sends. Building and unit are the ids the estate's site plan gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    pub text: String,
    /// The category the resident confirmed or chose; absent means "take the suggestion".
    #[serde(default)]
    pub category: Option<Category>,
    pub building: String,
    pub unit: String,
    #[serde(default)]
    pub room: String,
    pub phone: String,
    #[serde(default)]
    pub name: String,
    /// The privacy-notice version the resident saw when submitting (PIPL).
    #[serde(default)]
    pub notice_version: String,
    /// Photos uploaded beforehand through the estate's public photo endpoint, by the content
    /// hash the server answered.
    #[serde(default)]
    pub photos: Vec<String>,
    /// The resident's answer to the safety question (`classify::SAFETY_QUESTION`: is anyone
    /// hurt or trapped, or is water, gas or smoke spreading?), which the form asks when the
    /// text shows a sign of danger the classifier is not sure of. Absent when not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub danger: Option<bool>,
}

/// Whether a report is urgent: the resident said yes to the safety question, or the
/// classifier found an emergency in the text. A "no" never takes away what the text
/// says: the question is asked only where the classifier is unsure.
pub fn urgent(input: &ReportInput, classified_urgent: bool) -> bool {
    classified_urgent || input.danger == Some(true)
}

/// Whether the form must ask the safety question before sending this text, and has not
/// had its answer yet.
pub fn needs_safety_answer(input: &ReportInput, safety_question: bool) -> bool {
    safety_question && input.danger.is_none()
}

/// What the resident gets back: the reference to quote on the phone and the tracking token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub order_id: String,
    pub reference: String,
    /// Shown once; the server keeps only its hash.
    pub tracking_token: String,
    pub category: Category,
    pub urgent: bool,
}

/// A field of the report form, named as in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportField {
    Text,
    Building,
    Unit,
    Room,
    Phone,
    Name,
    Estate,
    Photos,
}

impl ReportField {
    pub fn key(self) -> &'static str {
        match self {
            ReportField::Text => "text",
            ReportField::Building => "building",
            ReportField::Unit => "unit",
            ReportField::Room => "room",
            ReportField::Phone => "phone",
            ReportField::Name => "name",
            ReportField::Estate => "estate",
            ReportField::Photos => "photos",
        }
    }

    /// The field's label as the form shows it.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ReportField::Text, Lang::Zh) => "问题描述",
            (ReportField::Text, Lang::En) => "Description",
            (ReportField::Building, Lang::Zh) => "楼栋",
            (ReportField::Building, Lang::En) => "Building",
            (ReportField::Unit, Lang::Zh) => "单元",
            (ReportField::Unit, Lang::En) => "Unit",
            (ReportField::Room, Lang::Zh) => "房号",
            (ReportField::Room, Lang::En) => "Room",
            (ReportField::Phone, Lang::Zh) => "手机号",
            (ReportField::Phone, Lang::En) => "Mobile number",
            (ReportField::Name, Lang::Zh) => "称呼",
            (ReportField::Name, Lang::En) => "Name",
            (ReportField::Estate, Lang::Zh) => "小区",
            (ReportField::Estate, Lang::En) => "Estate",
            (ReportField::Photos, Lang::Zh) => "照片",
            (ReportField::Photos, Lang::En) => "Photos",
        }
    }
}

/// Why a field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Missing,
    TooLong { max: usize },
    Malformed,
    Unknown,
    TooMany { max: usize },
}

/// One refused field, with a message in either language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: ReportField,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: ReportField, problem: Problem) -> Self {
        FieldError { field, problem }
    }

    /// A sentence that names the field, for the form and for the API's `error`.
    pub fn message(&self, lang: Lang) -> String {
        let label = self.field.label(lang);
        match (self.problem, lang) {
            (Problem::Missing, Lang::Zh) => format!("请填写{label}"),
            (Problem::Missing, Lang::En) => format!("{label} is required"),
            (Problem::TooLong { max }, Lang::Zh) => format!("{label}不能超过 {max} 个字"),
            (Problem::TooLong { max }, Lang::En) => {
                format!("{label} must be at most {max} characters")
            }
            (Problem::Malformed, Lang::Zh) if self.field == ReportField::Phone => {
                format!("{label}格式不正确,应为 11 位手机号,如 13812345678")
            }
            (Problem::Malformed, Lang::En) if self.field == ReportField::Phone => {
                format!("{label} is not valid: 11 digits such as 13812345678")
            }
            (Problem::Malformed, Lang::Zh) => format!("{label}格式不正确"),
            (Problem::Malformed, Lang::En) => format!("{label} is not valid"),
            (Problem::Unknown, Lang::Zh) => format!("{label}不存在,请重新选择"),
            (Problem::Unknown, Lang::En) => format!("{label} is unknown; please choose again"),
            (Problem::TooMany { max }, Lang::Zh) => format!("{label}最多 {max} 张"),
            (Problem::TooMany { max }, Lang::En) => format!("at most {max} {label}"),
        }
    }
}

/// Checks the fields that need no database; the server then checks that the building and the
/// unit belong to the estate. Returns every refused field, in form order, so the form can mark
/// them all at once.
pub fn validate(input: &ReportInput) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = input.text.trim();
    if text.is_empty() {
        errors.push(FieldError::new(ReportField::Text, Problem::Missing));
    } else if text.chars().count() > TEXT_MAX_CHARS {
        errors.push(FieldError::new(
            ReportField::Text,
            Problem::TooLong {
                max: TEXT_MAX_CHARS,
            },
        ));
    }
    if input.building.trim().is_empty() {
        errors.push(FieldError::new(ReportField::Building, Problem::Missing));
    }
    if input.unit.trim().is_empty() {
        errors.push(FieldError::new(ReportField::Unit, Problem::Missing));
    }
    let room = input.room.trim();
    if room.chars().count() > ROOM_MAX_CHARS {
        errors.push(FieldError::new(
            ReportField::Room,
            Problem::TooLong {
                max: ROOM_MAX_CHARS,
            },
        ));
    } else if !room.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.push(FieldError::new(ReportField::Room, Problem::Malformed));
    }
    let phone = input.phone.trim();
    if phone.is_empty() {
        errors.push(FieldError::new(ReportField::Phone, Problem::Missing));
    } else if normalize_phone(phone).is_none() {
        errors.push(FieldError::new(ReportField::Phone, Problem::Malformed));
    }
    if input.name.trim().chars().count() > NAME_MAX_CHARS {
        errors.push(FieldError::new(
            ReportField::Name,
            Problem::TooLong {
                max: NAME_MAX_CHARS,
            },
        ));
    }
    if input.photos.len() > PHOTOS_MAX {
        errors.push(FieldError::new(
            ReportField::Photos,
            Problem::TooMany { max: PHOTOS_MAX },
        ));
    } else if !input
        .photos
        .iter()
        .all(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        errors.push(FieldError::new(ReportField::Photos, Problem::Malformed));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A mainland mobile number (11 digits starting 13–19), with an optional +86/86 prefix and
/// spaces or dashes between groups, as residents type it. Returns the 11 digits.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = match digits.len() {
        13 if digits.starts_with("86") => digits[2..].to_string(),
        11 => digits,
        _ => return None,
    };
    let bytes = digits.as_bytes();
    (bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1])).then_some(digits)
}

/// The phone number as every list shows it (PIPL): `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ReportInput {
        ReportInput {
            text: "卫生间漏水,请尽快来修".into(),
            building: "b1".into(),
            unit: "u1".into(),
            room: "1201".into(),
            phone: "13812345678".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_report_passes() {
        assert_eq!(validate(&good()), Ok(()));
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases: Vec<(ReportInput, ReportField, Problem)> = vec![
            (
                ReportInput {
                    text: "   ".into(),
                    ..good()
                },
                ReportField::Text,
                Problem::Missing,
            ),
            (
                ReportInput {
                    text: "漏".repeat(TEXT_MAX_CHARS + 1),
                    ..good()
                },
                ReportField::Text,
                Problem::TooLong {
                    max: TEXT_MAX_CHARS,
                },
            ),
            (
                ReportInput {
                    phone: "12345".into(),
                    ..good()
                },
                ReportField::Phone,
                Problem::Malformed,
            ),
            (
                ReportInput {
                    phone: "12812345678".into(),
                    ..good()
                },
                ReportField::Phone,
                Problem::Malformed,
            ),
            (
                ReportInput {
                    phone: String::new(),
                    ..good()
                },
                ReportField::Phone,
                Problem::Missing,
            ),
            (
                ReportInput {
                    building: String::new(),
                    ..good()
                },
                ReportField::Building,
                Problem::Missing,
            ),
            (
                ReportInput {
                    room: "<script>".into(),
                    ..good()
                },
                ReportField::Room,
                Problem::Malformed,
            ),
        ];
        for (input, field, problem) in cases {
            assert_eq!(
                validate(&input),
                Err(vec![FieldError::new(field, problem)]),
                "{input:?}"
            );
        }
    }

    #[test]
    fn text_limit_counts_characters_not_bytes() {
        let input = ReportInput {
            text: "漏".repeat(TEXT_MAX_CHARS),
            ..good()
        };
        assert_eq!(validate(&input), Ok(()));
    }

    #[test]
    fn the_safety_answer_sets_urgency() {
        let yes = ReportInput {
            danger: Some(true),
            ..good()
        };
        let no = ReportInput {
            danger: Some(false),
            ..good()
        };
        assert!(urgent(&yes, false));
        assert!(!urgent(&no, false));
        assert!(
            urgent(&no, true),
            "a no does not take away an emergency in the text"
        );
        assert!(!urgent(&good(), false));
        assert!(needs_safety_answer(&good(), true));
        assert!(!needs_safety_answer(&yes, true));
        assert!(!needs_safety_answer(&good(), false));
        // The answer travels as a plain boolean, and an old client may leave it out.
        let json = r#"{"text":"t","building":"b","unit":"u","phone":"13812345678","danger":true}"#;
        let parsed: ReportInput = serde_json::from_str(json).expect("parses");
        assert_eq!(parsed.danger, Some(true));
        let json = r#"{"text":"t","building":"b","unit":"u","phone":"13812345678"}"#;
        let parsed: ReportInput = serde_json::from_str(json).expect("parses");
        assert_eq!(parsed.danger, None);
        let json = r#"{"text":"t","building":"b","unit":"u","phone":"1","danger":"yes"}"#;
        assert!(serde_json::from_str::<ReportInput>(json).is_err());
    }

    #[test]
    fn phones_are_normalised_and_masked() {
        assert_eq!(
            normalize_phone("+86 138-1234-5678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(normalize_phone("1381234567"), None);
        assert_eq!(normalize_phone("1381234567a"), None);
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn messages_name_the_field_in_both_languages() {
        let e = FieldError::new(ReportField::Phone, Problem::Malformed);
        assert!(e.message(Lang::Zh).contains("手机号"));
        assert!(e.message(Lang::En).contains("Mobile number"));
        let e = FieldError::new(ReportField::Text, Problem::Missing);
        assert!(e.message(Lang::Zh).contains("问题描述"));
        assert!(e.message(Lang::En).contains("Description"));
    }
}
