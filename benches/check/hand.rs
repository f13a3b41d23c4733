//! Seven rules of `rules/examples` written by hand in Rust, for the
//! interpreter-overhead comparison: AQ-024-2, AQ-030, AQ-030-R, AQ-042,
//! GB-MH-013 (S per unit from GB 18218 tables 1 and 2), TS-040, WHP-039.
//! Same three-valued logic (absent = unknown, `null` = none), same outcome,
//! explanation, facts and missing pointers as the interpreted rules.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use jiff::ToSpan;

use jiff::civil::Date;
use regkb::check::{CitationOut, Fact, Finding, Outcome, Severity, SharedStr};
use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum T {
    True,
    False,
    Unknown,
}

fn and(a: T, b: T) -> T {
    match (a, b) {
        (T::False, _) | (_, T::False) => T::False,
        (T::True, T::True) => T::True,
        _ => T::Unknown,
    }
}

fn or(a: T, b: T) -> T {
    match (a, b) {
        (T::True, _) | (_, T::True) => T::True,
        (T::False, T::False) => T::False,
        _ => T::Unknown,
    }
}

fn not(a: T) -> T {
    match a {
        T::True => T::False,
        T::False => T::True,
        T::Unknown => T::Unknown,
    }
}

/// A list for an explanation: the items known to match.
fn shown(items: &[String]) -> String {
    items.join("、")
}

fn of(b: bool) -> T {
    if b { T::True } else { T::False }
}

/// Facts read and pointers missing while evaluating one rule.
#[derive(Default)]
struct Trace {
    facts: Vec<Fact>,
    missing: Vec<String>,
}

impl Trace {
    /// Reads a field: `Some(v)` (with a fact) when present, `None` (with the
    /// deepest missing pointer) when absent.
    fn get<'a>(&mut self, base: &'a Value, base_ptr: &str, path: &[&str]) -> Option<&'a Value> {
        let mut node = base;
        let mut ptr = base_ptr.to_string();
        for key in path {
            ptr.push('/');
            ptr.push_str(key);
            match node.get(*key) {
                Some(Value::Null) => {
                    self.fact(&ptr, &Value::Null);
                    return Some(&Value::Null);
                }
                Some(v) => node = v,
                None => {
                    self.missing.push(ptr);
                    return None;
                }
            }
        }
        if !node.is_array() && !node.is_object() {
            self.fact(&ptr, node);
        }
        Some(node)
    }

    fn fact(&mut self, path: &str, v: &Value) {
        if !self.facts.iter().any(|f| f.path == path) {
            self.facts.push(Fact {
                path: SharedStr::from(path),
                value: v.clone(),
            });
        }
    }
}

fn date(v: Option<&Value>) -> Option<Option<Date>> {
    match v {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(v.as_str().and_then(|s| s.parse().ok())),
    }
}

struct Meta {
    /// Index in [`ALL`] (and in the shared parts built from it).
    slot: usize,
    id: &'static str,
    title: &'static str,
    /// (law, article, paragraph or 0)
    cites: &'static [(&'static str, u32, u32)],
    severity: Severity,
    departments: &'static [&'static str],
    remedy: &'static str,
}

/// The parts of a rule's finding that do not depend on the record, built once
/// (as the interpreter's `Engine` does).
struct Shared {
    title: Arc<str>,
    departments: Arc<[String]>,
    citations: Arc<[CitationOut]>,
    remedy: Arc<str>,
    pass: Arc<str>,
}

impl Shared {
    fn of(m: &Meta) -> Self {
        Shared {
            title: Arc::from(m.title),
            departments: m.departments.iter().map(|d| (*d).to_string()).collect(),
            citations: m
                .cites
                .iter()
                .map(|(law, article, paragraph)| CitationOut {
                    law: (*law).to_string(),
                    article: Some(*article),
                    paragraph: (*paragraph > 0).then_some(*paragraph),
                    item: None,
                    clause: None,
                })
                .collect(),
            remedy: Arc::from(m.remedy),
            pass: Arc::from(format!("符合要求：{}", m.title)),
        }
    }
}

const ALL: [&Meta; 7] = [
    &WHP_039, &AQ_024_2, &AQ_030, &AQ_030_R, &TS_040, &AQ_042, &GB_MH_013,
];

static SHARED: LazyLock<Vec<Shared>> =
    LazyLock::new(|| ALL.iter().map(|m| Shared::of(m)).collect());

fn finding(
    m: &Meta,
    applies: T,
    require: T,
    fail_text: impl FnOnce() -> String,
    pass_text: Option<String>,
    trace: Trace,
) -> Finding {
    let outcome = match applies {
        T::False => Outcome::NotApplicable,
        _ => match (require, applies) {
            (T::True, _) => Outcome::Pass,
            (T::False, T::True) => Outcome::Fail,
            _ => Outcome::Unknown,
        },
    };
    let mut missing = Vec::new();
    if outcome == Outcome::Unknown {
        for p in trace.missing {
            if !missing.contains(&p) {
                missing.push(p);
            }
        }
    }
    let built;
    let shared = match SHARED.get(m.slot) {
        Some(s) => s,
        None => {
            built = Shared::of(m);
            &built
        }
    };
    let explanation = match outcome {
        Outcome::Fail => SharedStr::from(fail_text()),
        Outcome::Pass => pass_text.map_or_else(|| SharedStr::from(&shared.pass), SharedStr::from),
        Outcome::Unknown => SharedStr::from(format!(
            "缺少判断所需的信息，需现场核查：{}",
            missing.join("、")
        )),
        Outcome::NotApplicable => SharedStr::from_static("本条不适用于该企业"),
    };
    let missing = missing.into_iter().map(SharedStr::from).collect();
    Finding {
        rule: SharedStr::from_static(m.id),
        title: Arc::clone(&shared.title),
        outcome,
        severity: m.severity,
        departments: Arc::clone(&shared.departments),
        citations: Arc::clone(&shared.citations),
        explanation,
        facts: trace.facts,
        missing,
        remedy: Arc::clone(&shared.remedy),
    }
}

const WHP_039: Meta = Meta {
    slot: 0,
    id: "WHP-039",
    title: "危险化学品生产、储存企业每三年进行一次安全评价",
    cites: &[("中华人民共和国危险化学品安全法", 39, 1)],
    severity: Severity::General,
    departments: &["应急管理"],
    remedy: "委托具备国家规定资质条件的安全评价机构对本企业安全生产条件进行安全评价",
};

pub fn whp_039(r: &Value, as_of: Date) -> Option<Finding> {
    if as_of < jiff::civil::date(2026, 5, 1) {
        return None;
    }
    let mut t = Trace::default();
    let applies = match t
        .get(r, "", &["hazchem_activities"])
        .and_then(Value::as_array)
    {
        None => T::Unknown,
        Some(acts) => of(acts.iter().any(|a| a == "生产" || a == "储存")),
    };
    let last = date(t.get(r, "", &["safety_assessment", "last_date"]));
    let limit = as_of.saturating_sub(3.years());
    let require = match last {
        None => T::Unknown,
        Some(None) => T::False,
        Some(Some(d)) => of(d >= limit),
    };
    let shown = match last {
        Some(Some(d)) => d.to_string(),
        Some(None) => "无".to_string(),
        None => String::new(),
    };
    Some(finding(
        &WHP_039,
        applies,
        require,
        || format!("上次安全评价为{shown}，距检查日已超过三年"),
        Some(format!("上次安全评价为{shown}，在三年有效期内")),
        t,
    ))
}

const AQ_024_2: Meta = Meta {
    slot: 1,
    id: "AQ-024-2",
    title: "从业人员超过一百人的单位应当设置安全生产管理机构或者配备专职安全生产管理人员",
    cites: &[("中华人民共和国安全生产法", 24, 2)],
    severity: Severity::General,
    departments: &["应急管理"],
    remedy: "设置安全生产管理机构或者配备专职安全生产管理人员",
};

const HIGH_RISK: [&str; 6] = [
    "矿山",
    "金属冶炼",
    "建筑施工",
    "交通运输",
    "危化生产",
    "危化经营",
];

pub fn aq_024_2(r: &Value, _as_of: Date) -> Option<Finding> {
    let mut t = Trace::default();
    let not_high = match t.get(r, "", &["category"]).and_then(Value::as_str) {
        None => T::Unknown,
        Some(c) => of(!HIGH_RISK.contains(&c)),
    };
    let employees = t.get(r, "", &["employees"]).and_then(Value::as_i64);
    let big = employees.map_or(T::Unknown, |n| of(n > 100));
    let applies = and(not_high, big);
    let dept = t
        .get(r, "", &["safety_org", "has_department"])
        .and_then(Value::as_bool)
        .map_or(T::Unknown, of);
    let full = t
        .get(r, "", &["safety_org", "full_time_officers"])
        .and_then(Value::as_i64)
        .map_or(T::Unknown, |n| of(n >= 1));
    let require = or(dept, full);
    Some(finding(
        &AQ_024_2,
        applies,
        require,
        || {
            format!(
                "从业人员{}人，超过一百人，但既未设置安全生产管理机构，也未配备专职安全生产管理人员",
                employees.unwrap_or(0)
            )
        },
        None,
        t,
    ))
}

const AQ_030: Meta = Meta {
    slot: 2,
    id: "AQ-030",
    title: "特种作业人员应当持有效的特种作业操作证上岗",
    cites: &[("中华人民共和国安全生产法", 30, 1)],
    severity: Severity::General,
    departments: &["应急管理"],
    remedy: "安排相关人员参加专门的安全作业培训并考核取证",
};

/// `w.certificate != none and w.certificate.expires >= as_of` for one worker.
fn valid_certificate(t: &mut Trace, w: &Value, ptr: &str, as_of: Date) -> T {
    match t.get(w, ptr, &["certificate"]) {
        None => T::Unknown,
        Some(Value::Null) => T::False,
        Some(_) => match date(t.get(w, ptr, &["certificate", "expires"])) {
            None => T::Unknown,
            Some(None) => T::False,
            Some(Some(d)) => of(d >= as_of),
        },
    }
}

pub fn aq_030(r: &Value, as_of: Date) -> Option<Finding> {
    let mut t = Trace::default();
    let workers = t.get(r, "", &["special_workers"]).and_then(Value::as_array);
    let applies = workers.map_or(T::Unknown, |ws| of(!ws.is_empty()));
    let mut require = if workers.is_some() {
        T::True
    } else {
        T::Unknown
    };
    let mut failing = Vec::new();
    for (i, w) in workers.into_iter().flatten().enumerate() {
        let ptr = format!("/special_workers/{i}");
        let ok = valid_certificate(&mut t, w, &ptr, as_of);
        match ok {
            T::False => failing.extend(w.get("name").and_then(Value::as_str).map(str::to_string)),
            T::Unknown | T::True => {}
        }
        require = and(require, ok);
    }
    let n = workers.map_or(0, Vec::len);
    Some(finding(
        &AQ_030,
        applies,
        require,
        || format!("特种作业人员{}无有效的特种作业操作证", shown(&failing)),
        Some(format!("{n}名特种作业人员均持有效操作证")),
        t,
    ))
}

const AQ_030_R: Meta = Meta {
    slot: 3,
    id: "AQ-030-R",
    title: "特种作业操作证应当在 30 日内到期前安排复审或换证",
    cites: &[("中华人民共和国安全生产法", 30, 1)],
    severity: Severity::General,
    departments: &["应急管理"],
    remedy: "在证件到期前组织复审或换证",
};

pub fn aq_030_r(r: &Value, as_of: Date) -> Option<Finding> {
    let mut t = Trace::default();
    let workers = t.get(r, "", &["special_workers"]).and_then(Value::as_array);
    let soon = as_of.saturating_add(30.days());
    let mut applies = if workers.is_some() {
        T::False
    } else {
        T::Unknown
    };
    let mut require = if workers.is_some() {
        T::True
    } else {
        T::Unknown
    };
    let mut names = Vec::new();
    for (i, w) in workers.into_iter().flatten().enumerate() {
        let ptr = format!("/special_workers/{i}");
        let has = match t.get(w, &ptr, &["certificate"]) {
            None => T::Unknown,
            Some(Value::Null) => T::False,
            Some(_) => T::True,
        };
        applies = or(applies, has);
        let expires = match has {
            T::True => date(t.get(w, &ptr, &["certificate", "expires"])),
            _ => None,
        };
        let current = match (has, expires) {
            (T::False, _) => T::False,
            (_, None) => T::Unknown,
            (_, Some(None)) => T::False,
            (_, Some(Some(d))) => of(d >= as_of),
        };
        // `all … where f { b }`: each item counts as `not f or b`
        let f = and(has, current);
        if f == T::False {
            continue;
        }
        let far = match expires {
            Some(Some(d)) => of(d >= soon),
            Some(None) => T::False,
            None => T::Unknown,
        };
        let reviewed = match (
            date(t.get(w, &ptr, &["certificate", "next_review"])),
            expires,
        ) {
            (Some(Some(n)), Some(Some(e))) => of(n > e),
            (Some(None), _) | (_, Some(None)) => T::False,
            _ => T::Unknown,
        };
        match and(f, not(far)) {
            T::True => names.extend(w.get("name").and_then(Value::as_str).map(str::to_string)),
            T::Unknown | T::False => {}
        }
        let not_f = if f == T::True { T::False } else { T::Unknown };
        require = and(require, or(not_f, or(far, reviewed)));
    }
    Some(finding(
        &AQ_030_R,
        applies,
        require,
        || format!("特种作业人员{}的操作证将在30日内到期", shown(&names)),
        None,
        t,
    ))
}

const TS_040: Meta = Meta {
    slot: 4,
    id: "TS-040",
    title: "特种设备应当在检验有效期内使用",
    cites: &[("中华人民共和国特种设备安全法", 40, 3)],
    severity: Severity::Major,
    departments: &["市场监管"],
    remedy: "立即停止使用超期未检的特种设备，向特种设备检验机构申请定期检验",
};

pub fn ts_040(r: &Value, as_of: Date) -> Option<Finding> {
    let mut t = Trace::default();
    let items = t
        .get(r, "", &["special_equipment"])
        .and_then(Value::as_array);
    let applies = items.map_or(T::Unknown, |es| of(!es.is_empty()));
    let mut require = if items.is_some() { T::True } else { T::Unknown };
    let mut overdue = Vec::new();
    for (i, e) in items.into_iter().flatten().enumerate() {
        let ptr = format!("/special_equipment/{i}");
        let ok = match date(t.get(e, &ptr, &["next_inspection"])) {
            None => T::Unknown,
            Some(None) => T::False,
            Some(Some(d)) => of(d >= as_of),
        };
        match ok {
            T::False => overdue.extend(e.get("kind").and_then(Value::as_str).map(str::to_string)),
            T::Unknown | T::True => {}
        }
        require = and(require, ok);
    }
    Some(finding(
        &TS_040,
        applies,
        require,
        || format!("特种设备{}已超过定期检验日期仍在使用", shown(&overdue)),
        None,
        t,
    ))
}

const AQ_042: Meta = Meta {
    slot: 5,
    id: "AQ-042",
    title: "危险物品车间、商店、仓库不得与员工宿舍在同一座建筑物内",
    cites: &[("中华人民共和国安全生产法", 42, 1)],
    severity: Severity::General,
    departments: &["应急管理", "消防救援"],
    remedy: "将员工宿舍迁出该建筑物，并与危险物品车间、商店、仓库保持安全距离",
};

pub fn aq_042(r: &Value, _as_of: Date) -> Option<Finding> {
    let mut t = Trace::default();
    let applies = match t
        .get(r, "", &["hazchem_activities"])
        .and_then(Value::as_array)
    {
        None => T::Unknown,
        Some(acts) => of(acts
            .iter()
            .any(|a| ["生产", "经营", "储存", "使用"].iter().any(|x| a == *x))),
    };
    let require = match t
        .get(r, "", &["premises", "dormitory_in_hazard_building"])
        .and_then(Value::as_bool)
    {
        None => T::Unknown,
        Some(b) => of(!b),
    };
    Some(finding(
        &AQ_042,
        applies,
        require,
        || "生产、经营、储存或使用危险物品的车间、商店、仓库与员工宿舍在同一座建筑物内".to_string(),
        Some("危险物品场所未与员工宿舍设在同一建筑物内".to_string()),
        t,
    ))
}

/// GB 18218 tables 1 and 2, indexed by hand: name, alias and CAS → rows of
/// table 1 (with and without a trailing qualifier in brackets), class → Q.
pub struct Gb18218 {
    named_q: Vec<f64>,
    /// One index per key column, searched in order: name, aliases, CAS.
    named_index: [HashMap<String, Vec<usize>>; 3],
    class_q: HashMap<String, f64>,
}

fn normalize(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

fn strip_qualifier(s: &str) -> &str {
    match s.find('(') {
        Some(i) if i > 0 && s.ends_with(')') => s.get(..i).unwrap_or(s).trim(),
        _ => s,
    }
}

enum Lookup {
    Found(f64),
    /// Not in the table, or several rows match: try the next source.
    Next,
}

impl Gb18218 {
    pub fn load(dir: &std::path::Path) -> Gb18218 {
        let mut named_q = Vec::new();
        let mut named_index: [HashMap<String, Vec<usize>>; 3] = Default::default();
        let mut rdr = csv::Reader::from_path(dir.join("table1-named-substances.csv")).unwrap();
        for (row, rec) in rdr.records().enumerate() {
            let rec = rec.unwrap();
            named_q.push(rec[4].parse().unwrap());
            for (k, col) in [1usize, 2, 3].into_iter().enumerate() {
                let cell = &rec[col];
                let names: Vec<&str> = if col == 1 {
                    vec![cell]
                } else {
                    cell.split([';', '；', '、'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect()
                };
                for n in names {
                    let n = normalize(n);
                    let stripped = strip_qualifier(&n).to_string();
                    for form in [n, stripped] {
                        let rows = named_index[k].entry(form).or_default();
                        if !rows.contains(&row) {
                            rows.push(row);
                        }
                    }
                }
            }
        }
        let mut class_q = HashMap::new();
        let mut rdr = csv::Reader::from_path(dir.join("table2-hazard-classes.csv")).unwrap();
        for rec in rdr.records() {
            let rec = rec.unwrap();
            class_q.insert(rec[0].to_string(), rec[3].parse().unwrap());
        }
        Gb18218 {
            named_q,
            named_index,
            class_q,
        }
    }

    fn named(&self, key: &str) -> Lookup {
        let key = normalize(key);
        for index in &self.named_index {
            match index.get(&key).map(Vec::as_slice) {
                None | Some([]) => continue,
                Some([one]) => {
                    return self
                        .named_q
                        .get(*one)
                        .map_or(Lookup::Next, |q| Lookup::Found(*q));
                }
                Some(_) => return Lookup::Next,
            }
        }
        Lookup::Next
    }

    /// Q of a chemical: table 1 by name (or alias, or CAS), then by CAS, then
    /// table 2 by class. `Err(true)` unknown, `Err(false)` none.
    fn critical_quantity(&self, c: &Value) -> Result<f64, bool> {
        for key in ["name", "cas"] {
            if let Some(k) = c.get(key).and_then(Value::as_str)
                && let Lookup::Found(q) = self.named(k)
            {
                return Ok(q);
            }
        }
        match c.get("gb18218_class").and_then(Value::as_str) {
            None => Err(true),
            Some(class) => self.class_q.get(class).copied().ok_or(false),
        }
    }

    /// S = Σ q/Q of a unit: `None` when unknown.
    fn s(&self, unit: &Value) -> Option<f64> {
        let chemicals = unit.get("chemicals")?.as_array()?;
        let mut sum = 0.0;
        for c in chemicals {
            let q = c.get("max_quantity_t").and_then(Value::as_f64);
            match (q, self.critical_quantity(c)) {
                (Some(q), Ok(cq)) => sum += q / cq,
                // q / none is none, which a sum skips
                (_, Err(false)) => {}
                _ => return None,
            }
        }
        Some(sum)
    }
}

const GB_MH_013: Meta = Meta {
    slot: 6,
    id: "GB-MH-013",
    title: "构成重大危险源的单元应当登记建档并备案",
    cites: &[
        ("中华人民共和国危险化学品安全法", 13, 0),
        ("中华人民共和国安全生产法", 40, 0),
    ],
    severity: Severity::General,
    departments: &["应急管理"],
    remedy: "对构成重大危险源的单元登记建档，定期检测、评估、监控，并将重大危险源情况报应急管理部门等备案",
};

pub fn gb_mh_013(r: &Value, _as_of: Date, gb: &Gb18218) -> Option<Finding> {
    let mut t = Trace::default();
    let units = t.get(r, "", &["units"]).and_then(Value::as_array);
    let mut applies = if units.is_some() {
        T::False
    } else {
        T::Unknown
    };
    let mut require = if units.is_some() { T::True } else { T::Unknown };
    let mut unregistered = Vec::new();
    for (i, u) in units.into_iter().flatten().enumerate() {
        let ptr = format!("/units/{i}");
        let s = gb.s(u);
        let major = match s {
            None => {
                t.missing.push(format!("{ptr}/chemicals"));
                T::Unknown
            }
            Some(s) => {
                t.fact(&format!("derived:S({ptr})"), &serde_json::json!(s));
                of(s >= 1.0)
            }
        };
        applies = or(applies, major);
        if major == T::False {
            continue;
        }
        let flag = |t: &mut Trace, key: &str| match t
            .get(u, &ptr, &["major_hazard", key])
            .and_then(Value::as_bool)
        {
            None => T::Unknown,
            Some(b) => of(b),
        };
        let done = and(flag(&mut t, "registered"), flag(&mut t, "filed"));
        if major == T::True && done == T::False {
            unregistered.extend(u.get("id").and_then(Value::as_str).map(str::to_string));
        }
        require = and(require, or(not(major), done));
    }
    Some(finding(
        &GB_MH_013,
        applies,
        require,
        || format!("重大危险源单元{}未登记建档或未备案", shown(&unregistered)),
        Some("重大危险源单元均已登记建档并备案".to_string()),
        t,
    ))
}

/// The hand-written rules, in rule-id order.
pub fn evaluate(r: &Value, as_of: Date, gb: &Gb18218) -> Vec<Finding> {
    [
        aq_024_2(r, as_of),
        aq_030(r, as_of),
        aq_030_r(r, as_of),
        aq_042(r, as_of),
        gb_mh_013(r, as_of, gb),
        ts_040(r, as_of),
        whp_039(r, as_of),
    ]
    .into_iter()
    .flatten()
    .collect()
}
