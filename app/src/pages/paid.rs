//! Paid work (000 4.4.3): the estate's price list, edited on `/manage/prices` by its manager,
//! and on a technician's order the quote — items and quantities from that list, the total
//! shown — that the resident agrees to before the work starts. Both are checked by the shared
//! rules (`anju_shared::price`) before anything is sent, the same checks the server runs.

use anju_shared::order::{EventBody, OrderState, Status};
use anju_shared::price::{self, PriceItem, PriceList, Quote};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::widgets::button;
use crate::sync::Engine;

fn prices_url(estate_id: &str) -> String {
    format!("/api/estates/{estate_id}/prices")
}

/// One line of the editor as typed: the price stays text until it is saved.
#[derive(Clone, Default)]
struct Row {
    id: String,
    service: String,
    unit: String,
    yuan: String,
    notes: String,
}

fn rows_of(list: &PriceList) -> Vec<Row> {
    list.items
        .iter()
        .map(|i| Row {
            id: i.id.clone(),
            service: i.service.clone(),
            unit: i.unit.clone(),
            yuan: price::yuan(i.price_fen),
            notes: i.notes.clone(),
        })
        .collect()
}

/// The editor's lines as a list, or the line whose price is not an amount.
fn list_of(rows: &[Row]) -> Result<PriceList, price_error::Bad> {
    let mut items = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let price_fen = price::parse_yuan(&r.yuan).ok_or(price_error::Bad(i + 1))?;
        items.push(PriceItem {
            id: r.id.trim().to_string(),
            service: r.service.trim().to_string(),
            unit: r.unit.trim().to_string(),
            price_fen,
            notes: r.notes.trim().to_string(),
        });
    }
    Ok(PriceList { items })
}

mod price_error {
    /// A price that is not an amount of yuan, on this line.
    pub(super) struct Bad(pub(super) usize);
}

/// `/manage/prices`: the estate's price list, one line per service.
pub(crate) fn price_editor(engine: Engine, may_edit: bool) -> impl IntoView {
    let lang = use_lang();
    let estate = engine.estate().map(|e| e.id).unwrap_or_default();
    let url = StoredValue::new(prices_url(&estate));
    let rows = RwSignal::new(Vec::<Row>::new());
    let error = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<Signal<&'static str>>);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        match api::get::<PriceList>(&url.get_value()).await {
            Ok(list) => rows.set(rows_of(&list)),
            Err(_) => error.set(
                lang.get_untracked()
                    .pick("无法读取价目表", "Cannot load the price list")
                    .into(),
            ),
        }
    });
    let saved = tr("价目表已保存", "Price list saved");
    let save =
        Callback::new(move |()| {
            let l = lang.get_untracked();
            notice.set(None);
            let list =
                match rows.with_untracked(|r| list_of(r)) {
                    Ok(list) => list,
                    Err(price_error::Bad(n)) => {
                        error.set(l.pick(
                    &format!("单价:第 {n} 行不是有效金额(元,最多两位小数)"),
                    &format!("price_fen: line {n}: not an amount of yuan (two decimals at most)"),
                ).to_string());
                        return;
                    }
                };
            // The same check the server runs, so the manager sees the field at once.
            if let Err(r) = price::check_list(&list) {
                error.set(r.message(l));
                return;
            }
            busy.set(true);
            spawn_local(async move {
                match api::put::<_, PriceList>(&url.get_value(), &list).await {
                    Ok(list) => {
                        rows.set(rows_of(&list));
                        error.set(String::new());
                        notice.set(Some(saved));
                        // This device quotes from the new list at once, offline too.
                        engine.load_prices().await;
                    }
                    Err(ApiFailure::Status(400, body)) => error.set(match (l, body.message_zh) {
                        (anju_shared::lang::Lang::Zh, Some(zh)) => zh,
                        _ => body.error,
                    }),
                    Err(ApiFailure::Status(403, _)) => error.set(
                        l.pick(
                            "您的角色不能修改价目表",
                            "Your role may not change the price list",
                        )
                        .into(),
                    ),
                    Err(_) => {
                        error.set(l.pick("网络不通,未保存", "No connection; not saved").into())
                    }
                }
                busy.set(false);
            });
        });
    let add = Callback::new(move |()| rows.update(|r| r.push(Row::default())));
    let count = Memo::new(move |_| rows.with(Vec::len));
    let cell = move |i: usize,
                     label: Signal<&'static str>,
                     get: fn(&Row) -> String,
                     set: fn(&mut Row, String)| {
        view! {
            <label>
                <span class="muted">{label}</span>
                <input type="text" autocomplete="off" disabled=!may_edit
                    prop:value=move || rows.with(|r| r.get(i).map(get).unwrap_or_default())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        rows.update(|r| if let Some(row) = r.get_mut(i) { set(row, v) });
                    }/>
            </label>
        }
    };
    let idle = Signal::derive(move || busy.get());
    view! {
        <section class="card form" data-testid="price-editor">
            <h2>{tr("有偿服务价目表", "Price list of paid services")}</h2>
            <p role="alert" class="error" data-testid="price-error">{error}</p>
            {move || notice.get().map(|n| view! { <p role="status" class="notice">{n}</p> })}
            {dynamic(move || {
                (0..count.get())
                    .map(|i| view! {
                        <fieldset class="price-row" data-testid="price-row">
                            <legend>{format!("{}", i + 1)}</legend>
                            {cell(i, tr("编号", "Code"), |r| r.id.clone(), |r, v| r.id = v)}
                            {cell(i, tr("服务项目", "Service"), |r| r.service.clone(), |r, v| r.service = v)}
                            {cell(i, tr("单位", "Unit"), |r| r.unit.clone(), |r, v| r.unit = v)}
                            {cell(i, tr("单价(元)", "Price (yuan)"), |r| r.yuan.clone(), |r, v| r.yuan = v)}
                            {cell(i, tr("说明", "Notes"), |r| r.notes.clone(), |r, v| r.notes = v)}
                        </fieldset>
                    })
                    .collect_view()
            })}
            {may_edit.then(|| view! {
                <div class="actions">
                    {button("button secondary", tr("添加一项", "Add an item"), idle, add)}
                    {button("button primary", tr("保存价目表", "Save the price list"), idle, save)}
                </div>
            })}
        </section>
    }
}

/// Items and quantities picked from the estate's price list (kept on the device, so it works
/// offline), with the total by the shared check: the technician's quote on an order and the
/// desk's special-service request (特约服务申请) both pick with it.
#[derive(Clone, Copy)]
pub(crate) struct Picker {
    list: RwSignal<Option<PriceList>>,
    picks: RwSignal<Vec<(String, i64)>>,
    item: RwSignal<String>,
    quantity: RwSignal<String>,
}

impl Picker {
    pub(crate) fn new(engine: Engine) -> Picker {
        // The list the device keeps (fetched with the estate's site, read offline from the
        // device's store); asked for once more here when the device has none yet.
        let list = engine.prices;
        if list.with_untracked(Option::is_none) {
            spawn_local(engine.load_prices());
        }
        let item = RwSignal::new(String::new());
        Effect::new(move |_| {
            if item.with_untracked(String::is_empty)
                && let Some(first) = list.with(|l| {
                    l.as_ref()
                        .and_then(|l| l.items.first().map(|i| i.id.clone()))
                })
            {
                item.set(first);
            }
        });
        Picker {
            list,
            picks: RwSignal::new(Vec::new()),
            item,
            quantity: RwSignal::new("1".to_string()),
        }
    }

    fn quote(self) -> Quote {
        self.list.with(|l| {
            self.picks
                .with(|p| Quote::from_list(l.as_ref().unwrap_or(&PriceList::default()), p))
        })
    }

    /// The shared check with the list at hand: an unknown item, a bad quantity, a total over
    /// the limit is named before anything is recorded.
    pub(crate) fn checked(self) -> Result<(Quote, i64), anju_shared::arrival::Refusal> {
        let q = self.quote();
        let known = |id: &str| self.list.with(|l| l.as_ref().map(|l| l.item(id).is_some()));
        price::check_quote(&q, &known).map(|total| (q, total))
    }

    pub(crate) fn is_empty(self) -> bool {
        self.picks.with_untracked(Vec::is_empty)
    }

    pub(crate) fn clear(self) {
        self.picks.set(Vec::new());
    }

    /// 「更换水龙头(个)」 for an item of the list; its code otherwise.
    fn name(self, id: &str) -> String {
        self.list.with(|l| {
            l.as_ref()
                .and_then(|l| l.item(id))
                .map(|i| format!("{}({})", i.service, i.unit))
                .unwrap_or_else(|| id.to_string())
        })
    }

    /// The item and quantity fields (ids `{prefix}-item`, `{prefix}-quantity`), the lines
    /// picked and the total.
    pub(crate) fn view(
        self,
        prefix: &'static str,
        idle: Signal<bool>,
        error: RwSignal<String>,
    ) -> impl IntoView {
        let lang = use_lang();
        let Picker {
            list,
            picks,
            item,
            quantity,
        } = self;
        let add = Callback::new(move |()| {
            let l = lang.get_untracked();
            match quantity.get_untracked().trim().parse::<i64>() {
                Ok(n) => picks.update(|p| p.push((item.get_untracked(), n))),
                Err(_) => error.set(l.pick("数量:须为整数", "quantity: a whole number").into()),
            }
        });
        let clear = Callback::new(move |()| picks.set(Vec::new()));
        let item_id = format!("{prefix}-item");
        let quantity_id = format!("{prefix}-quantity");
        dynamic(move || {
            match list.get() {
            None => view! {
                <p class="muted">{tr("本机还没有价目表:联网一次即可离线报价", "This device has no price list yet: one connection keeps it for quoting offline")}</p>
            }.into_any(),
            Some(l) => view! {
                <label for=item_id.clone()>{tr("收费项目", "Item")}</label>
                <select id=item_id.clone() prop:value=item on:change=move |ev| item.set(event_target_value(&ev))>
                    {l.items.iter().map(|i| view! {
                        <option value=i.id.clone()>{format!("{} · ¥{}/{}", i.service, price::yuan(i.price_fen), i.unit)}</option>
                    }).collect_view()}
                </select>
                <label for=quantity_id.clone()>{tr("数量", "Quantity")}</label>
                <input id=quantity_id.clone() type="number" inputmode="numeric" prop:value=quantity
                    on:input=move |ev| quantity.set(event_target_value(&ev))/>
                <div class="actions">
                    {button("button secondary", tr("加入报价", "Add to the quote"), idle, add)}
                    {button("button secondary", tr("清空", "Clear"), idle, clear)}
                </div>
                <ul data-testid="quote-lines">
                    {move || self.quote().items.into_iter().map(|l| view! {
                        <li>{format!("{} × {} = ¥{}", self.name(&l.item), l.quantity, price::yuan(l.price_fen.saturating_mul(l.quantity)))}</li>
                    }).collect_view()}
                </ul>
                <p data-testid="quote-total">
                    {tr("合计:", "Total: ")}
                    <strong>{move || match self.checked() {
                        Ok((_, total)) => format!("¥{}", price::yuan(total)),
                        Err(_) => "—".to_string(),
                    }}</strong>
                </p>
            }.into_any(),
        }
        })
    }
}

/// On a technician's order: the quote agreed with the resident before the work, and the
/// amount of the completed paid order.
pub(crate) fn quote_panel(
    engine: Engine,
    state: Memo<Option<OrderState>>,
    busy: RwSignal<bool>,
    error: RwSignal<String>,
    act: impl Fn(EventBody) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let picker = Picker::new(engine);
    let agree = Callback::new(move |()| match picker.checked() {
        Ok((q, total_fen)) => {
            picker.clear();
            act(EventBody::Quoted {
                items: q.items,
                total_fen,
            });
        }
        Err(r) => error.set(r.message(lang.get_untracked())),
    });
    let idle = Signal::derive(move || busy.get());
    let open = move || state.with(|s| s.as_ref().is_some_and(|s| s.status < Status::Completed));
    view! {
        <fieldset data-testid="quote">
            <legend>{tr("有偿服务报价(施工前业主确认)", "Paid work: the quote the resident agrees before work")}</legend>
            {dynamic(move || state.with(|s| s.as_ref().and_then(|s| s.quote.clone())).map(|q| view! {
                <p data-testid="quote-agreed">
                    {tr("业主已确认报价:", "Quote agreed by the resident: ")}
                    <strong>{format!("¥{}", price::yuan(q.total_fen))}</strong>
                    " · "
                    {q.items.iter().map(|l| format!("{} × {}", picker.name(&l.item), l.quantity)).collect::<Vec<_>>().join(",")}
                </p>
            }))}
            {dynamic(move || state.with(|s| s.as_ref().and_then(|s| s.amount_fen)).map(|fen| view! {
                <p data-testid="paid-amount">{tr("应收金额:", "Amount due: ")}<strong>{format!("¥{}", price::yuan(fen))}</strong></p>
            }))}
            {dynamic(move || open().then(|| view! {
                {picker.view("quote", idle, error)}
                <div class="actions">
                    {button("button primary", tr("业主已确认报价", "The resident agrees to the quote"), idle, agree)}
                </div>
            }))}
        </fieldset>
    }
}
