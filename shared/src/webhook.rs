//! Webhooks' vocabulary: the kinds of events a company's administrator may subscribe an
//! endpoint to (documented in the README), which stored event is which kind, and the body a
//! delivery carries. Pure, so the server (which sends) and the admin page (which offers the
//! kinds) name them the same way.
//!
//! A body carries ids, the order's reference, category and urgency, the estate, the level or
//! severity, the kind and the time — never a resident's name, phone number, words or room
//! (PIPL): a gateway that must tell a person more asks the API with its own credentials.

use serde::{Deserialize, Serialize};

use crate::model::{Category, Escalation, Severity};
use crate::order::{Event, EventBody, OrderState};

/// A kind of event a webhook may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookKind {
    OrderReported,
    OrderDispatched,
    OrderReassigned,
    OrderResponded,
    OrderCompleted,
    OrderCalledBack,
    OrderReopened,
    OrderClosed,
    OrderEscalated,
    ComplaintSeverityChanged,
}

impl HookKind {
    /// Every kind, in the order the admin page lists them.
    pub const ALL: &'static [HookKind] = &[
        HookKind::OrderReported,
        HookKind::OrderDispatched,
        HookKind::OrderReassigned,
        HookKind::OrderResponded,
        HookKind::OrderCompleted,
        HookKind::OrderCalledBack,
        HookKind::OrderReopened,
        HookKind::OrderClosed,
        HookKind::OrderEscalated,
        HookKind::ComplaintSeverityChanged,
    ];

    /// The name in a webhook's settings and in a delivery's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::OrderReported => "order.reported",
            HookKind::OrderDispatched => "order.dispatched",
            HookKind::OrderReassigned => "order.reassigned",
            HookKind::OrderResponded => "order.responded",
            HookKind::OrderCompleted => "order.completed",
            HookKind::OrderCalledBack => "order.called_back",
            HookKind::OrderReopened => "order.reopened",
            HookKind::OrderClosed => "order.closed",
            HookKind::OrderEscalated => "order.escalated",
            HookKind::ComplaintSeverityChanged => "complaint.severity_changed",
        }
    }

    pub fn parse(s: &str) -> Option<HookKind> {
        HookKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// The stored event type (`EventBody::kind`) of this kind.
    pub fn event_kind(self) -> &'static str {
        match self {
            HookKind::OrderReported => "reported",
            HookKind::OrderDispatched => "dispatched",
            HookKind::OrderReassigned => "reassigned",
            HookKind::OrderResponded => "responded",
            HookKind::OrderCompleted => "completed",
            HookKind::OrderCalledBack => "called_back",
            HookKind::OrderReopened => "reopened",
            HookKind::OrderClosed => "closed",
            HookKind::OrderEscalated => "escalated",
            HookKind::ComplaintSeverityChanged => "graded",
        }
    }

    /// The kind of a stored event, if webhooks can ask for it.
    pub fn of(body: &EventBody) -> Option<HookKind> {
        let kind = body.kind();
        HookKind::ALL
            .iter()
            .copied()
            .find(|k| k.event_kind() == kind)
    }

    pub fn zh(self) -> &'static str {
        match self {
            HookKind::OrderReported => "新工单",
            HookKind::OrderDispatched => "已派单",
            HookKind::OrderReassigned => "已改派",
            HookKind::OrderResponded => "已响应",
            HookKind::OrderCompleted => "已完成",
            HookKind::OrderCalledBack => "已回访",
            HookKind::OrderReopened => "重新打开",
            HookKind::OrderClosed => "已关闭",
            HookKind::OrderEscalated => "工单升级",
            HookKind::ComplaintSeverityChanged => "投诉级别变化",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            HookKind::OrderReported => "Order reported",
            HookKind::OrderDispatched => "Order dispatched",
            HookKind::OrderReassigned => "Order reassigned",
            HookKind::OrderResponded => "Order responded to",
            HookKind::OrderCompleted => "Order completed",
            HookKind::OrderCalledBack => "Callback made",
            HookKind::OrderReopened => "Order reopened",
            HookKind::OrderClosed => "Order closed",
            HookKind::OrderEscalated => "Order escalated",
            HookKind::ComplaintSeverityChanged => "Complaint severity changed",
        }
    }
}

impl std::fmt::Display for HookKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of one delivery. Field names are the README's contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The delivery's id, also in the `X-Anju-Delivery` header: the same id on every attempt,
    /// so a receiver drops what it has already handled.
    pub id: String,
    /// `order.escalated`, … (see [`HookKind`]).
    pub kind: String,
    /// When it happened (RFC 3339, the estate's offset).
    pub at: String,
    pub company_id: String,
    pub estate_id: String,
    pub estate_name: String,
    pub order_id: String,
    pub event_id: String,
    /// The order's reference number (`20261207-0001`).
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default)]
    pub urgent: bool,
    /// `order.escalated`: the level the ladder reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Escalation>,
    /// `complaint.severity_changed`: the complaint's new severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// `order.called_back`: the resident's score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    /// Staff ids the event concerns: the assignee of a dispatch, the people an escalation or
    /// a severity change names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

/// Where an event was stored: what a body says besides the event itself.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub company_id: &'a str,
    pub estate_id: &'a str,
    pub estate_name: &'a str,
    pub reference: &'a str,
}

/// The body of delivery `id` of `event` (of a kind webhooks can ask for), with what the order
/// is now (`order`, when its events fold); `None` for an event no webhook can ask for.
pub fn payload(
    id: &str,
    event: &Event,
    order: Option<&OrderState>,
    place: Place<'_>,
) -> Option<Payload> {
    let kind = HookKind::of(&event.body)?;
    let mut p = Payload {
        id: id.to_string(),
        kind: kind.as_str().to_string(),
        at: event.at.to_rfc3339(),
        company_id: place.company_id.to_string(),
        estate_id: place.estate_id.to_string(),
        estate_name: place.estate_name.to_string(),
        order_id: event.order_id().to_string(),
        event_id: event.id.clone(),
        reference: place.reference.to_string(),
        category: order.map(|o| o.category),
        urgent: order.is_some_and(|o| o.urgent),
        level: None,
        severity: None,
        score: None,
        to: Vec::new(),
    };
    match &event.body {
        EventBody::Dispatched { to: Some(to) } | EventBody::Reassigned { to } => {
            p.to = vec![to.clone()];
        }
        EventBody::Escalated { level, to } => {
            p.level = Some(*level);
            p.to = to.clone();
        }
        EventBody::Graded { severity, to } => {
            p.severity = Some(*severity);
            p.to = to.clone();
        }
        EventBody::CalledBack { score, .. } => p.score = Some(*score),
        _ => {}
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::order::Reported;

    fn event(body: EventBody) -> Event {
        Event {
            id: "ev-1".into(),
            subject: crate::subject::Subject::order("ord-1"),
            device_id: "tab".into(),
            device_seq: 1,
            hlc: Hlc::new(1, 0),
            actor: "resident".into(),
            at: chrono::DateTime::parse_from_rfc3339("2026-03-10T09:30:00+08:00").expect("time"),
            body,
            seq: Some(1),
        }
    }

    const PLACE: Place<'static> = Place {
        company_id: "co-1",
        estate_id: "est-1",
        estate_name: "翠湖花园",
        reference: "20260310-0001",
    };

    #[test]
    fn every_kind_reads_back_and_names_a_stored_event() {
        for k in HookKind::ALL {
            assert_eq!(HookKind::parse(k.as_str()), Some(*k));
            assert!(!k.zh().is_empty() && !k.en().is_empty());
        }
        assert_eq!(HookKind::parse("order.deleted"), None);
        assert_eq!(
            HookKind::of(&EventBody::Graded {
                severity: Severity::Hotspot,
                to: vec![]
            }),
            Some(HookKind::ComplaintSeverityChanged)
        );
        assert_eq!(HookKind::of(&EventBody::Note { text: "x".into() }), None);
    }

    #[test]
    fn a_body_carries_no_personal_data() {
        let reported = event(EventBody::Reported(Reported {
            text: "王女士家卫生间漏水 13812345678".into(),
            channel: "phone".into(),
            category: Some(Category::Repair),
            suggested: Category::Repair,
            urgent: true,
            topic: None,
            place: None,
            building_id: "b1".into(),
            unit_id: "u1".into(),
            location: "3栋2单元1201".into(),
            phone_masked: "138****5678".into(),
        }));
        let order = crate::order::fold("ord-1", std::slice::from_ref(&reported));
        let body = payload("dl-1", &reported, order.as_ref(), PLACE).expect("a kind");
        let json = serde_json::to_string(&body).expect("json");
        for private in ["王女士", "13812345678", "138****5678", "1201", "漏水"] {
            assert!(!json.contains(private), "{json}");
        }
        assert_eq!(body.kind, "order.reported");
        assert_eq!(body.category, Some(Category::Repair));
        assert!(body.urgent);
        assert_eq!(body.reference, "20260310-0001");
    }

    #[test]
    fn an_escalation_names_its_level_and_people() {
        let e = event(EventBody::Escalated {
            level: Escalation::CsSupervisor,
            to: vec!["stf-cs".into()],
        });
        let body = payload("dl-2", &e, None, PLACE).expect("a kind");
        assert_eq!(body.level, Some(Escalation::CsSupervisor));
        assert_eq!(body.to, vec!["stf-cs".to_string()]);
        assert_eq!(body.category, None);
        let json = serde_json::to_value(&body).expect("json");
        assert_eq!(json["level"], "cs_supervisor");
        assert_eq!(json["kind"], "order.escalated");
        assert!(json.get("severity").is_none());
    }
}
