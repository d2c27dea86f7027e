//! `/manage/report`: the monthly statistics report (月度客户信息统计分析表, 000 4.3.6) of the
//! estate, a region or the company for a month — the dashboard's own figures for that month,
//! the unclosed and unsatisfied orders, and the estate's analysis and measures, which its
//! project manager writes and saves (draft or submitted) with the report. The page is its
//! print view (A4, one section a page, see `style/60-manage.css`); the workbook is
//! downloaded from the server, which audits every export. Above it, the list of reports of
//! the months that are over, with where each stands and when it is due; a row opens it.

use anju_shared::dashboard::{MonthlyReport, ReportChange, ReportNote, ReportStatus, ScopeKind};
use anju_shared::lang::Lang;
use anju_shared::model::{Category, Channel, Role};
use anju_shared::reporting::{self, ListStatus, ReportList, ReportRow};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, Me};
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::dashboard::{Picks, order_list, pct, target_text};

/// The estate's own date by the browser's clock.
pub(crate) fn today_in(offset: &str) -> chrono::NaiveDate {
    use chrono::{TimeZone, Utc};
    Utc.timestamp_millis_opt(crate::clock::now_ms())
        .single()
        .unwrap_or_default()
        .with_timezone(&crate::clock::parse_offset(offset))
        .date_naive()
}

#[component]
pub(crate) fn MonthlyView(me: Me, estate: String, offset: String) -> impl IntoView {
    let lang = use_lang();
    let estate_id = estate.clone();
    let picks = Picks::new(estate);
    let month = RwSignal::new(reporting::last_month(today_in(&offset)));
    let report = RwSignal::new(None::<Result<MonthlyReport, String>>);
    let may_write = Role::parse(&me.role).is_some_and(|r| r.sets_estate_rules());
    let scope_query = Memo::new(move |_| {
        let scope = picks.scope.get();
        let (kind, id) = scope.split_once(':').unwrap_or(("estate", ""));
        format!("scope={kind}&id={id}&month={}", month.get())
    });
    Effect::new(move |_| {
        let q = scope_query.get();
        let l = lang.get_untracked();
        report.set(None);
        spawn_local(async move {
            let answer = api::get::<MonthlyReport>(&format!("/api/reports/monthly?{q}")).await;
            // An answer to a question no longer asked (a row picked meanwhile) is dropped.
            if scope_query.get_untracked() != q {
                return;
            }
            report.set(Some(answer.map_err(|e| {
                match e {
                    ApiFailure::Status(_, body) => body.error,
                    ApiFailure::Network(_) => l
                        .pick("需要联网查看月报", "The report needs a connection")
                        .into(),
                }
            })));
        });
    });
    let xlsx = move || format!("/api/reports/monthly.xlsx?{}", scope_query.get());
    // A row of the list opens its report below it.
    let open = Callback::new(move |row: ReportRow| {
        picks
            .scope
            .set(format!("{}:{}", row.scope.as_str(), row.id));
        month.set(row.month);
        if let Some(view) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("report-view"))
        {
            view.scroll_into_view();
        }
    });
    view! {
        {report_list(picks.scopes, estate_id, open)}
        <section class="card monthly" id="report-view" data-testid="monthly">
            <div class="no-print">
                <h2>{tr("月度客户信息统计分析表", "Monthly statistics report")}</h2>
                {picks.view(false)}
                <div class="filters">
                    <label>{tr("月份", "Month")}
                        <input type="month" data-testid="report-month" prop:value=month
                            on:change=move |ev| month.set(event_target_value(&ev))/>
                    </label>
                </div>
                <div class="actions">
                    <a class="button secondary" href=xlsx download data-testid="report-xlsx">{tr("下载 Excel", "Download XLSX")}</a>
                    <button type="button" class="button secondary" on:click=move |_| {
                        if let Some(w) = web_sys::window() { let _ = w.print(); }
                    }>{tr("打印", "Print")}</button>
                </div>
            </div>
            {dynamic(move || match report.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(r)) => report_view(r, may_write, lang.get()).into_any(),
            })}
        </section>
    }
}

/// The list of reports of the broadest scope the manager sees (the company, else their
/// region, else the estate they work in): each month that is over, where each report stands
/// and by when it is due, late ones marked; a row opens its report.
fn report_list(
    scopes: RwSignal<Option<anju_shared::dashboard::Scopes>>,
    estate: String,
    open: Callback<ReportRow>,
) -> impl IntoView {
    let lang = use_lang();
    let list = RwSignal::new(None::<Result<ReportList, String>>);
    let query = Memo::new(move |_| {
        let s = scopes.get()?;
        Some(if s.company.is_some() {
            "scope=company".to_string()
        } else if let Some((id, _)) = s.regions.first() {
            format!("scope=region&id={id}")
        } else {
            format!("scope=estate&id={estate}")
        })
    });
    Effect::new(move |_| {
        let Some(q) = query.get() else { return };
        let l = lang.get_untracked();
        spawn_local(async move {
            // Half a year: last month's report first, the report itself not far below.
            let answer = api::get::<ReportList>(&format!("/api/reports?{q}&months=6")).await;
            list.set(Some(answer.map_err(|e| {
                match e {
                    ApiFailure::Status(_, body) => body.error,
                    ApiFailure::Network(_) => l
                        .pick(
                            "需要联网查看报表列表",
                            "The list of reports needs a connection",
                        )
                        .into(),
                }
            })));
        });
    });
    view! {
        <section class="card report-list no-print" data-testid="report-list">
            <h2>{tr("报表列表", "Reports")}</h2>
            {dynamic(move || {
                let l = lang.get();
                match list.get() {
                    None => view! { <p class="muted">"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <table class="kpi-table report-rows">
                            <thead><tr>
                                <th scope="col">{l.pick("月份", "Month")}</th>
                                <th scope="col">{l.pick("范围", "Scope")}</th>
                                <th scope="col">{l.pick("状态", "Status")}</th>
                                <th scope="col">{l.pick("上报期限", "Due")}</th>
                            </tr></thead>
                            <tbody>{list.rows.into_iter().map(|row| row_view(row, open, l)).collect_view()}</tbody>
                        </table>
                    }
                    .into_any(),
                }
            })}
        </section>
    }
}

fn row_view(row: ReportRow, open: Callback<ReportRow>, l: Lang) -> impl IntoView {
    let status = match (row.status, row.submitted) {
        (ListStatus::Submitted, _) | (_, None) => {
            l.pick(row.status.zh(), row.status.en()).to_string()
        }
        (_, Some((done, of))) => format!("{} {done}/{of}", l.pick("已提交", "submitted")),
    };
    let scope = if row.scope == ScopeKind::Estate {
        row.name.clone()
    } else {
        format!("{} · {}", l.pick(row.scope.zh(), row.scope.en()), row.name)
    };
    let class = if row.scope == ScopeKind::Estate {
        ""
    } else {
        "rollup"
    };
    view! {
        <tr data-testid="report-row" data-month=row.month.clone() data-id=row.id.clone()
            data-status=row.status.as_str() class=class>
            <td>
                <button type="button" class="link" on:click={
                    let row = row.clone();
                    move |_| open.run(row.clone())
                }>{row.month.clone()}</button>
            </td>
            <td>{scope}</td>
            <td class=format!("report-status {}", row.status.as_str())>{status}</td>
            <td>
                {row.due.to_string()}
                {row.overdue.then(|| view! { " " <span class="chip kpi-missed">{l.pick("已逾期", "Overdue")}</span> })}
            </td>
        </tr>
    }
}

fn report_view(r: MonthlyReport, may_write: bool, l: Lang) -> impl IntoView {
    let d = r.dashboard.clone();
    let t = &d.total;
    let measures = t
        .measures
        .iter()
        .map(|k| {
            view! {
                <tr data-testid="report-measure" data-measure=k.measure.as_str()>
                    <th scope="row">{l.pick(k.measure.zh(), k.measure.en())}</th>
                    <td class="num">{pct(k.ratio)}</td>
                    <td class="num">{format!("{} / {}", k.numerator, k.denominator)}</td>
                    <td class="num">{target_text(k)}</td>
                    <td>{match k.met { Some(true) => l.pick("达标", "Met"), Some(false) => l.pick("未达标", "Missed"), None => "—" }}</td>
                </tr>
            }
        })
        .collect_view();
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
    let coverage = [
        (l.pick("全部", "All"), t.coverage.all),
        (l.pick("重要客户", "Important"), t.coverage.important),
        (l.pick("普通客户", "Ordinary"), t.coverage.ordinary),
    ]
    .into_iter()
    .map(|(name, s)| view! { <tr><th scope="row">{name}</th><td class="num">{format!("{} / {}", s.visited, s.households)}</td><td class="num">{pct(s.ratio())}</td></tr> })
    .collect_view();
    let notes = d
        .estates
        .iter()
        .map(|e| {
            let note = r.notes.iter().find(|n| n.estate_id == e.id).cloned();
            note_view(
                e.id.clone(),
                e.name.clone(),
                r.month.clone(),
                note,
                may_write,
                l,
            )
        })
        .collect_view();
    view! {
        <header class="report-head">
            <h2 class="print-only">{l.pick("月度客户信息统计分析表", "Monthly statistics report")}</h2>
            <p data-testid="report-title">{format!("{} · {} · {} {}", d.name, r.month, l.pick("上报期限", "due"), r.due)}</p>
        </header>
        <section class="report-section">
            <h3>{l.pick("一、关键指标", "1. Measures")}</h3>
            <table class="kpi-table">
                <thead><tr>
                    <th scope="col">{l.pick("指标", "Measure")}</th><th scope="col">{l.pick("数值", "Value")}</th>
                    <th scope="col">{l.pick("分子 / 分母", "Numerator / denominator")}</th>
                    <th scope="col">{l.pick("目标", "Target")}</th><th scope="col">{l.pick("结果", "Result")}</th>
                </tr></thead>
                <tbody>{measures}</tbody>
            </table>
        </section>
        <section class="report-section">
            <h3>{l.pick("二、客户信息分类与渠道", "2. Categories and channels")}</h3>
            <div class="kpi-pair">
                <table class="kpi-table"><caption>{l.pick("类别", "Category")}</caption><tbody>{categories}</tbody></table>
                <table class="kpi-table"><caption>{l.pick("渠道", "Channel")}</caption><tbody>{channels}</tbody></table>
            </div>
        </section>
        <section class="report-section">
            <h3>{l.pick("三、投诉有效性与级别", "3. Complaints: validity and severity")}</h3>
            <table class="kpi-table"><tbody>
                <tr><th scope="row">{l.pick("有效投诉", "Valid")}</th><td class="num">{t.complaints_valid}</td></tr>
                <tr><th scope="row">{l.pick("无效投诉", "Invalid")}</th><td class="num">{t.complaints_invalid}</td></tr>
                <tr><th scope="row">{l.pick("未认定", "Not judged")}</th><td class="num">{t.complaints_unjudged}</td></tr>
                {severities}
            </tbody></table>
        </section>
        <section class="report-section">
            <h3>{l.pick("四、客户拜访与覆盖", "4. Visits and coverage")}</h3>
            <p>{format!("{} {} · {} {}", l.pick("本月拜访", "Visits this month"), t.visits, l.pick("无人在家", "nobody at home"), t.visit_attempts)}</p>
            <table class="kpi-table"><tbody>{coverage}</tbody></table>
        </section>
        <section class="report-section">
            <h3>{l.pick("五、未关闭的客户信息", "5. Unclosed items")} {format!(" ({})", d.unclosed.len())}</h3>
            {order_list(d.unclosed.clone(), l)}
            <h3>{l.pick("六、不满意的客户信息", "6. Unsatisfied items")} {format!(" ({})", d.unsatisfied.len())}</h3>
            {order_list(d.unsatisfied.clone(), l)}
        </section>
        <section class="report-section">
            <h3>{l.pick("七、原因分析与改进措施", "7. Analysis and measures")}</h3>
            {notes}
        </section>
    }
}

fn note_view(
    estate_id: String,
    name: String,
    month: String,
    note: Option<ReportNote>,
    may_write: bool,
    l: Lang,
) -> impl IntoView {
    let analysis = RwSignal::new(
        note.as_ref()
            .map(|n| n.analysis.clone())
            .unwrap_or_default(),
    );
    let measures = RwSignal::new(
        note.as_ref()
            .map(|n| n.measures.clone())
            .unwrap_or_default(),
    );
    let status = RwSignal::new(note.as_ref().map_or(ReportStatus::Draft, |n| n.status));
    let message = RwSignal::new(String::new());
    let save = Callback::new(move |to: ReportStatus| {
        let url = format!("/api/estates/{estate_id}/reports/{month}");
        let change = ReportChange {
            analysis: analysis.get_untracked(),
            measures: measures.get_untracked(),
            status: to,
        };
        spawn_local(async move {
            match api::put::<_, ReportNote>(&url, &change).await {
                // Only this note changes: redrawing the report would drop the message and
                // what is being typed in the other estates' notes.
                Ok(saved) => {
                    status.set(saved.status);
                    message.set(l.pick("已保存", "Saved").into());
                }
                Err(ApiFailure::Status(_, body)) => message.set(format!(
                    "{}{}",
                    l.pick("未保存:", "Not saved: "),
                    body.error
                )),
                Err(_) => message.set(l.pick("网络不通,未保存", "No connection; not saved").into()),
            }
        });
    });
    let ids = format!("{name}-analysis");
    let idm = format!("{name}-measures");
    view! {
        <div class="report-note" data-testid="report-note">
            <h4>{name.clone()} " · " {move || { let s = status.get(); l.pick(s.zh(), s.en()) }}</h4>
            <label for=ids.clone()>{l.pick("原因分析", "Analysis")}</label>
            <textarea id=ids rows="4" readonly=!may_write prop:value=analysis on:input=move |ev| analysis.set(event_target_value(&ev))></textarea>
            <label for=idm.clone()>{l.pick("改进措施", "Measures")}</label>
            <textarea id=idm rows="4" readonly=!may_write prop:value=measures on:input=move |ev| measures.set(event_target_value(&ev))></textarea>
            {may_write.then(|| view! {
                <div class="actions no-print">
                    <button type="button" class="button secondary" on:click=move |_| save.run(ReportStatus::Draft)>{tr("保存草稿", "Save draft")}</button>
                    <button type="button" class="button primary" on:click=move |_| save.run(ReportStatus::Submitted)>{tr("提交", "Submit")}</button>
                </div>
            })}
            <p role="status" class="notice">{message}</p>
        </div>
    }
}
