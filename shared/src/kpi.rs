//! KPIs of DOMAIN.md §6 (placeholder until the measures are written).

/// The measures of DOMAIN.md §6, by stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    ComplaintResponseOnTime,
}

impl Measure {
    pub fn parse(s: &str) -> Option<Measure> {
        Some(match s {
            "complaint_response_on_time"
            | "complaint_closed"
            | "complaint_called_back"
            | "complaint_satisfaction"
            | "valid_complaint_rate"
            | "repair_response_on_time"
            | "small_repairs_closed"
            | "repair_called_back"
            | "repair_satisfaction"
            | "special_service_called_back"
            | "visit_coverage" => Measure::ComplaintResponseOnTime,
            _ => return None,
        })
    }
}
