//! Seeded generator of realistic, valid enterprise records for tests and
//! benchmarks: a township's mix of categories (many restaurants, shops and
//! small factories, fewer hazardous-chemical firms), units with chemicals from
//! GB 18218 table 1 and table 2 classes, workers with certificates that are
//! valid, expired, `null` (none) or absent (unknown), and many optional fields
//! left out. The same seed always gives the same records.
//!
//! ```
//! use regkb::record::{validate_record, RecordGenerator, Schema};
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
//! let schema = Schema::load_dir(&dir).unwrap();
//! let mut g = RecordGenerator::new(7);
//! let a = g.next_record();
//! assert!(validate_record(&a, &schema).is_ok());
//! assert_eq!(a, RecordGenerator::new(7).next_record());
//! ```

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Map, Value, json};

use super::uscc::Uscc;

/// Substances with CAS, GB 18218 class (for those outside table 1), and a
/// typical quantity range in tonnes.
const CHEMICALS: &[Chemical] = &[
    (
        "液氯",
        Some("7782-50-5"),
        None,
        0.5,
        30.0,
        &["剧毒", "重点监管"],
    ),
    ("液氨", Some("7664-41-7"), None, 1.0, 40.0, &["重点监管"]),
    ("甲醇", Some("67-56-1"), None, 10.0, 800.0, &["重点监管"]),
    ("汽油", Some("86290-81-5"), None, 10.0, 300.0, &[]),
    ("柴油", None, Some("W5.4"), 10.0, 600.0, &[]),
    ("丙酮", Some("67-64-1"), None, 1.0, 200.0, &[]),
    ("甲苯", Some("108-88-3"), None, 5.0, 400.0, &["重点监管"]),
    ("苯", Some("71-43-2"), None, 1.0, 80.0, &["重点监管"]),
    ("乙醇", Some("64-17-5"), None, 1.0, 300.0, &[]),
    (
        "液化石油气",
        Some("68476-85-7"),
        None,
        0.5,
        60.0,
        &["重点监管"],
    ),
    ("环氧乙烷", Some("75-21-8"), None, 0.5, 20.0, &["重点监管"]),
    (
        "硝酸铵(含可燃物≤0.2%)",
        Some("6484-52-2"),
        None,
        5.0,
        80.0,
        &["易制爆"],
    ),
    (
        "硝酸钾",
        Some("7757-79-1"),
        Some("W9.2"),
        1.0,
        50.0,
        &["易制爆"],
    ),
    ("氰化钠", Some("143-33-9"), Some("J2"), 0.5, 20.0, &["剧毒"]),
    (
        "过氧化氢溶液",
        Some("7722-84-1"),
        Some("W9.2"),
        1.0,
        100.0,
        &["易制爆"],
    ),
    ("乙酸乙酯", Some("141-78-6"), Some("W5.3"), 1.0, 200.0, &[]),
];

const CATEGORIES: &[(&str, u32)] = &[
    ("餐饮", 20),
    ("商贸", 14),
    ("工贸", 24),
    ("危化经营", 10),
    ("危化使用", 5),
    ("危化生产", 4),
    ("化工", 3),
    ("建筑施工", 5),
    ("交通运输", 4),
    ("矿山", 1),
    ("金属冶炼", 2),
    ("烟花爆竹", 1),
    ("其他", 7),
];

const TOWNSHIPS: &[(&str, &str)] = &[
    ("海宁市", "袁花镇"),
    ("海宁市", "许村镇"),
    ("海盐县", "武原街道"),
    ("嘉善县", "姚庄镇"),
    ("南湖区", "凤桥镇"),
    ("秀洲区", "王江泾镇"),
    ("平湖市", "独山港镇"),
    ("桐乡市", "濮院镇"),
];

const JOBS: &[&str] = &[
    "焊接与热切割作业",
    "低压电工作业",
    "高压电工作业",
    "高处作业",
    "化工自动化控制仪表作业",
    "制冷与空调作业",
];

const EQUIPMENT: &[&str] = &[
    "压力容器",
    "锅炉",
    "起重机械",
    "电梯",
    "压力管道",
    "场（厂）内专用机动车辆",
];

/// Sets `key` of an object (does nothing to other values).
fn set(target: &mut Value, key: &str, value: Value) {
    if let Some(map) = target.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

/// One substance: name, CAS, GB 18218 class, quantity range (t), flags.
type Chemical = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    f64,
    f64,
    &'static [&'static str],
);

/// Deterministic generator of valid core v1 records (plus project fields).
#[derive(Debug, Clone)]
pub struct RecordGenerator {
    rng: fastrand::Rng,
    counter: u64,
    /// The day records are made "around": dates fall before and after it.
    pub around: Date,
}

impl RecordGenerator {
    pub fn new(seed: u64) -> Self {
        RecordGenerator {
            rng: fastrand::Rng::with_seed(seed),
            counter: 0,
            around: jiff::civil::date(2026, 11, 28),
        }
    }

    /// The next record.
    pub fn next_record(&mut self) -> Value {
        self.counter += 1;
        let category = self.weighted(CATEGORIES);
        let hazchem = category.starts_with("危化") || category == "化工";
        let mut r = Map::new();
        r.insert("uscc".into(), json!(self.uscc()));
        r.insert("name".into(), json!(format!("测试企业{:06}", self.counter)));
        let (county, township) = self.pick(TOWNSHIPS);
        r.insert(
            "region".into(),
            json!({"province": "浙江省", "city": "嘉兴市", "county": county, "township": township}),
        );
        self.maybe(&mut r, 0.95, "category", json!(category));
        let employees = match category {
            "餐饮" | "商贸" => self.rng.u32(2..60),
            "危化生产" | "化工" | "金属冶炼" => self.rng.u32(40..900),
            _ => self.rng.u32(5..400),
        };
        self.maybe(&mut r, 0.9, "employees", json!(employees));
        if hazchem {
            let acts: &[&str] = match category {
                "危化生产" | "化工" => &["生产", "储存", "使用"],
                "危化经营" => &["经营", "储存", "装卸"],
                _ => &["使用", "储存"],
            };
            let n = self.rng.usize(1..=acts.len());
            let list: Vec<&str> = acts.iter().take(n).copied().collect();
            r.insert("hazchem_activities".into(), json!(list));
            let park = self.rng.bool();
            self.maybe(&mut r, 0.8, "in_chemical_park", json!(park));
        }
        let full = if employees > 100 || hazchem {
            self.rng.u32(0..6)
        } else {
            self.rng.u32(0..2)
        };
        let org = json!({
            "has_department": self.chance(if employees > 100 { 0.8 } else { 0.3 }),
            "full_time_officers": full,
            "part_time_officers": self.rng.u32(0..3),
            "registered_safety_engineers": self.rng.u32(0..3),
        });
        let org = self.thin(org, 0.15);
        self.maybe(&mut r, 0.85, "safety_org", org);
        if hazchem || category == "矿山" || category == "烟花爆竹" {
            let kind = match category {
                "危化经营" => "危险化学品经营许可证",
                "危化使用" => "危险化学品安全使用许可证",
                "危化生产" | "化工" => "危险化学品安全生产许可证",
                _ => "安全生产许可证",
            };
            let issued = self.date_within(-4 * 365, -30);
            let expires = issued.saturating_add(3.years()).saturating_sub(1.day());
            let n = self.rng.u32(1000..9999);
            let lic = json!([{"kind": kind, "number": format!("测试许可[2024]{n}"),
                              "issued": issued.to_string(), "expires": expires.to_string()}]);
            self.maybe(&mut r, 0.85, "licences", lic);
        }
        let people = self.people();
        self.maybe(&mut r, 0.8, "people", people);
        if !matches!(category, "餐饮" | "商贸") || self.chance(0.2) {
            let workers = self.workers();
            self.maybe(&mut r, 0.85, "special_workers", workers);
        }
        if hazchem {
            let last = if self.chance(0.05) {
                Value::Null
            } else {
                json!(self.date_within(-5 * 365, -10).to_string())
            };
            self.maybe(
                &mut r,
                0.85,
                "safety_assessment",
                json!({"last_date": last, "agency": "某安全评价有限公司"}),
            );
        }
        let plan = self.emergency_plan();
        self.maybe(&mut r, 0.8, "emergency_plan", plan);
        let premises = json!({
            "dormitory_in_hazard_building": self.chance(0.04),
            "exits_blocked": self.chance(0.08),
        });
        let premises = self.thin(premises, 0.2);
        self.maybe(&mut r, 0.8, "premises", premises);
        if category == "餐饮" || self.chance(0.1) {
            let uses = category == "餐饮" || self.chance(0.5);
            let alarm = if !uses || self.chance(0.25) {
                Value::Null
            } else {
                json!(self.chance(0.85))
            };
            let mut gas = json!({"uses_gas": uses, "gas_alarm": alarm});
            if uses && self.chance(0.7) {
                let lpg = self.chance(0.6);
                set(
                    &mut gas,
                    "kind",
                    json!(if lpg {
                        "液化石油气"
                    } else {
                        "管道天然气"
                    }),
                );
                if lpg {
                    set(&mut gas, "cylinders", json!(self.rng.u32(1..12)));
                }
                set(&mut gas, "auto_shutoff", json!(self.chance(0.6)));
            }
            let gas = self.thin(gas, 0.1);
            r.insert("gas_use".into(), gas);
        }
        let units = if hazchem { self.units() } else { Vec::new() };
        let has_flagged = units.iter().any(|u| {
            u["chemicals"].as_array().is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("flags").is_some_and(|f| {
                        f.as_array()
                            .is_some_and(|f| f.iter().any(|x| x == "剧毒" || x == "易制爆"))
                    })
                })
            })
        });
        if has_flagged || (hazchem && self.chance(0.3)) {
            let sec = json!({"has_security_unit": self.chance(0.7), "full_time_guards": self.rng.u32(0..4)});
            self.maybe(&mut r, 0.85, "security", sec);
        }
        if !units.is_empty() {
            r.insert("units".into(), Value::Array(units));
        }
        if !matches!(category, "餐饮" | "商贸") {
            let n = self.rng.usize(0..4);
            let eq: Vec<Value> = (0..n)
                .map(|_| {
                    let v = json!({"kind": self.pick(EQUIPMENT), "registered": self.chance(0.9),
                           "next_inspection": self.date_within(-200, 400).to_string()});
                    self.thin(v, 0.1)
                })
                .collect();
            self.maybe(&mut r, 0.8, "special_equipment", json!(eq));
        }
        let ins = json!({"work_injury": self.chance(0.9), "safety_liability": self.chance(0.6)});
        let ins = self.thin(ins, 0.2);
        self.maybe(&mut r, 0.75, "insurance", ins);
        let dp =
            json!({"risk_grading": self.chance(0.7), "hazard_investigation": self.chance(0.75)});
        let dp = self.thin(dp, 0.2);
        self.maybe(&mut r, 0.7, "dual_prevention", dp);
        let hd = self.hidden_dangers();
        self.maybe(&mut r, 0.6, "hidden_dangers", hd);
        if category == "工贸" && self.chance(0.35) {
            let dust = json!({
                "combustible": true,
                "kinds": [self.pick(&["金属", "木质", "粮食农产品", "纺织纤维"])],
                "workers_in_zone": self.rng.u32(1..40),
                "non_frame_multistorey": self.chance(0.1),
                "gathering_rooms_in_zone": self.chance(0.1),
                "explosion_protection": self.chance(0.8),
                "cleaning_routine": self.chance(0.8),
            });
            let dust = self.thin(dust, 0.15);
            r.insert("dust".into(), dust);
        }
        if category == "工贸" && self.chance(0.08) {
            r.insert(
                "ammonia_refrigeration".into(),
                json!({"uses_ammonia": true, "charge_t": self.quantity(1.0, 30.0),
                       "workshop_separated": self.chance(0.8)}),
            );
        }
        Value::Object(r)
    }

    fn uscc(&mut self) -> String {
        const BODY: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        let mut s = String::from("913304");
        for _ in 0..11 {
            let i = self.rng.usize(0..BODY.len());
            s.push(BODY.chars().nth(i).unwrap_or('0'));
        }
        Uscc::with_check_char(&s).map_or(s, |u| u.to_string())
    }

    fn people(&mut self) -> Value {
        let mut out = Vec::new();
        for role in ["主要负责人", "安全生产管理人员"] {
            if self.chance(0.85) {
                let certs = if self.chance(0.8) {
                    json!([{"kind": "安全生产知识和管理能力考核合格证",
                            "expires": self.date_within(-300, 3 * 365).to_string()}])
                } else {
                    json!([])
                };
                let p = json!({"name": "某某", "role": role, "certificates": certs});
                out.push(self.thin(p, 0.1));
            }
        }
        Value::Array(out)
    }

    fn workers(&mut self) -> Value {
        let n = self.rng.usize(0..6);
        let mut out = Vec::new();
        for _ in 0..n {
            let mut w = json!({"name": "某某", "job": self.pick(JOBS)});
            let roll = self.rng.f64();
            if roll < 0.08 {
                set(&mut w, "certificate", Value::Null);
            } else if roll < 0.9 {
                let expires = self.date_within(-200, 6 * 365);
                let review = expires.saturating_sub(3.years());
                set(
                    &mut w,
                    "certificate",
                    json!({"number": format!("T{:017}", self.rng.u64(..10u64.pow(17))),
                                          "expires": expires.to_string(), "next_review": review.to_string()}),
                );
            }
            out.push(w);
        }
        Value::Array(out)
    }

    fn emergency_plan(&mut self) -> Value {
        let exists = self.chance(0.85);
        let mut plan = json!({"exists": exists});
        if exists {
            let filed = self.chance(0.75);
            set(&mut plan, "filed", json!(filed));
            if filed {
                set(
                    &mut plan,
                    "filed_date",
                    json!(self.date_within(-4 * 365, -1).to_string()),
                );
            }
            let n = self.rng.usize(0..3);
            let drills: Vec<Value> = (0..n)
                .map(|_| {
                    json!({"date": self.date_within(-2 * 365, -1).to_string(),
                           "kind": self.pick(&["综合演练", "专项演练", "现场处置方案演练"])})
                })
                .collect();
            set(&mut plan, "drills", json!(drills));
        }
        self.thin(plan, 0.1)
    }

    fn units(&mut self) -> Vec<Value> {
        let n = self.rng.usize(1..4);
        (0..n)
            .map(|i| {
                let storage = self.chance(0.6);
                let kind = if storage { "储存单元" } else { "生产单元" };
                let id = format!("{}{}", if storage { "罐区" } else { "装置" }, i + 1);
                let count = self.rng.usize(1..4);
                let chems: Vec<Value> = (0..count).map(|_| self.chemical()).collect();
                let mut unit = json!({
                    "id": id, "kind": kind,
                    "population_500m": self.population(),
                    "key_process": !storage && self.chance(0.3),
                    "chemicals": chems,
                    "controls": {
                        "automation": self.chance(0.8), "sis": self.chance(0.6),
                        "emergency_cutoff": self.chance(0.8), "gas_detection": self.chance(0.85),
                        "video": self.chance(0.9), "online_monitoring": self.chance(0.6),
                    },
                });
                if self.chance(0.7) {
                    let last = if self.chance(0.1) {
                        Value::Null
                    } else {
                        json!(self.date_within(-5 * 365, -10).to_string())
                    };
                    set(&mut unit, "major_hazard", json!({"registered": self.chance(0.8),
                                                  "last_assessment": last, "filed": self.chance(0.75)}));
                }
                // keep `id` (required); thin the rest
                let mut thinned = self.thin(unit, 0.12);
                set(&mut thinned, "id", json!(format!("{}{}", if storage { "罐区" } else { "装置" }, i + 1)));
                thinned
            })
            .collect()
    }

    fn chemical(&mut self) -> Value {
        let (name, cas, class, lo, hi, flags) = self.pick(CHEMICALS);
        let mut c = json!({"name": name, "max_quantity_t": self.quantity(lo, hi)});
        if let Some(cas) = cas
            && self.chance(0.8)
        {
            set(&mut c, "cas", json!(cas));
        }
        if let Some(class) = class {
            set(&mut c, "gb18218_class", json!(class));
        }
        if !flags.is_empty() && self.chance(0.9) {
            set(&mut c, "flags", json!(flags));
        }
        if self.chance(0.05) {
            // design maximum not known
            if let Some(m) = c.as_object_mut() {
                m.remove("max_quantity_t");
            }
        }
        c
    }

    fn population(&mut self) -> u32 {
        match self.rng.u32(0..10) {
            0 => 0,
            1..=3 => self.rng.u32(1..30),
            4..=5 => self.rng.u32(30..100),
            _ => self.rng.u32(100..3000),
        }
    }

    fn hidden_dangers(&mut self) -> Value {
        let n = self.rng.usize(0..4);
        let out: Vec<Value> = (0..n)
            .map(|i| {
                let found = self.date_within(-365, -5);
                let deadline = found.saturating_add(self.rng.i64(7..90).days());
                let v = json!({"id": format!("HD-{}-{:03}", found.year(), i + 1),
                       "level": if self.chance(0.1) { "重大" } else { "一般" },
                       "found": found.to_string(), "deadline": deadline.to_string(),
                       "status": self.pick(&["待整改", "整改中", "待验收", "已销号"]),
                       "reported": self.chance(0.7)});
                self.thin(v, 0.05)
            })
            .collect();
        Value::Array(out)
    }

    fn quantity(&mut self, lo: f64, hi: f64) -> f64 {
        let q = lo + (hi - lo) * self.rng.f64();
        (q * 10.0).round() / 10.0
    }

    fn date_within(&mut self, from_days: i64, to_days: i64) -> Date {
        let d = self.rng.i64(from_days..=to_days);
        self.around.saturating_add(d.days())
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn maybe(&mut self, r: &mut Map<String, Value>, p: f64, key: &str, v: Value) {
        if self.chance(p) {
            r.insert(key.to_string(), v);
        }
    }

    /// Drops each field of an object with probability `p` (unknown facts).
    fn thin(&mut self, v: Value, p: f64) -> Value {
        match v {
            Value::Object(m) => Value::Object(m.into_iter().filter(|_| !self.chance(p)).collect()),
            other => other,
        }
    }

    fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let i = self.rng.usize(0..items.len().max(1));
        items.get(i).copied().unwrap_or_default()
    }

    fn weighted(&mut self, items: &[(&'static str, u32)]) -> &'static str {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.u32(0..total.max(1));
        for (name, w) in items {
            if roll < *w {
                return name;
            }
            roll -= w;
        }
        "其他"
    }
}

impl Iterator for RecordGenerator {
    type Item = Value;
    fn next(&mut self) -> Option<Value> {
        Some(self.next_record())
    }
}
