//! An order's deadlines as the people working it see them — the desk's order screen and the
//! field's: the rules' deadlines (`sla::deadlines`), the response deadline taken by an
//! appointment agreed with the resident while nobody has arrived yet (D-2: "agree a time; an
//! appointment then is the deadline"), and the special callback after a re-repair (D-9).
//! EVAL.md's contract (`sla`) stays as it is: this is the working view on top of it.

use chrono::{DateTime, FixedOffset};

use crate::calendar::Calendar;
use crate::callback;
use crate::model::DeadlineKind;
use crate::order::OrderState;
use crate::policy::Policy;
use crate::sla::{self, Deadline};

/// The deadlines of `order` at `now`, as the order screens list them.
pub fn order_deadlines(
    policy: &Policy,
    cal: &Calendar,
    order: &OrderState,
    now: DateTime<FixedOffset>,
) -> Vec<Deadline> {
    let mut list = sla::deadlines(policy, cal, &order.facts(), now);
    if let Some(at) = order.appointment {
        for d in list
            .iter_mut()
            .filter(|d| d.kind == DeadlineKind::Response && d.done_at.is_none())
        {
            d.due = cal.in_offset(at);
            d.status = sla::status(d.due, None, now);
        }
    }
    list.extend(callback::special_callback(policy, cal, order, now));
    list
}
