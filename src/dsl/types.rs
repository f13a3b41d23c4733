//! The checker's types: what a value in a rule is (a date, a quantity in t, a
//! list of special workers, …), with physical dimensions for units and two
//! kinds of durations that never compare with each other.
//!
//! ```
//! use regkb::dsl::types::{Dim, Ty};
//! assert!(Dim::Mass.compatible(Dim::Free));
//! assert!(!Dim::Mass.compatible(Dim::Length));
//! assert_eq!(Ty::Date.describe(), "日期");
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::record::{FieldType, Unit};

/// Physical dimension of a number. `Free` numbers (written without a unit,
/// or fields without one) combine with any dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Free,
    Mass,
    Length,
    Volume,
    Persons,
}

impl Dim {
    pub fn compatible(self, other: Dim) -> bool {
        self == other || self == Dim::Free || other == Dim::Free
    }

    /// The more specific of two compatible dimensions.
    pub fn meet(self, other: Dim) -> Dim {
        if self == Dim::Free { other } else { self }
    }

    pub fn unit_word(self) -> &'static str {
        match self {
            Dim::Free => "",
            Dim::Mass => "t",
            Dim::Length => "m",
            Dim::Volume => "m³",
            Dim::Persons => "人",
        }
    }

    /// The Chinese unit used in explanations (`3吨`).
    pub fn unit_zh(self) -> &'static str {
        match self {
            Dim::Free => "",
            Dim::Mass => "吨",
            Dim::Length => "米",
            Dim::Volume => "立方米",
            Dim::Persons => "人",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Dim::Free => "数值",
            Dim::Mass => "质量（t、kg）",
            Dim::Length => "长度（m）",
            Dim::Volume => "体积（m³）",
            Dim::Persons => "人数（人）",
        }
    }
}

/// Dimension and factor to the base unit (t, m, m³, 人).
pub fn unit_dim(unit: Unit) -> (Dim, f64) {
    match unit {
        Unit::Tonne => (Dim::Mass, 1.0),
        Unit::Kilogram => (Dim::Mass, 0.001),
        Unit::Metre => (Dim::Length, 1.0),
        Unit::CubicMetre => (Dim::Volume, 1.0),
        Unit::Person => (Dim::Persons, 1.0),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurKind {
    Days,
    /// Months and years (a year is twelve months).
    Months,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Bool,
    Num {
        dim: Dim,
        integer: bool,
    },
    Str,
    Enum(Arc<Vec<String>>),
    Date,
    Dur(DurKind),
    List(Box<Ty>),
    Record(Arc<BTreeMap<String, FieldType>>),
    /// A row of the data table with this index.
    Row(usize, Arc<str>),
    /// The literal `none`.
    None,
}

impl Ty {
    pub fn from_field(ft: &FieldType) -> (Ty, f64) {
        match ft {
            FieldType::Integer { unit, .. } | FieldType::Number { unit, .. } => {
                let (dim, scale) = unit.map(unit_dim).unwrap_or((Dim::Free, 1.0));
                (
                    Ty::Num {
                        dim,
                        integer: matches!(ft, FieldType::Integer { .. }),
                    },
                    scale,
                )
            }
            FieldType::Bool => (Ty::Bool, 1.0),
            FieldType::String => (Ty::Str, 1.0),
            FieldType::Enum(v) => (Ty::Enum(Arc::new(v.clone())), 1.0),
            FieldType::Date => (Ty::Date, 1.0),
            FieldType::List(inner) => (Ty::List(Box::new(Ty::from_field(inner).0)), 1.0),
            FieldType::Record(m) => (Ty::Record(Arc::new(m.clone())), 1.0),
        }
    }

    pub fn num(dim: Dim) -> Ty {
        Ty::Num {
            dim,
            integer: false,
        }
    }

    pub fn is_textual(&self) -> bool {
        matches!(self, Ty::Str | Ty::Enum(_))
    }

    /// Plain words for messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::Bool => "是非值（true 或 false）".into(),
            Ty::Num { dim, integer } => {
                if *integer && *dim == Dim::Free {
                    "整数".into()
                } else {
                    dim.describe().into()
                }
            }
            Ty::Str => "文字".into(),
            Ty::Enum(v) => match v.get(..3) {
                Some(first) if v.len() > 4 => {
                    format!("取值之一（{} 等 {} 种）", first.join("、"), v.len())
                }
                _ => format!("取值之一（{}）", v.join("、")),
            },
            Ty::Date => "日期".into(),
            Ty::Dur(DurKind::Days) => "天数".into(),
            Ty::Dur(DurKind::Months) => "月数或年数".into(),
            Ty::List(inner) => format!("列表（每一项是{}）", inner.describe()),
            Ty::Record(_) => "一组字段".into(),
            Ty::Row(_, name) => format!("表 `{name}` 的一行"),
            Ty::None => "`none`（无）".into(),
        }
    }
}
