//! The monthly statistics report as a workbook (月度客户信息统计分析表, 000 4.3.6): one sheet
//! per section — the measures against their targets, each estate's measures, counts by
//! category and by channel, complaints by validity and severity, visits and coverage, the
//! unclosed and the unsatisfied orders, each estate's analysis and measures, and the month's
//! major customer events' special reports (C-6) with their timelines. Numbers are
//! written as numbers and ratios as percentages, header rows are frozen and columns sized,
//! pages set to A4. Every figure comes from the same `MonthlyReport` the page shows. The
//! weekly complaint, order and rectification report is a workbook of the same make, sharing
//! the sheets of counts.

use anju_shared::dashboard::{AGE_BANDS, Dashboard, Figures, MonthlyReport, OrderLine};
use anju_shared::kpi::Kpi;
use anju_shared::model::{Category, Channel};
use anju_shared::reporting::WeeklyReport;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// Sheet names, in order (the test reads them back by these).
pub const SHEETS: [&str; 10] = [
    "指标",
    "各项目",
    "类别",
    "渠道",
    "投诉",
    "走访",
    "未关闭",
    "不满意",
    "分析",
    "重大客户事件",
];

/// A4 in the spreadsheet's paper codes.
const A4: u8 = 9;

struct Formats {
    head: Format,
    percent: Format,
    wrap: Format,
}

fn sheet<'a>(
    book: &'a mut Workbook,
    name: &str,
    f: &Formats,
    headers: &[&str],
    widths: &[f64],
) -> Result<&'a mut Worksheet, XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    ws.set_paper_size(A4);
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *h, &f.head)?;
    }
    for (col, w) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(ws)
}

fn ratio(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    r: Option<f64>,
    f: &Formats,
) -> Result<(), XlsxError> {
    match r {
        Some(r) => ws
            .write_number_with_format(row, col, r, &f.percent)
            .map(|_| ()),
        None => ws.write_string(row, col, "—").map(|_| ()),
    }
}

fn target(ws: &mut Worksheet, row: u32, col: u16, k: &Kpi, f: &Formats) -> Result<(), XlsxError> {
    match k.target.and_then(|t| t.min.or(t.max)) {
        Some(t) => ws
            .write_number_with_format(row, col, t, &f.percent)
            .map(|_| ()),
        None => ws.write_string(row, col, "—").map(|_| ()),
    }
}

fn orders(ws: &mut Worksheet, list: &[OrderLine], f: &Formats) -> Result<(), XlsxError> {
    for (i, o) in list.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &o.reference)?;
        ws.write_string(row, 1, &o.estate)?;
        ws.write_string(row, 2, o.category.zh())?;
        ws.write_string(
            row,
            3,
            Channel::parse(&o.channel).map_or(o.channel.as_str(), |c| c.zh()),
        )?;
        ws.write_string(row, 4, o.reported_at.format("%Y-%m-%d %H:%M").to_string())?;
        ws.write_string(row, 5, o.status.zh())?;
        ws.write_string(row, 6, o.escalated.zh())?;
        match o.score {
            Some(s) => ws.write_number(row, 7, f64::from(s))?,
            None => ws.write_string(row, 7, "")?,
        };
        ws.write_string(row, 8, &o.location)?;
        ws.write_string_with_format(row, 9, &o.text, &f.wrap)?;
    }
    Ok(())
}

const ORDER_HEADERS: [&str; 10] = [
    "编号 Reference",
    "项目 Estate",
    "类别 Category",
    "渠道 Channel",
    "受理时间 Reported",
    "状态 Status",
    "升级 Escalation",
    "回访评分 Score",
    "位置 Location",
    "内容 Text",
];
const ORDER_WIDTHS: [f64; 10] = [16.0, 14.0, 10.0, 14.0, 17.0, 10.0, 14.0, 10.0, 18.0, 50.0];

/// The sheets of counts a monthly and a weekly report share: by category (C-1) and by channel,
/// the scope's total then each estate's; complaints by validity (C-4) and severity (C-5).
fn count_sheets(
    book: &mut Workbook,
    f: &Formats,
    d: &Dashboard,
    names: [&str; 3],
) -> Result<(), XlsxError> {
    let total = &d.total;
    let mut headers = vec!["类别 Category".to_string(), "合计 Total".to_string()];
    headers.extend(d.estates.iter().map(|e| e.name.clone()));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let widths: Vec<f64> = std::iter::once(18.0)
        .chain(headers[1..].iter().map(|_| 12.0))
        .collect();
    let ws = sheet(book, names[0], f, &refs, &widths)?;
    for (i, c) in Category::ALL.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, format!("{} {}", c.zh(), c.en()))?;
        ws.write_number(
            row,
            1,
            f64::from(total.by_category.get(i).map_or(0, |x| x.1)),
        )?;
        for (k, e) in d.estates.iter().enumerate() {
            let n = e.figures.by_category.get(i).map_or(0, |x| x.1);
            ws.write_number(row, k as u16 + 2, f64::from(n))?;
        }
    }
    let mut headers = vec!["渠道 Channel".to_string(), "合计 Total".to_string()];
    headers.extend(d.estates.iter().map(|e| e.name.clone()));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let ws = sheet(book, names[1], f, &refs, &widths)?;
    for (i, (channel, n)) in total.by_channel.iter().enumerate() {
        let row = i as u32 + 1;
        let name = Channel::parse(channel)
            .map_or_else(|| channel.clone(), |c| format!("{} {}", c.zh(), c.en()));
        ws.write_string(row, 0, name)?;
        ws.write_number(row, 1, f64::from(*n))?;
        for (k, e) in d.estates.iter().enumerate() {
            let n = e
                .figures
                .by_channel
                .iter()
                .find(|(c, _)| c == channel)
                .map_or(0, |x| x.1);
            ws.write_number(row, k as u16 + 2, f64::from(n))?;
        }
    }

    let ws = sheet(
        book,
        names[2],
        f,
        &["投诉 Complaints", "数量 Count"],
        &[28.0, 12.0],
    )?;
    let mut rows: Vec<(String, u32)> = vec![
        ("有效 Valid".into(), total.complaints_valid),
        ("无效 Invalid".into(), total.complaints_invalid),
        ("未认定 Not judged".into(), total.complaints_unjudged),
    ];
    rows.extend(
        total
            .complaints_by_severity
            .iter()
            .map(|(s, n)| (format!("{} {}", s.zh(), s.en()), *n)),
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, label)?;
        ws.write_number(row, 1, f64::from(*n))?;
    }
    Ok(())
}

/// Sheet names of the weekly report, in order (the test reads them back by these).
pub const WEEKLY_SHEETS: [&str; 7] = [
    "类别",
    "渠道",
    "投诉",
    "投诉清单",
    "未关闭",
    "返工整改",
    "巡查整改",
];

/// The weekly complaint, order and rectification report (《客户投诉、报事、整改周报》, 004
/// 006-4.5.2.1) as a workbook: the week's counts, then its lists — every complaint with its
/// severity and validity, the orders not closed, those sent back to work (a failed callback or a
/// supervisor) and the patrol findings made orders. Its first sheet says when it is due.
pub fn weekly_workbook(report: &WeeklyReport) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let d = &report.dashboard;
    let mut book = Workbook::new();
    count_sheets(
        &mut book,
        &f,
        d,
        [WEEKLY_SHEETS[0], WEEKLY_SHEETS[1], WEEKLY_SHEETS[2]],
    )?;
    book.worksheet_from_name(WEEKLY_SHEETS[0])?.write_string(
        Category::ALL.len() as u32 + 2,
        0,
        format!(
            "{} · {} · {} ~ {} · 报送截止 {}",
            d.name, report.week, d.from, d.to, report.due
        ),
    )?;
    let mut headers = ORDER_HEADERS.to_vec();
    headers.extend(["级别 Severity", "有效性 Validity"]);
    let mut widths = ORDER_WIDTHS.to_vec();
    widths.extend([10.0, 10.0]);
    let ws = sheet(&mut book, WEEKLY_SHEETS[3], &f, &headers, &widths)?;
    ws.set_landscape();
    orders(ws, &report.complaints, &f)?;
    for (i, o) in report.complaints.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 10, o.severity.map_or("一般", |s| s.zh()))?;
        ws.write_string(
            row,
            11,
            match o.valid {
                Some(true) => "有效",
                Some(false) => "无效",
                None => "未认定",
            },
        )?;
    }
    for (name, list) in [
        (WEEKLY_SHEETS[4], &d.unclosed),
        (WEEKLY_SHEETS[5], &report.reopened),
        (WEEKLY_SHEETS[6], &report.patrol_findings),
    ] {
        let ws = sheet(&mut book, name, &f, &ORDER_HEADERS, &ORDER_WIDTHS)?;
        ws.set_landscape();
        orders(ws, list, &f)?;
    }
    book.save_to_buffer()
}

fn formats() -> Formats {
    Formats {
        head: Format::new().set_bold().set_text_wrap(),
        percent: Format::new().set_num_format("0.0%"),
        wrap: Format::new().set_text_wrap(),
    }
}

/// The workbook of a monthly report, as bytes.
pub fn monthly_workbook(report: &MonthlyReport) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let d = &report.dashboard;
    let total: &Figures = &d.total;
    let mut book = Workbook::new();

    let ws = sheet(
        &mut book,
        SHEETS[0],
        &f,
        &[
            "指标 Measure",
            "数值 Value",
            "分子 Numerator",
            "分母 Denominator",
            "目标 Target",
            "结果 Met",
        ],
        &[28.0, 12.0, 14.0, 14.0, 12.0, 10.0],
    )?;
    ws.set_landscape();
    for (i, k) in total.measures.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, format!("{} {}", k.measure.zh(), k.measure.en()))?;
        ratio(ws, row, 1, k.ratio, &f)?;
        ws.write_number(row, 2, f64::from(k.numerator))?;
        ws.write_number(row, 3, f64::from(k.denominator))?;
        target(ws, row, 4, k, &f)?;
        ws.write_string(
            row,
            5,
            match k.met {
                Some(true) => "达标",
                Some(false) => "未达标",
                None => "—",
            },
        )?;
    }
    let note = total.measures.len() as u32 + 2;
    ws.write_string(
        note,
        0,
        format!(
            "{} · {} ~ {} · 应于 {} 前上报",
            d.name, d.from, d.to, report.due
        ),
    )?;

    // One row per estate, one column per measure.
    let mut headers = vec!["项目 Estate".to_string()];
    headers.extend(total.measures.iter().map(|k| k.measure.zh().to_string()));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut widths = vec![16.0];
    widths.extend(total.measures.iter().map(|_| 12.0));
    let ws = sheet(&mut book, SHEETS[1], &f, &refs, &widths)?;
    ws.set_landscape();
    for (i, e) in d.estates.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &e.name)?;
        for (c, k) in e.figures.measures.iter().enumerate() {
            ratio(ws, row, c as u16 + 1, k.ratio, &f)?;
        }
    }

    count_sheets(&mut book, &f, d, [SHEETS[2], SHEETS[3], SHEETS[4]])?;

    let ws = sheet(
        &mut book,
        SHEETS[5],
        &f,
        &[
            "走访 Visits",
            "已访 Visited",
            "户数 Households",
            "覆盖率 Coverage",
        ],
        &[24.0, 12.0, 12.0, 12.0],
    )?;
    ws.write_string(1, 0, "本月走访 Visits this month")?;
    ws.write_number(1, 1, f64::from(total.visits))?;
    ws.write_string(2, 0, "无人在家 Nobody at home")?;
    ws.write_number(2, 1, f64::from(total.visit_attempts))?;
    for (i, (label, share)) in [
        ("全部 All", total.coverage.all),
        ("重要客户 Important", total.coverage.important),
        ("普通客户 Ordinary", total.coverage.ordinary),
    ]
    .iter()
    .enumerate()
    {
        let row = i as u32 + 3;
        ws.write_string(row, 0, *label)?;
        ws.write_number(row, 1, f64::from(share.visited))?;
        ws.write_number(row, 2, f64::from(share.households))?;
        ratio(ws, row, 3, share.ratio(), &f)?;
    }
    for (i, ((_, zh, en), n)) in AGE_BANDS.iter().zip(&total.open_by_age).enumerate() {
        let row = i as u32 + 7;
        ws.write_string(row, 0, format!("未完成 {zh} Open {en}"))?;
        ws.write_number(row, 1, f64::from(*n))?;
    }

    let ws = sheet(&mut book, SHEETS[6], &f, &ORDER_HEADERS, &ORDER_WIDTHS)?;
    ws.set_landscape();
    orders(ws, &d.unclosed, &f)?;
    let ws = sheet(&mut book, SHEETS[7], &f, &ORDER_HEADERS, &ORDER_WIDTHS)?;
    ws.set_landscape();
    orders(ws, &d.unsatisfied, &f)?;

    let ws = sheet(
        &mut book,
        SHEETS[8],
        &f,
        &[
            "项目 Estate",
            "状态 Status",
            "原因分析 Analysis",
            "改进措施 Measures",
        ],
        &[16.0, 10.0, 60.0, 60.0],
    )?;
    ws.set_landscape();
    for (i, e) in d.estates.iter().enumerate() {
        let row = i as u32 + 1;
        let note = report.notes.iter().find(|n| n.estate_id == e.id);
        ws.write_string(row, 0, &e.name)?;
        ws.write_string(row, 1, note.map_or("—", |n| n.status.zh()))?;
        ws.write_string_with_format(row, 2, note.map_or("", |n| n.analysis.as_str()), &f.wrap)?;
        ws.write_string_with_format(row, 3, note.map_or("", |n| n.measures.as_str()), &f.wrap)?;
    }

    // One row per special report: its order, what made it one, the six written parts and
    // the timeline drawn from the order's events, one step a line.
    let mut headers = vec!["项目 Estate", "工单 Order", "触发 Triggers"];
    let labels: Vec<String> = anju_shared::complaint::SpecialReport::default()
        .fields()
        .iter()
        .map(|(_, zh, en, _)| format!("{zh} {en}"))
        .collect();
    headers.extend(labels.iter().map(String::as_str));
    headers.extend(["经过 Timeline", "保存 Saved"]);
    let mut widths = vec![16.0, 16.0, 20.0];
    widths.extend([40.0; 6]);
    widths.extend([50.0, 18.0]);
    let ws = sheet(&mut book, SHEETS[9], &f, &headers, &widths)?;
    ws.set_landscape();
    for (i, r) in report.special_reports.iter().enumerate() {
        let row = i as u32 + 1;
        let estate = d
            .estates
            .iter()
            .find(|e| e.id == r.estate_id)
            .map_or(r.estate_id.as_str(), |e| e.name.as_str());
        ws.write_string(row, 0, estate)?;
        ws.write_string(row, 1, &r.reference)?;
        let triggers: Vec<&str> = r.triggers.iter().map(|t| t.zh()).collect();
        ws.write_string_with_format(row, 2, triggers.join("、"), &f.wrap)?;
        for (c, (_, _, _, text)) in r.report.fields().iter().enumerate() {
            ws.write_string_with_format(row, c as u16 + 3, *text, &f.wrap)?;
        }
        let steps: Vec<String> = r
            .timeline
            .iter()
            .map(|s| format!("{} {}", s.at.format("%Y-%m-%d %H:%M"), s.zh))
            .collect();
        ws.write_string_with_format(row, 9, steps.join("\n"), &f.wrap)?;
        // In the estate's own time, as its events are.
        let offset = r.timeline.first().map(|s| *s.at.offset());
        let saved = chrono::DateTime::from_timestamp_millis(r.saved_ms)
            .map(|t| match offset {
                Some(o) => t.with_timezone(&o).format("%Y-%m-%d %H:%M").to_string(),
                None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
            })
            .unwrap_or_default();
        ws.write_string(row, 10, saved)?;
    }
    book.save_to_buffer()
}

/// The billing workbook's sheets, in order (the test reads them back by these).
pub const BILLING_SHEETS: [&str; 2] = ["结算汇总", "收费明细"];

/// The monthly billing statement of paid work and special services (特约服务按月结算,
/// 000 4.4.3) as a workbook for the estate's finance: one row per household with its total
/// (the finance list, with the estate's total last), then one row per agreed line. Amounts
/// are yuan as numbers with two decimals, so the sheet sums them.
pub fn billing_workbook(s: &anju_shared::billing::Statement) -> Result<Vec<u8>, XlsxError> {
    let f = Formats {
        head: Format::new().set_bold().set_text_wrap(),
        percent: Format::new().set_num_format("0.0%"),
        wrap: Format::new().set_text_wrap(),
    };
    let money = Format::new().set_num_format("#,##0.00");
    let bold_money = Format::new().set_bold().set_num_format("#,##0.00");
    let yuan = |fen: i64| fen as f64 / 100.0;
    let mut book = Workbook::new();

    let ws = sheet(
        &mut book,
        BILLING_SHEETS[0],
        &f,
        &[
            "房号 Household",
            "工单数 Orders",
            "金额(元) Amount (yuan)",
            "工单 References",
        ],
        &[22.0, 10.0, 16.0, 50.0],
    )?;
    for (i, h) in s.households.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, household_label(&h.location))?;
        ws.write_number(row, 1, h.orders.len() as f64)?;
        ws.write_number_with_format(row, 2, yuan(h.total_fen), &money)?;
        let references: Vec<&str> = h.orders.iter().map(|o| o.reference.as_str()).collect();
        ws.write_string_with_format(row, 3, references.join("、"), &f.wrap)?;
    }
    let last = s.households.len() as u32 + 1;
    ws.write_string_with_format(
        last,
        0,
        format!("{} {} 合计 Total", s.estate_name, s.month),
        &f.head,
    )?;
    ws.write_number_with_format(last, 1, s.orders as f64, &f.head)?;
    ws.write_number_with_format(last, 2, yuan(s.total_fen), &bold_money)?;

    let ws = sheet(
        &mut book,
        BILLING_SHEETS[1],
        &f,
        &[
            "房号 Household",
            "工单 Order",
            "类别 Category",
            "完工 Completed",
            "编号 Code",
            "服务项目 Service",
            "单位 Unit",
            "数量 Quantity",
            "单价(元) Price",
            "金额(元) Amount",
        ],
        &[22.0, 16.0, 12.0, 18.0, 8.0, 20.0, 8.0, 10.0, 12.0, 12.0],
    )?;
    ws.set_landscape();
    let mut row = 1;
    for h in &s.households {
        for o in &h.orders {
            for l in &o.lines {
                ws.write_string(row, 0, household_label(&h.location))?;
                ws.write_string(row, 1, &o.reference)?;
                ws.write_string(row, 2, o.category.zh())?;
                ws.write_string(row, 3, o.completed_at.format("%Y-%m-%d %H:%M").to_string())?;
                ws.write_string(row, 4, &l.item)?;
                ws.write_string(row, 5, &l.service)?;
                ws.write_string(row, 6, &l.unit)?;
                ws.write_number(row, 7, l.quantity as f64)?;
                ws.write_number_with_format(row, 8, yuan(l.price_fen), &money)?;
                ws.write_number_with_format(row, 9, yuan(l.amount_fen), &money)?;
                row += 1;
            }
        }
    }
    book.save_to_buffer()
}

/// A household as the statement names it: its address, or that the order named none.
fn household_label(location: &str) -> &str {
    if location.is_empty() {
        "未注明房号"
    } else {
        location
    }
}
