//! Hidden dangers in the record store: creation, listing filters, the closed
//! loop with its audit trail, refusals that write nothing, durability.

use regkb::danger::{Action, DangerError, Level, NewDanger, Source, State, TransitionRequest};
use regkb::store::{Actor, DangerFilter, Store, StoreError};

use crate::support::{regkb_in, temp_store, unwrapped};

const A: &str = "91330481MA2B00000Y";
const B: &str = "91330481MA2C10002D";

fn new(uscc: &str, township: &str, level: Level, deadline: &str) -> NewDanger {
    NewDanger {
        uscc: uscc.parse().unwrap(),
        township: Some(township.into()),
        level,
        title: "测试隐患".into(),
        source: Source::Rule {
            rule_id: "test.rule".into(),
            explanation: "测试说明".into(),
            citations: vec!["测试办法 第一条".into()],
        },
        found_by: "检查员甲".into(),
        owner: "责任人乙".into(),
        deadline: deadline.parse().unwrap(),
        measures: None,
        funds: None,
        rectification_plan: None,
        visit: None,
    }
}

fn req(action: Action, by: &str) -> TransitionRequest {
    TransitionRequest::new(action, by, "2026-11-05T08:00:00Z".parse().unwrap())
}

fn inspector() -> Actor {
    Actor::department("应急管理局")
}

#[test]
fn create_get_and_list_filters() {
    let (_dir, store) = temp_store();
    let by = inspector();
    let d1 = store
        .create_danger(&new(A, "甲镇", Level::Major, "2026-12-01"), &by)
        .unwrap();
    let d2 = store
        .create_danger(&new(B, "乙镇", Level::General, "2027-06-01"), &by)
        .unwrap();
    let d3 = store
        .create_danger(&new(A, "甲镇", Level::General, "2027-06-01"), &by)
        .unwrap();
    assert_eq!((d1.id, d2.id, d3.id), (1, 2, 3));
    assert_eq!(d1.state, State::Pending);
    assert_eq!(store.danger(2).unwrap().unwrap(), d2);
    assert_eq!(store.danger(99).unwrap(), None);
    store
        .transition_danger(3, &req(Action::Start, "责任人乙"), &by)
        .unwrap();

    for (filter, expect) in [
        (DangerFilter::default(), vec![1, 2, 3]),
        (
            DangerFilter {
                uscc: Some(A.parse().unwrap()),
                ..Default::default()
            },
            vec![1, 3],
        ),
        (
            DangerFilter {
                township: Some("乙镇".into()),
                ..Default::default()
            },
            vec![2],
        ),
        (
            DangerFilter {
                state: Some(State::InProgress),
                ..Default::default()
            },
            vec![3],
        ),
        (
            DangerFilter {
                overdue_on: Some("2027-01-01".parse().unwrap()),
                ..Default::default()
            },
            vec![1],
        ),
        (
            DangerFilter {
                township: Some("甲镇".into()),
                state: Some(State::Pending),
                ..Default::default()
            },
            vec![1],
        ),
    ] {
        check_list(&store, &filter, &expect);
    }
}

#[test]
fn closed_loop_is_audited_step_by_step() {
    let (_dir, store) = temp_store();
    let by = inspector();
    let d = store
        .create_danger(&new(A, "甲镇", Level::Major, "2026-12-01"), &by)
        .unwrap();
    let steps = [
        req(Action::Start, "责任人乙").plan("整改方案"),
        req(Action::Submit, "责任人乙").measures("已清理"),
        req(Action::Reject, "验收人丙").note("未彻底"),
        req(Action::Submit, "责任人乙"),
        req(Action::Accept, "验收人丙").note("验收合格"),
    ];
    for step in &steps {
        store.transition_danger(d.id, step, &by).unwrap();
    }
    let done = store.danger(d.id).unwrap().unwrap();
    assert_eq!(done.state, State::Closed);
    assert_eq!(done.history.len(), 5);
    // a closed danger is never overdue
    assert!(!done.is_overdue("2030-01-01".parse().unwrap()));

    let audit = store.audit_log(10, 0).unwrap();
    assert_eq!(audit.len(), 6);
    let last = &audit[0];
    assert_eq!(last.action, "danger.transition");
    assert_eq!(last.target, A);
    assert_eq!(last.actor, by);
    assert_eq!(last.detail["from"], "待验收");
    assert_eq!(last.detail["to"], "已销号");
    assert_eq!(last.detail["by"], "验收人丙");
    assert_eq!(last.detail["note"], "验收合格");
    assert_eq!(audit[2].detail["action"], "reject");
    assert_eq!(audit[5].action, "danger.create");
}

#[test]
fn refusals_write_nothing() {
    let (_dir, store) = temp_store();
    let by = inspector();
    let d = store
        .create_danger(&new(A, "甲镇", Level::Major, "2026-12-01"), &by)
        .unwrap();
    let before = store.audit_log(10, 0).unwrap().len();

    // illegal: 待整改 cannot be accepted
    let e = store
        .transition_danger(d.id, &req(Action::Accept, "验收人丙").note("好"), &by)
        .unwrap_err();
    assert!(matches!(
        e,
        StoreError::Danger(DangerError::Illegal {
            from: State::Pending,
            action: Action::Accept
        })
    ));
    assert!(e.to_string().contains("待整改"), "{e}");
    // 重大 without a plan cannot start
    let e = store
        .transition_danger(d.id, &req(Action::Start, "责任人乙"), &by)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "开始整改缺少必填项：整改方案（`rectification_plan`）"
    );
    // unknown id
    let e = store
        .transition_danger(42, &req(Action::Start, "责任人乙"), &by)
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
    // blank required fields on creation
    let mut blank = new(B, "乙镇", Level::General, "2026-12-01");
    blank.owner = " ".into();
    blank.title = String::new();
    let e = store.create_danger(&blank, &by).unwrap_err();
    assert!(matches!(
        &e,
        StoreError::Danger(DangerError::Incomplete { fields }) if fields == &["title", "owner"]
    ));

    assert_eq!(store.audit_log(10, 0).unwrap().len(), before);
    assert_eq!(store.danger(d.id).unwrap().unwrap(), d);
    assert_eq!(store.dangers(&DangerFilter::default()).unwrap().len(), 1);
}

#[test]
fn dangers_survive_reopening() {
    let (dir, store) = temp_store();
    let by = inspector();
    let d = store
        .create_danger(&new(A, "甲镇", Level::General, "2026-12-01"), &by)
        .unwrap();
    store
        .transition_danger(d.id, &req(Action::Start, "责任人乙"), &by)
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let back = store.danger(d.id).unwrap().unwrap();
    assert_eq!(back.state, State::InProgress);
    // ids keep counting after a reopen
    let next = store
        .create_danger(&new(B, "乙镇", Level::General, "2026-12-01"), &by)
        .unwrap();
    assert!(next.id > d.id);
}

#[test]
fn cli_lists_shows_and_moves_dangers() {
    let dir = tempfile::tempdir().unwrap();
    let data = regkb::config::DataDir::new(dir.path());
    {
        let store = Store::open(&data.store_dir()).unwrap();
        store
            .create_danger(&new(A, "甲镇", Level::Major, "2000-01-01"), &inspector())
            .unwrap();
        store
            .create_danger(&new(B, "乙镇", Level::General, "2999-01-01"), &inspector())
            .unwrap();
    }
    let run = |args: &[&str]| regkb_in(dir.path()).args(args).output().unwrap();

    let out = run(&["dangers", "list", "--township", "甲镇"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("重大") && text.contains("待整改") && text.contains("（已逾期）"),
        "{text}"
    );

    // 重大 without a plan is refused, naming the field
    let out = run(&["dangers", "transition", "1", "start", "--by", "责任人乙"]);
    assert!(!out.status.success());
    assert!(unwrapped(&out.stderr).contains("rectification_plan"));
    // an illegal transition names both states
    let out = run(&[
        "dangers",
        "transition",
        "1",
        "accept",
        "--by",
        "验收人丙",
        "--note",
        "好",
    ]);
    assert!(!out.status.success());
    let err = unwrapped(&out.stderr);
    assert!(err.contains("待整改") && err.contains("已销号"), "{err}");
    let out = run(&[
        "dangers",
        "transition",
        "1",
        "start",
        "--by",
        "责任人乙",
        "--plan",
        "方案",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&["dangers", "list", "--state", "整改中", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], 1);
    let out = run(&["dangers", "show", "1"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["history"][0]["to"], "整改中");
    assert_eq!(shown["rectification_plan"], "方案");
    let out = run(&["dangers", "show", "9"]);
    assert!(!out.status.success());
    assert!(unwrapped(&out.stderr).contains("找不到编号为`9`的隐患"));
}

fn check_list(store: &Store, filter: &DangerFilter, expect: &[u64]) {
    let ids: Vec<u64> = store
        .dangers(filter)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, expect, "{filter:?}");
}
