//! `/`: the way in for staff, and a pointer for residents to their estate's form (a page of
//! its own, so the link is `rel="external"`: a full load, not the staff app's router).

use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub(crate) fn Home() -> impl IntoView {
    view! {
        <section class="card">
            <h1>{tr("安居 · 物业服务台", "Anju · property service desk")}</h1>
            <p>{tr("业主请扫描小区公告栏上的二维码报事报修。", "Residents: scan the QR code on your estate's notice board to report a problem.")}</p>
            <nav class="links">
                <a class="button" href="/desk">{tr("客服前台", "Front desk")}</a>
                <a class="button" href="/field">{tr("管家巡查(可离线)", "Caretaker (works offline)")}</a>
                <a class="button secondary" href="/manage">{tr("小区规则", "Estate rules")}</a>
                <a class="button secondary" href="/admin">{tr("员工账号与业主数据", "Staff accounts & resident data")}</a>
                <a class="button secondary" href="/r/cuihu" rel="external">{tr("翠湖花园 报事报修", "Report at 翠湖花园")}</a>
            </nav>
        </section>
    }
}
