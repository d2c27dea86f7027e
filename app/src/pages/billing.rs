//! `/manage/billing`: the monthly billing statement of paid work and special services
//! (特约服务按月结算, 000 4.4.3) of the estate picked in the top bar — the list for the
//! estate's finance, each household's share drawn as a bar, then one statement per household
//! with the lines the resident agreed before the work, to print (one A4 page a household) or
//! download as a workbook. The figures are `anju_shared::billing`'s, computed by the server
//! over its stored orders (the page needs a connection, as the monthly report does).

use anju_shared::billing::{HouseholdBill, Statement};
use anju_shared::lang::Lang;
use anju_shared::price::yuan;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;

#[component]
pub(crate) fn BillingView(estate: String, offset: String) -> impl IntoView {
    let lang = use_lang();
    let month = RwSignal::new(anju_shared::reporting::last_month(
        crate::pages::monthly::today_in(&offset),
    ));
    let statement = RwSignal::new(None::<Result<Statement, String>>);
    let query = Memo::new(move |_| format!("month={}", month.get()));
    let base = StoredValue::new(format!("/api/estates/{estate}/billing"));
    Effect::new(move |_| {
        let q = query.get();
        let l = lang.get_untracked();
        statement.set(None);
        let url = format!("{}?{q}", base.get_value());
        spawn_local(async move {
            let answer = api::get::<Statement>(&url).await;
            statement.set(Some(answer.map_err(|e| {
                match e {
                    ApiFailure::Status(_, body) => body.error,
                    ApiFailure::Network(_) => l
                        .pick("需要联网查看结算单", "The statement needs a connection")
                        .into(),
                }
            })));
        });
    });
    let xlsx = move || format!("{}.xlsx?{}", base.get_value(), query.get());
    view! {
        <section class="card billing" data-testid="billing">
            <div class="no-print">
                <h2>{tr("月度结算:有偿服务与特约服务", "Monthly billing: paid work and special services")}</h2>
                <p class="muted">{tr(
                    "按完工月份结算业主在施工前确认的报价;财务汇总在前,其后每户一页结算单。",
                    "Bills the quotes residents agreed before the work, by the month the work was completed: the finance list first, then one statement a household.",
                )}</p>
                <div class="filters">
                    <label>{tr("月份", "Month")}
                        <input type="month" data-testid="billing-month" prop:value=month
                            on:change=move |ev| month.set(event_target_value(&ev))/>
                    </label>
                </div>
                <div class="actions">
                    <a class="button secondary" href=xlsx download data-testid="billing-xlsx">{tr("下载 Excel", "Download XLSX")}</a>
                    <button type="button" class="button secondary" on:click=move |_| {
                        if let Some(w) = web_sys::window() { let _ = w.print(); }
                    }>{tr("打印结算单", "Print the statements")}</button>
                </div>
            </div>
            {dynamic(move || match statement.get() {
                None => view! { <p class="muted" role="status">{tr("正在读取…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(s)) => statement_view(s, lang.get()).into_any(),
            })}
        </section>
    }
}

fn household_name(h: &HouseholdBill, l: Lang) -> String {
    if h.location.is_empty() {
        l.pick("未注明房号", "No room given").to_string()
    } else {
        h.location.clone()
    }
}

fn statement_view(s: Statement, l: Lang) -> impl IntoView {
    let summary = match l {
        Lang::Zh => format!(
            "{} · {}:{} 户,{} 单(其中特约服务 {} 单),合计 ¥{}",
            s.estate_name,
            s.month,
            s.households.len(),
            s.orders,
            s.special_services,
            yuan(s.total_fen)
        ),
        Lang::En => format!(
            "{} · {}: {} households, {} orders ({} special services), total ¥{}",
            s.estate_name,
            s.month,
            s.households.len(),
            s.orders,
            s.special_services,
            yuan(s.total_fen)
        ),
    };
    if s.households.is_empty() {
        return view! {
            <p data-testid="billing-summary">{summary}</p>
            <p class="muted" data-testid="billing-empty">{l.pick(
                "本月没有完工的有偿服务。",
                "No paid work was completed this month.",
            )}</p>
        }
        .into_any();
    }
    // Each household's share of the month as a bar: who is billed most is seen at a glance.
    let largest = s
        .households
        .iter()
        .map(|h| h.total_fen)
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = s
        .households
        .iter()
        .map(|h| {
            let share = (h.total_fen as f64 / largest as f64 * 100.0).round();
            let name = household_name(h, l);
            let label = format!("{name} ¥{}", yuan(h.total_fen));
            view! {
                <tr data-testid="billing-row">
                    <th scope="row">{name}</th>
                    <td class="num">{h.orders.len()}</td>
                    <td class="num">{format!("¥{}", yuan(h.total_fen))}</td>
                    <td class="bar-cell">
                        <svg class="share-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=label>
                            <rect x="0" y="0" width=share height="10"/>
                        </svg>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let statements = s
        .households
        .iter()
        .map(|h| household_statement(&s, h, l))
        .collect_view();
    view! {
        <header class="report-head">
            <h2 class="print-only">{l.pick("有偿服务月度结算汇总", "Monthly billing list")}</h2>
            <p data-testid="billing-summary">{summary}</p>
        </header>
        <section class="report-section">
            <table class="kpi-table billing-list">
                <thead><tr>
                    <th scope="col">{l.pick("房号", "Household")}</th>
                    <th scope="col">{l.pick("工单数", "Orders")}</th>
                    <th scope="col">{l.pick("金额", "Amount")}</th>
                    <th scope="col">{l.pick("占比", "Share")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
                <tfoot><tr>
                    <th scope="row">{l.pick("合计", "Total")}</th>
                    <td class="num">{s.orders}</td>
                    <td class="num" data-testid="billing-total">{format!("¥{}", yuan(s.total_fen))}</td>
                    <td></td>
                </tr></tfoot>
            </table>
        </section>
        {statements}
    }
    .into_any()
}

/// One household's statement: an A4 page of its own when printed, with room to sign.
fn household_statement(s: &Statement, h: &HouseholdBill, l: Lang) -> impl IntoView {
    let lines = h
        .orders
        .iter()
        .flat_map(|o| {
            let day = o.completed_at.format("%m-%d").to_string();
            o.lines.iter().map(move |line| {
                view! {
                    <tr>
                        <td>{day.clone()}</td>
                        <td>{o.reference.clone()}</td>
                        <td>{line.service.clone()}</td>
                        <td class="num">{format!("{} {}", line.quantity, line.unit)}</td>
                        <td class="num">{format!("¥{}", yuan(line.price_fen))}</td>
                        <td class="num">{format!("¥{}", yuan(line.amount_fen))}</td>
                    </tr>
                }
            })
        })
        .collect_view();
    let name = household_name(h, l);
    view! {
        <article class="report-section statement" data-testid="statement" data-household=h.location.clone()>
            <h3>{format!("{} · {} · {}", s.estate_name, l.pick("有偿服务结算单", "Statement of paid work"), s.month)}</h3>
            <p>{l.pick("房号:", "Household: ")}<strong>{name}</strong>
                {format!(" · {} {} – {}", l.pick("结算期", "period"), s.first_day, s.last_day)}</p>
            <table class="kpi-table">
                <thead><tr>
                    <th scope="col">{l.pick("完工日期", "Completed")}</th>
                    <th scope="col">{l.pick("工单", "Order")}</th>
                    <th scope="col">{l.pick("服务项目", "Service")}</th>
                    <th scope="col">{l.pick("数量", "Quantity")}</th>
                    <th scope="col">{l.pick("单价", "Price")}</th>
                    <th scope="col">{l.pick("金额", "Amount")}</th>
                </tr></thead>
                <tbody>{lines}</tbody>
                <tfoot><tr>
                    <th scope="row" colspan="5">{l.pick("本月应付", "Due this month")}</th>
                    <td class="num" data-testid="statement-total">{format!("¥{}", yuan(h.total_fen))}</td>
                </tr></tfoot>
            </table>
            <p class="sign-line">{l.pick("业主签字:", "Resident's signature: ")}"________________  "
                {l.pick("日期:", "Date: ")}"____________"</p>
        </article>
    }
}
