//! The places of an estate as the API sends them: the estate itself, its buildings with their
//! footprints on the site plan, and their units.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::FieldError;
use crate::calendar::Calendar;
use crate::policy::Policy;

/// An estate and the rules it runs under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstateInfo {
    pub id: String,
    pub company_id: String,
    pub slug: String,
    pub name: String,
    /// The policy preset, e.g. `cmsk`.
    pub policy: String,
    /// The estate's offset from UTC, e.g. `+08:00`.
    pub utc_offset: String,
    /// The estate's own numbers merged onto its preset (`{}` for none), as a manager set
    /// them: see [`EstateInfo::rules`].
    #[serde(default = "no_override")]
    pub policy_override: Value,
    /// The estate's working-day calendar (D-8) as a manager edits it; `None` until one is
    /// set, when the shipped official calendar applies.
    #[serde(default)]
    pub calendar: Option<Calendar>,
}

fn no_override() -> Value {
    Value::Object(serde_json::Map::new())
}

impl EstateInfo {
    /// The policy and calendar this estate runs under: its preset with its override merged
    /// on, and its calendar (or the shipped one) in its offset. The desk's timers and the
    /// server's checks both come from here, so they cannot disagree.
    pub fn rules(&self) -> Result<(Policy, Calendar), FieldError> {
        let preset = Policy::preset(&self.policy).map_err(|_| {
            FieldError::new("policy", format!("unknown preset \"{}\"", self.policy))
        })?;
        let policy = if self
            .policy_override
            .as_object()
            .is_some_and(|o| o.is_empty())
        {
            preset
        } else {
            preset
                .with_override(&self.policy_override)
                .map_err(|e| e.within("policy_override"))?
        };
        let calendar = match &self.calendar {
            Some(c) => c.clone(),
            None => {
                let mut c = Calendar::cn_2026();
                c.utc_offset = crate::calendar::parse_offset(&self.utc_offset)
                    .ok_or_else(|| FieldError::new("utc_offset", "not an offset like +08:00"))?;
                c
            }
        };
        Ok((policy, calendar))
    }
}

/// What the public report form needs to know of an estate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub buildings: Vec<Building>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Building {
    pub id: String,
    pub number: i64,
    pub name: String,
    pub floors: i64,
    /// The outline on the site plan, in metres.
    pub footprint: Vec<[f64; 2]>,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub number: i64,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estate(policy: &str, policy_override: Value) -> EstateInfo {
        EstateInfo {
            id: "e".into(),
            company_id: "c".into(),
            slug: "cuihu".into(),
            name: "翠湖花园".into(),
            policy: policy.into(),
            utc_offset: "+08:00".into(),
            policy_override,
            calendar: None,
        }
    }

    #[test]
    fn an_estate_runs_its_preset_with_its_override_and_the_official_calendar() {
        let (plain, calendar) = estate("cmsk", no_override()).rules().expect("rules");
        assert_eq!(plain, Policy::preset("cmsk").expect("preset"));
        assert_eq!(calendar, Calendar::cn_2026());

        let patch = serde_json::json!({"dispatch": {"rule": {"minutes": 5}}});
        let (changed, _) = estate("cmsk", patch.clone()).rules().expect("rules");
        assert_eq!(
            changed,
            Policy::preset("cmsk")
                .and_then(|p| p.with_override(&patch))
                .expect("override")
        );
        assert_ne!(changed, plain, "the override changes the policy");
    }

    #[test]
    fn bad_rules_name_the_field() {
        let err = estate("nope", no_override())
            .rules()
            .expect_err("unknown preset");
        assert_eq!(err.field, "policy");
        let err = estate(
            "cmsk",
            serde_json::json!({"dispatch": {"rule": {"minutes": "soon"}}}),
        )
        .rules()
        .expect_err("bad override");
        assert!(err.field.starts_with("policy_override."), "{}", err.field);
    }
}
