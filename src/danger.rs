//! The hidden-danger (事故隐患) closed loop: a [`HiddenDanger`] found on a
//! visit or from a failed rule, and the state machine it walks through —
//! 待整改 → 整改中 → 待验收 → 已销号, with 驳回 sending it from 待验收 back
//! to 整改中. Pure core: no I/O; the store persists dangers and audits every
//! transition.
//!
//! ```
//! use regkb::danger::{Action, HiddenDanger, Level, Source, State, TransitionRequest};
//! let deadline: jiff::civil::Date = "2026-12-31".parse().unwrap();
//! let mut d = HiddenDanger::new(
//!     1, "91330481MA2B00000Y".parse().unwrap(), None, Level::General, "消防通道堵塞",
//!     Source::Inspector { text: "现场发现".into() }, "2026-11-01T08:00:00Z".parse().unwrap(),
//!     "张三", "李四", deadline,
//! );
//! let at = "2026-11-02T08:00:00Z".parse().unwrap();
//! d.apply(&TransitionRequest::new(Action::Start, "李四", at)).unwrap();
//! assert_eq!(d.state, State::InProgress);
//! assert!(d.is_overdue("2027-01-01".parse().unwrap()));
//! ```

use serde::{Deserialize, Serialize};

use crate::record::Uscc;

/// A hidden danger's number, given by the store (1, 2, …).
pub type DangerId = u64;

/// 一般 or 重大 事故隐患.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "一般")]
    General,
    #[serde(rename = "重大")]
    Major,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::General => "一般",
            Level::Major => "重大",
        }
    }
}

/// Where a hidden danger is in its closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    #[serde(rename = "待整改")]
    Pending,
    #[serde(rename = "整改中")]
    InProgress,
    #[serde(rename = "待验收")]
    AwaitingAcceptance,
    #[serde(rename = "已销号")]
    Closed,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Pending,
        State::InProgress,
        State::AwaitingAcceptance,
        State::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            State::Pending => "待整改",
            State::InProgress => "整改中",
            State::AwaitingAcceptance => "待验收",
            State::Closed => "已销号",
        }
    }
}

impl std::str::FromStr for State {
    type Err = DangerError;
    fn from_str(s: &str) -> Result<State, DangerError> {
        State::ALL
            .into_iter()
            .find(|st| st.label() == s)
            .ok_or_else(|| DangerError::UnknownState(s.to_string()))
    }
}

/// What a person does to a hidden danger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 开始整改: 待整改 → 整改中.
    Start,
    /// 提交验收: 整改中 → 待验收.
    Submit,
    /// 销号: 待验收 → 已销号.
    Accept,
    /// 驳回: 待验收 → 整改中.
    Reject,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Start,
        Action::Submit,
        Action::Accept,
        Action::Reject,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Action::Start => "开始整改",
            Action::Submit => "提交验收",
            Action::Accept => "销号",
            Action::Reject => "驳回",
        }
    }

    /// The state this action leads to.
    pub fn target(self) -> State {
        match self {
            Action::Start | Action::Reject => State::InProgress,
            Action::Submit => State::AwaitingAcceptance,
            Action::Accept => State::Closed,
        }
    }

    /// The only state this action may start from.
    pub fn from_state(self) -> State {
        match self {
            Action::Start => State::Pending,
            Action::Submit => State::InProgress,
            Action::Accept | Action::Reject => State::AwaitingAcceptance,
        }
    }
}

impl std::str::FromStr for Action {
    type Err = DangerError;
    /// `start`, `submit`, `accept`, `reject` or their Chinese labels.
    fn from_str(s: &str) -> Result<Action, DangerError> {
        Action::ALL
            .into_iter()
            .find(|a| a.label() == s || a.code() == s)
            .ok_or_else(|| DangerError::UnknownAction(s.to_string()))
    }
}

impl Action {
    /// The wire name (`start`, …).
    pub fn code(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Submit => "submit",
            Action::Accept => "accept",
            Action::Reject => "reject",
        }
    }
}

/// Where a hidden danger came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A failed rule of a check: its id, the finding's explanation, the
    /// clauses it cites.
    Rule {
        rule_id: String,
        explanation: String,
        citations: Vec<String>,
    },
    /// What an inspector wrote down on site.
    Inspector { text: String },
}

/// One transition as recorded in the danger's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub action: Action,
    pub from: State,
    pub to: State,
    pub by: String,
    pub at: jiff::Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A 事故隐患 and its closed loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiddenDanger {
    pub id: DangerId,
    pub uscc: Uscc,
    /// The enterprise's township when the danger was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    pub level: Level,
    pub title: String,
    pub source: Source,
    pub found_at: jiff::Timestamp,
    pub found_by: String,
    /// Who answers for the rectification (整改责任人).
    pub owner: String,
    pub deadline: jiff::civil::Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    /// 整改资金, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds: Option<f64>,
    /// 整改方案; a 重大 danger cannot leave 待整改 without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectification_plan: Option<String>,
    /// The on-site visit that registered the danger, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<crate::visit::VisitId>,
    pub state: State,
    pub history: Vec<Transition>,
}

/// A request to move a danger on; optional fields fill the danger's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionRequest {
    pub action: Action,
    pub by: String,
    pub at: jiff::Timestamp,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub rectification_plan: Option<String>,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub funds: Option<f64>,
}

impl TransitionRequest {
    pub fn new(action: Action, by: impl Into<String>, at: jiff::Timestamp) -> TransitionRequest {
        TransitionRequest {
            action,
            by: by.into(),
            at,
            note: None,
            rectification_plan: None,
            measures: None,
            funds: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.rectification_plan = Some(plan.into());
        self
    }

    pub fn measures(mut self, measures: impl Into<String>) -> Self {
        self.measures = Some(measures.into());
        self
    }
}

/// Why a hidden danger cannot be created or moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DangerError {
    /// Illegal transition (HTTP 409).
    #[error("不能从「{}」{}到「{}」：只有「{}」状态可以{}", from.label(), action.label(), action.target().label(), action.from_state().label(), action.label())]
    Illegal { from: State, action: Action },
    /// Required fields missing (HTTP 422); names the fields.
    #[error("{}缺少必填项：{}", action.label(), named(fields))]
    Missing {
        action: Action,
        fields: Vec<&'static str>,
    },
    /// The owner tried to accept their own rectification (HTTP 422).
    #[error("销号验收人 `{by}` 不能是整改责任人本人")]
    SelfAcceptance { by: String },
    /// A new danger lacks required fields (HTTP 422); names them.
    #[error("登记隐患缺少必填项：{}", named(fields))]
    Incomplete { fields: Vec<&'static str> },
    #[error(
        "未知的操作 `{0}`，应为 start（开始整改）、submit（提交验收）、accept（销号）或 reject（驳回）"
    )]
    UnknownAction(String),
    #[error("未知的隐患状态 `{0}`，应为 待整改、整改中、待验收 或 已销号")]
    UnknownState(String),
}

/// What a person gives to register a hidden danger; the store adds the id
/// and the time found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDanger {
    pub uscc: Uscc,
    #[serde(default)]
    pub township: Option<String>,
    pub level: Level,
    pub title: String,
    pub source: Source,
    pub found_by: String,
    pub owner: String,
    pub deadline: jiff::civil::Date,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub funds: Option<f64>,
    #[serde(default)]
    pub rectification_plan: Option<String>,
    /// The on-site visit registering the danger; set by the visit store
    /// (front ends creating a danger by hand leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<crate::visit::VisitId>,
}

impl NewDanger {
    /// The danger in 待整改, or the required fields that are blank.
    pub fn into_danger(
        self,
        id: DangerId,
        found_at: jiff::Timestamp,
    ) -> Result<HiddenDanger, DangerError> {
        let mut fields = Vec::new();
        for (name, value) in [
            ("title", &self.title),
            ("found_by", &self.found_by),
            ("owner", &self.owner),
        ] {
            if value.trim().is_empty() {
                fields.push(name);
            }
        }
        match &self.source {
            Source::Rule { rule_id, .. } if rule_id.trim().is_empty() => fields.push("rule_id"),
            Source::Inspector { text } if text.trim().is_empty() => fields.push("source"),
            _ => {}
        }
        if !fields.is_empty() {
            return Err(DangerError::Incomplete { fields });
        }
        let mut d = HiddenDanger::new(
            id,
            self.uscc,
            self.township,
            self.level,
            self.title,
            self.source,
            found_at,
            self.found_by,
            self.owner,
            self.deadline,
        );
        d.measures = self.measures.filter(|m| !m.trim().is_empty());
        d.funds = self.funds;
        d.rectification_plan = self.rectification_plan.filter(|p| !p.trim().is_empty());
        d.visit = self.visit;
        Ok(d)
    }
}

/// `整改方案（rectification_plan）、…`: the Chinese name of each field with
/// its wire name.
fn named(fields: &[&str]) -> String {
    let label = |f: &str| match f {
        "rectification_plan" => "整改方案",
        "measures" => "整改措施",
        "note" => "说明",
        "by" => "操作人",
        "title" => "隐患名称",
        "found_by" => "发现人",
        "owner" => "整改责任人",
        "rule_id" => "规则编号",
        "source" => "隐患描述",
        _ => "字段",
    };
    fields
        .iter()
        .map(|f| format!("{}（`{f}`）", label(f)))
        .collect::<Vec<_>>()
        .join("、")
}

fn filled(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

impl HiddenDanger {
    /// A new danger in 待整改 with an empty history.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: DangerId,
        uscc: Uscc,
        township: Option<String>,
        level: Level,
        title: impl Into<String>,
        source: Source,
        found_at: jiff::Timestamp,
        found_by: impl Into<String>,
        owner: impl Into<String>,
        deadline: jiff::civil::Date,
    ) -> HiddenDanger {
        HiddenDanger {
            id,
            uscc,
            township,
            level,
            title: title.into(),
            source,
            found_at,
            found_by: found_by.into(),
            owner: owner.into(),
            deadline,
            measures: None,
            funds: None,
            rectification_plan: None,
            visit: None,
            state: State::Pending,
            history: Vec::new(),
        }
    }

    /// Open (not 已销号) and past its deadline on `as_of`.
    pub fn is_overdue(&self, as_of: jiff::civil::Date) -> bool {
        self.state != State::Closed && as_of > self.deadline
    }

    /// Checks `req` against the state machine and the required fields and,
    /// when it is allowed, applies it (recording it in the history).
    /// Nothing changes on error.
    pub fn apply(&mut self, req: &TransitionRequest) -> Result<&Transition, DangerError> {
        let action = req.action;
        if self.state != action.from_state() {
            return Err(DangerError::Illegal {
                from: self.state,
                action,
            });
        }
        let mut missing = Vec::new();
        if req.by.trim().is_empty() {
            missing.push("by");
        }
        match action {
            Action::Start => {
                if self.level == Level::Major
                    && !filled(&req.rectification_plan)
                    && !filled(&self.rectification_plan)
                {
                    missing.push("rectification_plan");
                }
            }
            Action::Submit => {
                if !filled(&req.measures) && !filled(&self.measures) {
                    missing.push("measures");
                }
            }
            Action::Accept | Action::Reject => {
                if !filled(&req.note) {
                    missing.push("note");
                }
            }
        }
        if !missing.is_empty() {
            return Err(DangerError::Missing {
                action,
                fields: missing,
            });
        }
        if action == Action::Accept && req.by.trim() == self.owner.trim() {
            return Err(DangerError::SelfAcceptance { by: req.by.clone() });
        }
        if filled(&req.rectification_plan) {
            self.rectification_plan.clone_from(&req.rectification_plan);
        }
        if filled(&req.measures) {
            self.measures.clone_from(&req.measures);
        }
        if req.funds.is_some() {
            self.funds = req.funds;
        }
        let from = self.state;
        self.state = action.target();
        self.history.push(Transition {
            action,
            from,
            to: self.state,
            by: req.by.clone(),
            at: req.at,
            note: req.note.clone().filter(|n| !n.trim().is_empty()),
        });
        self.history
            .last()
            .ok_or(DangerError::Illegal { from, action })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn danger(level: Level, state: State) -> HiddenDanger {
        let mut d = HiddenDanger::new(
            7,
            "91330481MA2B00000Y".parse().unwrap(),
            Some("测试镇".into()),
            level,
            "测试隐患",
            Source::Inspector {
                text: "测试".into(),
            },
            "2026-11-01T08:00:00Z".parse().unwrap(),
            "检查员甲",
            "责任人乙",
            "2026-12-01".parse().unwrap(),
        );
        d.state = state;
        d
    }

    #[test]
    fn stored_dangers_without_a_visit_still_decode() {
        let d = danger(Level::General, State::Pending);
        let mut json = serde_json::to_value(&d).unwrap();
        assert!(json.get("visit").is_none());
        json["visit"] = serde_json::json!(4);
        let back: HiddenDanger = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.visit, Some(4));
        json.as_object_mut().unwrap().remove("visit");
        let old: HiddenDanger = serde_json::from_value(json).unwrap();
        assert_eq!(old, d);
    }

    /// A request carrying every field, by someone other than the owner.
    fn full(action: Action) -> TransitionRequest {
        TransitionRequest::new(action, "验收人丙", "2026-11-05T08:00:00Z".parse().unwrap())
            .note("说明")
            .plan("方案")
            .measures("措施")
    }

    const LEGAL: [(State, Action, State); 4] = [
        (State::Pending, Action::Start, State::InProgress),
        (State::InProgress, Action::Submit, State::AwaitingAcceptance),
        (State::AwaitingAcceptance, Action::Accept, State::Closed),
        (State::AwaitingAcceptance, Action::Reject, State::InProgress),
    ];

    #[test]
    fn every_state_action_pair() {
        let mut legal = 0;
        let mut illegal = 0;
        for level in [Level::General, Level::Major] {
            for from in State::ALL {
                for action in Action::ALL {
                    let expect = LEGAL
                        .iter()
                        .find(|(f, a, _)| *f == from && *a == action)
                        .map(|(_, _, to)| *to);
                    check(level, from, full(action), expect.ok_or(()));
                    if expect.is_some() {
                        legal += 1;
                    } else {
                        illegal += 1;
                    }
                }
            }
        }
        assert_eq!((legal, illegal), (8, 24));
    }

    #[test]
    fn illegal_message_names_from_and_to() {
        let mut d = danger(Level::General, State::Closed);
        let e = d.apply(&full(Action::Reject)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "不能从「已销号」驳回到「整改中」：只有「待验收」状态可以驳回"
        );
    }

    #[test]
    fn required_fields() {
        let at = "2026-11-05T08:00:00Z".parse().unwrap();
        let bare = |a| TransitionRequest::new(a, "验收人丙", at);
        check_missing(
            Level::Major,
            State::Pending,
            bare(Action::Start),
            &["rectification_plan"],
        );
        check(
            Level::General,
            State::Pending,
            bare(Action::Start),
            Ok(State::InProgress),
        );
        check_missing(
            Level::General,
            State::InProgress,
            bare(Action::Submit),
            &["measures"],
        );
        check_missing(
            Level::General,
            State::AwaitingAcceptance,
            bare(Action::Accept),
            &["note"],
        );
        check_missing(
            Level::General,
            State::AwaitingAcceptance,
            bare(Action::Reject),
            &["note"],
        );
        check_missing(
            Level::General,
            State::Pending,
            TransitionRequest::new(Action::Start, " ", at),
            &["by"],
        );
        // a plan stored earlier satisfies the 重大 requirement
        let mut d = danger(Level::Major, State::Pending);
        d.rectification_plan = Some("已有方案".into());
        d.apply(&bare(Action::Start)).unwrap();
        assert_eq!(d.state, State::InProgress);
    }

    #[test]
    fn owner_cannot_accept_own_work() {
        let mut d = danger(Level::General, State::AwaitingAcceptance);
        let mut req = full(Action::Accept);
        req.by = "责任人乙".into();
        assert_eq!(
            d.apply(&req).unwrap_err(),
            DangerError::SelfAcceptance {
                by: "责任人乙".into()
            }
        );
        assert_eq!(d.state, State::AwaitingAcceptance);
        assert!(d.history.is_empty());
    }

    #[test]
    fn full_loop_with_rejection_keeps_history() {
        let mut d = danger(Level::Major, State::Pending);
        for a in [
            Action::Start,
            Action::Submit,
            Action::Reject,
            Action::Submit,
            Action::Accept,
        ] {
            d.apply(&full(a)).unwrap();
        }
        assert_eq!(d.state, State::Closed);
        let path: Vec<_> = d.history.iter().map(|t| (t.from, t.to)).collect();
        assert_eq!(path.len(), 5);
        assert_eq!(path[2], (State::AwaitingAcceptance, State::InProgress));
        assert_eq!(d.rectification_plan.as_deref(), Some("方案"));
    }

    #[test]
    fn overdue() {
        let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        for (state, as_of, expect) in [
            (State::Pending, "2026-12-01", false),
            (State::Pending, "2026-12-02", true),
            (State::AwaitingAcceptance, "2027-03-01", true),
            (State::Closed, "2027-03-01", false),
        ] {
            let d = danger(Level::General, state);
            assert_eq!(d.is_overdue(day(as_of)), expect, "{state:?} on {as_of}");
        }
    }

    #[test]
    fn wire_form_is_chinese() {
        let d = danger(Level::Major, State::AwaitingAcceptance);
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["level"], "重大");
        assert_eq!(v["state"], "待验收");
        assert_eq!(v["source"]["kind"], "inspector");
        let back: HiddenDanger = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
        assert_eq!("整改中".parse::<State>().unwrap(), State::InProgress);
        assert!("完成".parse::<State>().is_err());
        for a in Action::ALL {
            assert_eq!(a.code().parse::<Action>().unwrap(), a);
            assert_eq!(a.label().parse::<Action>().unwrap(), a);
            assert_eq!(serde_json::to_value(a).unwrap(), a.code());
        }
        assert!("finish".parse::<Action>().is_err());
    }

    /// Applies `req` to a danger of `level` in `from`: `Ok(to)` expects that
    /// state and one history entry; `Err(())` expects an illegal-transition
    /// error and no change.
    fn check(level: Level, from: State, req: TransitionRequest, expect: Result<State, ()>) {
        let mut d = danger(level, from);
        let before = d.clone();
        let got = d.apply(&req).map(|t| t.to);
        match expect {
            Ok(to) => {
                assert_eq!(got, Ok(to), "{level:?} {from:?} {:?}", req.action);
                assert_eq!(d.state, to);
                assert_eq!(d.history.len(), 1);
                assert_eq!((d.history[0].from, d.history[0].to), (from, to));
            }
            Err(()) => {
                assert_eq!(
                    got,
                    Err(DangerError::Illegal {
                        from,
                        action: req.action
                    }),
                    "{level:?} {from:?} {:?}",
                    req.action
                );
                assert_eq!(d, before);
            }
        }
    }

    fn check_missing(level: Level, from: State, req: TransitionRequest, fields: &[&str]) {
        let mut d = danger(level, from);
        let before = d.clone();
        match d.apply(&req) {
            Err(DangerError::Missing { fields: got, .. }) => assert_eq!(got, fields),
            other => panic!("expected missing {fields:?}, got {other:?}"),
        }
        assert_eq!(d, before);
    }
}
