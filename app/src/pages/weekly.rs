//! `/manage/weekly`: the weekly complaint, order and rectification report (《客户投诉、报事、
//! 整改周报》, 004 006-4.5.2.1) of the estate, a region or the company for an ISO week — the
//! week's orders by category and channel, its complaints by validity and severity and each of
//! them listed, the orders not closed, those a failed callback reopened in the week and the
//! patrol findings made orders. The figures are the server's (`shared::reporting::weekly`,
//! the dashboard's function over the week); the page is its print view and the workbook is
//! downloaded from the server, which audits every export.

use anju_shared::dashboard::OrderLine;
use anju_shared::lang::Lang;
use anju_shared::model::{Category, Channel};
use anju_shared::reporting::{self, WeeklyReport};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::dashboard::{Picks, order_list};
use crate::pages::monthly::today_in;

#[component]
pub(crate) fn WeeklyView(estate: String, offset: String) -> impl IntoView {
    let lang = use_lang();
    let picks = Picks::new(estate);
    let week = RwSignal::new(reporting::last_week(today_in(&offset)));
    let report = RwSignal::new(None::<Result<WeeklyReport, String>>);
    let query = Memo::new(move |_| {
        let scope = picks.scope.get();
        let (kind, id) = scope.split_once(':').unwrap_or(("estate", ""));
        format!("scope={kind}&id={id}&week={}", week.get())
    });
    Effect::new(move |_| {
        let q = query.get();
        let l = lang.get_untracked();
        report.set(None);
        spawn_local(async move {
            let answer = api::get::<WeeklyReport>(&format!("/api/reports/weekly?{q}")).await;
            if query.get_untracked() != q {
                return;
            }
            report.set(Some(answer.map_err(|e| {
                match e {
                    ApiFailure::Status(_, body) => body.error,
                    ApiFailure::Network(_) => l
                        .pick("需要联网查看周报", "The weekly report needs a connection")
                        .into(),
                }
            })));
        });
    });
    let xlsx = move || format!("/api/reports/weekly.xlsx?{}", query.get());
    view! {
        <section class="card monthly weekly" data-testid="weekly">
            <div class="no-print">
                <h2>{tr("客户投诉、报事、整改周报", "Weekly complaint, order and rectification report")}</h2>
                {picks.view(false)}
                <div class="filters">
                    <label>{tr("周", "Week")}
                        <input type="week" data-testid="report-week" prop:value=week
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if !v.is_empty() { week.set(v); }
                            }/>
                    </label>
                </div>
                <div class="actions">
                    <a class="button secondary" href=xlsx download data-testid="weekly-xlsx">{tr("下载 Excel", "Download XLSX")}</a>
                    <button type="button" class="button secondary" on:click=move |_| {
                        if let Some(w) = web_sys::window() { let _ = w.print(); }
                    }>{tr("打印", "Print")}</button>
                </div>
            </div>
            {dynamic(move || match report.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(r)) => week_view(r, lang.get()).into_any(),
            })}
        </section>
    }
}

fn week_view(r: WeeklyReport, l: Lang) -> impl IntoView {
    let d = r.dashboard;
    let t = d.total;
    let categories = Category::ALL
        .iter()
        .zip(&t.by_category)
        .map(|(c, (_, n))| view! { <tr><th scope="row">{l.pick(c.zh(), c.en())}</th><td class="num">{*n}</td></tr> })
        .collect_view();
    let channels = t
        .by_channel
        .iter()
        .map(|(c, n)| {
            let name =
                Channel::parse(c).map_or_else(|| c.clone(), |c| l.pick(c.zh(), c.en()).to_string());
            view! { <tr><th scope="row">{name}</th><td class="num">{*n}</td></tr> }
        })
        .collect_view();
    let severities = t
        .complaints_by_severity
        .iter()
        .map(|(s, n)| view! { <tr><th scope="row">{l.pick(s.zh(), s.en())}</th><td class="num">{*n}</td></tr> })
        .collect_view();
    let list =
        |zh: &'static str, en: &'static str, testid: &'static str, orders: Vec<OrderLine>| {
            let n = orders.len();
            view! {
                <h3 data-testid=testid>{l.pick(zh, en)} {format!(" ({n})")}</h3>
                {order_list(orders, l)}
            }
        };
    view! {
        <header class="report-head">
            <h2 class="print-only">{l.pick("客户投诉、报事、整改周报", "Weekly complaint, order and rectification report")}</h2>
            <p data-testid="weekly-title">{format!("{} · {} · {} ~ {}", d.name, r.week, d.from, d.to)}</p>
            <p data-testid="weekly-due">{l.pick("报送品质管理中心截止:", "Due at the quality centre: ")}{r.due.to_string()}</p>
        </header>
        <section class="report-section">
            <h3>{l.pick("一、报事分类与渠道", "1. Orders by category and channel")}</h3>
            <div class="kpi-pair">
                <table class="kpi-table" data-testid="weekly-categories"><caption>{l.pick("类别", "Category")}</caption><tbody>{categories}</tbody></table>
                <table class="kpi-table"><caption>{l.pick("渠道", "Channel")}</caption><tbody>{channels}</tbody></table>
            </div>
        </section>
        <section class="report-section">
            <h3>{l.pick("二、投诉", "2. Complaints")}</h3>
            <table class="kpi-table"><tbody>
                <tr><th scope="row">{l.pick("有效投诉", "Valid")}</th><td class="num">{t.complaints_valid}</td></tr>
                <tr><th scope="row">{l.pick("无效投诉", "Invalid")}</th><td class="num">{t.complaints_invalid}</td></tr>
                <tr><th scope="row">{l.pick("未认定", "Not judged")}</th><td class="num">{t.complaints_unjudged}</td></tr>
                {severities}
            </tbody></table>
            {list("本周投诉", "This week's complaints", "weekly-complaints", r.complaints)}
        </section>
        <section class="report-section">
            <h3>{l.pick("三、整改", "3. Rectification")}</h3>
            {list("未关闭", "Not closed", "weekly-unclosed", d.unclosed)}
            {list("返工整改(回访不满意或主管退回)", "Sent back to work (failed callback or a supervisor)", "weekly-reopened", r.reopened)}
            {list("巡查发现转工单", "Patrol findings made orders", "weekly-patrol", r.patrol_findings)}
        </section>
    }
}
