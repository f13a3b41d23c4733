//! Search over a small invented library: colloquial questions, synonyms,
//! citation queries, filters, status and as-of, snippets; and over the
//! LawRefBook samples in `../shared/corpus-samples/lawrefbook`.

use std::sync::LazyLock;

use jiff::civil::{Date, date};
use regkb::library::{Aliases, Library};
use regkb::search::{
    ResultCache, SearchIndex, SearchRequest, SearchResults, Vocabulary, build_index,
};
use regkb::statute::{
    Article, ArticleNo, DocId, DocKind, Document, Heading, HeadingLevel, Paragraph, ProvisionRef,
    Section, Status,
};

const TEST_LAW: &str = "中华人民共和国测试安全法";

fn doc(
    title: &str,
    kind: DocKind,
    version: Option<Date>,
    articles: &[(u32, u32, &str)],
) -> Document {
    Document {
        id: DocId::new(title, version),
        kind,
        title: title.to_string(),
        aliases: Vec::new(),
        issuer: None,
        region: None,
        promulgated: version,
        effective: version,
        version_date: version,
        repealed: None,
        declared_status: None,
        history: Vec::new(),
        preamble: Vec::new(),
        articles: articles
            .iter()
            .map(|&(number, sub, text)| Article {
                no: ArticleNo::with_sub(number, sub),
                headings: vec![Heading {
                    level: HeadingLevel::Chapter,
                    title: "第一章 测试".to_string(),
                }],
                paragraphs: text
                    .split('\n')
                    .map(|p| Paragraph {
                        text: p.to_string(),
                        items: Vec::new(),
                    })
                    .collect(),
            })
            .collect(),
        sections: Vec::new(),
        links: Vec::new(),
        rules: Vec::new(),
        source: "test".to_string(),
    }
}

/// Invented statutes: two versions of one law, a repealed rule, a local
/// regulation, a criminal provision with 之一, and an interpretation.
fn library() -> Library {
    let old = doc(
        TEST_LAW,
        DocKind::Law,
        Some(date(2010, 1, 1)),
        &[
            (
                5,
                0,
                "储存液化石油气钢瓶的单位，应当设置可燃气体报警装置（旧文）。",
            ),
            (
                24,
                0,
                "生产经营单位的主要负责人对本单位的测试工作负责（旧文）。",
            ),
        ],
    );
    let new = doc(
        TEST_LAW,
        DocKind::Law,
        Some(date(2020, 6, 1)),
        &[
            (
                5,
                0,
                "储存液化石油气钢瓶的单位，应当安装可燃气体报警装置，并定期检测。",
            ),
            (
                24,
                0,
                "生产经营单位的主要负责人对本单位安全生产工作全面负责。\n其他负责人对职责范围内的工作负责。",
            ),
            (
                30,
                0,
                "特种作业人员必须经专门的安全作业培训，取得相应资格，方可上岗作业。",
            ),
            (
                94,
                0,
                "主要负责人未履行安全生产管理职责的，责令限期改正，处二万元以上五万元以下的罚款。",
            ),
        ],
    );
    let mut repealed = doc(
        "测试仓储管理办法",
        DocKind::DepartmentalRule,
        Some(date(2001, 1, 1)),
        &[(1, 0, "危险化学品仓库应当安装监控设备（已废止的规定）。")],
    );
    repealed.repealed = Some(date(2015, 1, 1));
    let mut local = doc(
        "浙江省测试仓库条例",
        DocKind::LocalRegulation,
        Some(date(2018, 1, 1)),
        &[(3, 0, "危险化学品仓库应当设置视频监控和报警装置。")],
    );
    local.region = Some("浙江省".to_string());
    let criminal = doc(
        "中华人民共和国测试刑法",
        DocKind::Law,
        Some(date(2021, 3, 1)),
        &[
            (
                134,
                0,
                "在生产、作业中违反有关安全管理的规定的，处三年以下有期徒刑。",
            ),
            (
                134,
                1,
                "关闭直接关系生产安全的监控、报警设备的，处一年以下有期徒刑。",
            ),
        ],
    );
    let standard = doc(
        "测试辨识规则",
        DocKind::NormativeDocument,
        Some(date(2019, 1, 1)),
        &[(2, 0, "辨识按照GB 18218-2018进行，GB/T 33000-2016另行规定。")],
    );
    let mut note = doc(
        "解读：测试安全法第二十四条",
        DocKind::Interpretation,
        None,
        &[],
    );
    note.sections = vec![Section {
        title: "要求什么".to_string(),
        text: "老板是本单位安全生产第一责任人。".to_string(),
    }];
    note.links = vec![ProvisionRef {
        law: "测安法".to_string(),
        article: Some(ArticleNo::new(24)),
        paragraph: None,
        item: None,
    }];
    let aliases = Aliases::parse(
        "\"中华人民共和国测试安全法\" = [\"测安法\"]\n\"中华人民共和国测试刑法\" = [\"测刑法\"]\n",
        "aliases.toml",
    )
    .unwrap();
    Library::from_documents(
        vec![old, new, repealed, local, criminal, standard, note],
        &aliases,
    )
}

/// The repository's vocabulary plus the fixture's alias names (in a real
/// data directory both come from `corpus/aliases.toml`).
fn vocabulary() -> Vocabulary {
    let mut v = Vocabulary::load(&regkb::config::ContentPaths::default()).unwrap();
    v.alias_names
        .extend(["测安法".to_string(), "测刑法".to_string()]);
    v
}

struct Fixture {
    _dir: tempfile::TempDir,
    index: SearchIndex,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    build_index(&library(), &path, "test", &vocabulary()).unwrap();
    let index = SearchIndex::open(&path).unwrap();
    Fixture { _dir: dir, index }
});

fn search(req: SearchRequest) -> SearchResults {
    let mut req = req;
    if req.as_of.is_none() {
        req.as_of = Some(date(2026, 1, 1));
    }
    FIXTURE.index.search(&req).unwrap()
}

fn q(text: &str) -> SearchResults {
    search(SearchRequest::new(text))
}

fn citations(r: &SearchResults) -> Vec<String> {
    r.hits.iter().map(|h| h.citation.clone()).collect()
}

#[track_caller]
fn check_first(query: &str, expect: &str) {
    let r = q(query);
    let first = r
        .hits
        .first()
        .map(|h| h.citation.clone())
        .unwrap_or_default();
    assert_eq!(
        first,
        expect,
        "first hit for `{query}`; all: {:?}",
        citations(&r)
    );
}

#[test]
fn colloquial_questions_find_articles_through_synonyms() {
    check_first("煤气罐要装报警器吗", "《中华人民共和国测试安全法》第五条");
    check_first("电焊工没证能上岗吗", "《中华人民共和国测试安全法》第三十条");
    check_first(
        "老板不履行安全职责罚多少",
        "《中华人民共和国测试安全法》第九十四条",
    );
}

#[test]
fn citation_queries_rank_the_cited_article_first() {
    for query in [
        "测安法 24条",
        "测试安全法第二十四条",
        "《测试安全法》第二十四条",
        "中华人民共和国测试安全法第24条",
    ] {
        let r = q(query);
        let first = r.hits.first().unwrap();
        assert!(first.cited, "`{query}`");
        assert_eq!(
            first.citation, "《中华人民共和国测试安全法》第二十四条",
            "`{query}`"
        );
        assert_eq!(first.doc_id, "中华人民共和国测试安全法@2020-06-01");
    }
    check_first(
        "测刑法134条之一",
        "《中华人民共和国测试刑法》第一百三十四条之一",
    );
    let r = q("测安法第二十四条第二款");
    let first = r.hits.first().unwrap();
    assert_eq!(
        first.citation,
        "《中华人民共和国测试安全法》第二十四条第二款"
    );
    assert_eq!(first.snippet, "其他负责人对职责范围内的工作负责。");
    let missing = q("测安法第九百条");
    assert!(
        missing.notices.iter().any(|n| n.contains("没有第九百条")),
        "{:?}",
        missing.notices
    );
}

#[test]
fn default_view_hides_repealed_and_superseded_versions() {
    let r = q("危险化学品仓库监控");
    assert!(
        !r.hits.iter().any(|h| h.doc_title == "测试仓储管理办法"),
        "{:?}",
        citations(&r)
    );
    let r = q("液化石油气钢瓶");
    assert_eq!(r.hits.len(), 1, "{:?}", citations(&r));
    assert_eq!(r.hits[0].doc_id, "中华人民共和国测试安全法@2020-06-01");
    assert_eq!(r.hits[0].status, Status::InForce);

    let mut req = SearchRequest::new("危险化学品仓库监控");
    req.statuses = Some(vec![Status::Repealed]);
    let r = search(req);
    assert_eq!(citations(&r), ["《测试仓储管理办法》第一条"]);
    assert_eq!(r.hits[0].status, Status::Repealed);

    let mut req = SearchRequest::new("液化石油气钢瓶");
    req.statuses = Some(Status::ALL.to_vec());
    let r = search(req);
    let statuses: Vec<Status> = r.hits.iter().map(|h| h.status).collect();
    assert_eq!(r.hits.len(), 2);
    assert!(statuses.contains(&Status::Amended) && statuses.contains(&Status::InForce));
}

#[test]
fn as_of_picks_the_version_in_force_then() {
    let mut req = SearchRequest::new("液化石油气钢瓶");
    req.as_of = Some(date(2015, 1, 1));
    let r = search(req);
    assert_eq!(r.hits.len(), 1, "{:?}", citations(&r));
    assert_eq!(r.hits[0].doc_id, "中华人民共和国测试安全法@2010-01-01");
    assert_eq!(r.hits[0].status, Status::InForce);
    // the repealed rule was still in force in 2014
    let mut req = SearchRequest::new("危险化学品仓库监控");
    req.as_of = Some(date(2014, 6, 1));
    let r = search(req);
    assert!(
        r.hits.iter().any(|h| h.doc_title == "测试仓储管理办法"),
        "{:?}",
        citations(&r)
    );
    // a citation as of 2015 resolves to the old text
    let mut req = SearchRequest::new("测安法 24条");
    req.as_of = Some(date(2015, 1, 1));
    let r = search(req);
    assert!(r.hits[0].snippet.contains("旧文"), "{}", r.hits[0].snippet);
}

#[test]
fn filters_by_kind_and_region() {
    let mut req = SearchRequest::new("危险化学品仓库监控");
    req.kinds = vec![DocKind::LocalRegulation];
    let r = search(req);
    assert_eq!(citations(&r), ["《浙江省测试仓库条例》第三条"]);
    let mut req = SearchRequest::new("监控 报警");
    req.region = Some("浙江".to_string());
    let r = search(req);
    assert!(!r.hits.is_empty());
    assert!(r.hits.iter().all(|h| h.doc_title == "浙江省测试仓库条例"));
    let mut req = SearchRequest::new("危险化学品仓库监控");
    req.region = Some("上海".to_string());
    assert!(search(req).hits.is_empty());
}

#[test]
fn linked_interpretations_come_with_the_article() {
    let r = q("测安法 24条");
    let first = &r.hits[0];
    assert_eq!(first.interpretations.len(), 1);
    assert_eq!(first.interpretations[0].title, "解读：测试安全法第二十四条");
    assert_eq!(first.interpretations[0].kind, "解读");
}

#[test]
fn snippets_mark_matches_on_char_boundaries() {
    let r = q("主要负责人 罚款");
    let hit = r.hits.iter().find(|h| h.article == Some(94)).unwrap();
    assert!(hit.snippet.contains("【主要负责人】"), "{}", hit.snippet);
    for &(a, b) in &hit.highlights {
        assert!(hit.snippet_text.is_char_boundary(a) && hit.snippet_text.is_char_boundary(b));
    }
}

#[test]
fn bad_queries_get_a_message_not_a_panic() {
    for query in ["", "   ", "，。！？……", "的了吗"] {
        let r = q(query);
        assert!(r.hits.is_empty(), "`{query}`");
        assert!(!r.notices.is_empty(), "`{query}` should explain");
    }
    let long = "危险化学品仓库".repeat(2000);
    let r = q(&long);
    assert!(r.notices.iter().any(|n| n.contains("查询过长")));
    let mut req = SearchRequest::new("监控");
    req.offset = 1_000_000;
    assert!(search(req).hits.is_empty());
}

#[test]
fn results_snapshot() {
    let r = q("危化品仓库要不要装监控");
    let rendered: Vec<String> = r
        .hits
        .iter()
        .map(|h| format!("{} [{} · {}] {}", h.citation, h.kind, h.status, h.snippet))
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn lawrefbook_samples_answer_colloquial_questions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus-samples/lawrefbook");
    let imported = regkb::import::import_lawrefbook(&root).unwrap();
    let lib = Library::from_documents(imported.documents, &Aliases::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let report = build_index(&lib, &path, "samples", &vocabulary()).unwrap();
    assert!(report.counts.articles > 500, "{:?}", report.counts);
    let index = SearchIndex::open(&path).unwrap();
    let top = |query: &str, n: usize| -> Vec<String> {
        let mut req = SearchRequest::new(query);
        req.limit = n;
        index
            .search(&req)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.citation)
            .collect()
    };
    let expect = [
        (
            "饭店用液化气要装报警器吗",
            "《中华人民共和国安全生产法》第三十六条",
        ),
        (
            "员工宿舍能不能设在仓库楼上",
            "《中华人民共和国安全生产法》第四十二条",
        ),
        ("电焊工没证能上岗吗", "《中华人民共和国安全生产法》第三十条"),
        (
            "电梯多久检验一次",
            "《中华人民共和国特种设备安全法》第四十条",
        ),
        (
            "安全生产法第二十四条",
            "《中华人民共和国安全生产法》第二十四条",
        ),
    ];
    for (query, citation) in expect {
        let got = top(query, 5);
        assert!(
            got.iter().any(|c| c == citation),
            "`{query}` top 5: {got:?}"
        );
    }
}

#[test]
fn query_plan_drops_stopwords_and_expands_synonyms() {
    let plan = FIXTURE.index.plan("危化品仓库要不要装监控？");
    let words: Vec<&str> = plan.groups.iter().map(|g| g.word.as_str()).collect();
    assert_eq!(words, ["危化品", "仓库", "监控"], "{plan:?}");
    let first = &plan.groups[0];
    assert!(
        first.alternatives.contains(&vec!["危险化学品".to_string()]),
        "{first:?}"
    );
    // a key jieba splits (罚 多少) still matches as one synonym group
    let plan = FIXTURE.index.plan("老板不履行职责罚多少");
    let fine = plan.groups.iter().find(|g| g.word == "罚多少").unwrap();
    assert!(
        fine.alternatives.contains(&vec!["罚款".to_string()]),
        "{fine:?}"
    );
    let boss = plan.groups.iter().find(|g| g.word == "老板").unwrap();
    assert!(
        boss.alternatives.contains(&vec!["主要负责人".to_string()]),
        "{boss:?}"
    );
    // multi-word expansions become phrases segmented like statute text
    let plan = FIXTURE.index.plan("叉车");
    let alts = &plan.groups[0].alternatives;
    assert!(alts.iter().any(|a| a.len() > 1), "{alts:?}");
    // a law named in the query is recognised
    assert_eq!(FIXTURE.index.plan("测试安全法 罚款").laws, [TEST_LAW]);
    assert!(FIXTURE.index.plan("，。！").groups.is_empty());
}

#[test]
fn standard_numbers_are_one_keyword_at_index_and_query_time() {
    for query in [
        "GB 18218-2018",
        "gb18218",
        "ＧＢ１８２１８—２０１８",
        "GB/T33000-2016",
        "gbt 33000",
    ] {
        check_first(query, "《测试辨识规则》第二条");
    }
    let r = q("GB 18218");
    assert!(
        r.hits[0].snippet.contains("【GB 18218-2018】"),
        "{}",
        r.hits[0].snippet
    );
    assert!(q("GB 18219").hits.is_empty());
}

/// JSON of a result without the timing, which differs between runs.
fn json_without_time(r: &SearchResults) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    v.as_object_mut().unwrap().remove("took_ms");
    v
}

fn fresh_index(lib: &Library, fingerprint: &str) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    build_index(lib, &path, fingerprint, &vocabulary()).unwrap();
    let index = SearchIndex::open(&path).unwrap();
    (dir, index)
}

#[test]
fn a_cache_hit_returns_the_same_json_as_a_miss_and_as_the_engine() {
    let (_dir, index) = fresh_index(&library(), "cache-test");
    let index = index.with_cache(std::sync::Arc::new(ResultCache::new(1 << 20)));
    let day = Some(date(2026, 1, 1));
    let mut requests = vec![
        SearchRequest::new("储存液化石油气要装报警器吗"),
        SearchRequest::new("测安法 24条"),
        SearchRequest::new("单位"),
    ];
    let mut filtered = SearchRequest::new("单位");
    filtered.kinds = vec![DocKind::Law, DocKind::LocalRegulation];
    filtered.statuses = Some(vec![Status::Repealed, Status::InForce]);
    requests.push(filtered);
    let mut paged = SearchRequest::new("单位");
    paged.offset = 1;
    paged.limit = 2;
    requests.push(paged);
    let mut old = SearchRequest::new("测安法 24条");
    old.as_of = Some(date(2012, 6, 1));
    requests.push(old);
    for (i, mut req) in requests.into_iter().enumerate() {
        if req.as_of.is_none() {
            req.as_of = day;
        }
        let engine = index.search(&req).unwrap();
        let miss = index.search_cached(&req).unwrap();
        let before = index.cache_stats();
        let hit = index.search_cached(&req).unwrap();
        let after = index.cache_stats();
        assert_eq!(after.hits, before.hits + 1, "request {i} was not a hit");
        assert_eq!(after.misses, before.misses, "request {i}");
        assert_eq!(
            json_without_time(&miss),
            json_without_time(&engine),
            "request {i}"
        );
        assert_eq!(
            json_without_time(&hit),
            json_without_time(&miss),
            "request {i}"
        );
        // The stored JSON of a hit: byte for byte what serde_json writes for
        // the result, with the hit's own `took_ms`.
        let bytes = index.search_cached_json(&req).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let mut expected = hit.clone();
        expected.took_ms = value["took_ms"].as_f64().unwrap();
        assert_eq!(bytes, serde_json::to_vec(&expected).unwrap(), "request {i}");
    }
    let stats = index.cache_stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (12, 6, 6));

    // A miss answered as JSON: the engine's result serialised as it is.
    let mut fresh = SearchRequest::new("报警装置");
    fresh.as_of = day;
    let bytes = index.search_cached_json(&fresh).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut engine = index.search(&fresh).unwrap();
    engine.took_ms = value["took_ms"].as_f64().unwrap();
    assert_eq!(bytes, serde_json::to_vec(&engine).unwrap());
    assert_eq!(index.cache_stats().misses, 7);

    // The key is what the engine reads: surrounding spaces and the order of
    // the kinds do not matter, the page and the day do.
    let mut req = SearchRequest::new("  单位 ");
    req.as_of = day;
    index.search_cached(&req).unwrap();
    assert_eq!(index.cache_stats().hits, 13);
    let mut reordered = SearchRequest::new("单位");
    reordered.as_of = day;
    reordered.kinds = vec![DocKind::LocalRegulation, DocKind::Law, DocKind::Law];
    reordered.statuses = Some(vec![Status::InForce, Status::Repealed]);
    index.search_cached(&reordered).unwrap();
    assert_eq!(index.cache_stats().hits, 14);
    let mut other_day = SearchRequest::new("单位");
    other_day.as_of = Some(date(2026, 1, 2));
    index.search_cached(&other_day).unwrap();
    assert_eq!(index.cache_stats().misses, 8);
}

#[test]
fn rebuilding_the_index_from_another_library_empties_the_cache() {
    let cache = std::sync::Arc::new(ResultCache::new(1 << 20));
    let (_a_dir, a) = fresh_index(&library(), "library-a");
    let a = a.with_cache(cache.clone());
    let mut changed = library().documents().to_vec();
    for d in &mut changed {
        for art in &mut d.articles {
            for p in &mut art.paragraphs {
                p.text = p.text.replace("报警装置", "监测装置");
            }
        }
    }
    let changed = Library::from_documents(changed, &Aliases::default());
    let (_b_dir, b) = fresh_index(&changed, "library-b");
    let b = b.with_cache(cache.clone());

    let mut req = SearchRequest::new("可燃气体报警装置");
    req.as_of = Some(date(2026, 1, 1));
    let from_a = a.search_cached(&req).unwrap();
    a.search_cached(&req).unwrap();
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    assert!(!from_a.hits.is_empty());

    // Same request, index of another library: computed again, not A's answer.
    let from_b = b.search_cached(&req).unwrap();
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 2));
    assert_eq!(
        json_without_time(&from_b),
        json_without_time(&b.search(&req).unwrap())
    );
    assert_ne!(json_without_time(&from_b), json_without_time(&from_a));
    // A's entry is gone: only B's is held.
    assert_eq!(cache.stats().entries, 1);
    a.search_cached(&req).unwrap();
    assert_eq!(cache.stats().misses, 3);
}

#[test]
fn the_cache_stays_within_its_bound() {
    let (_dir, index) = fresh_index(&library(), "bound-test");
    let cache = std::sync::Arc::new(ResultCache::new(8 * 1024));
    let index = index.with_cache(cache.clone());
    for i in 0..200 {
        let mut req = SearchRequest::new(format!("单位 报警装置 {i}"));
        req.as_of = Some(date(2026, 1, 1));
        index.search_cached(&req).unwrap();
        let s = cache.stats();
        assert!(s.bytes <= s.capacity, "{s:?} after {i}");
    }
    let s = cache.stats();
    assert_eq!(s.misses, 200);
    assert!(s.entries > 0 && s.entries < 200, "{s:?}");

    // A bound of 0 turns the cache off: every request runs the engine.
    let off = std::sync::Arc::new(ResultCache::new(0));
    let index = index.with_cache(off.clone());
    let mut req = SearchRequest::new("单位");
    req.as_of = Some(date(2026, 1, 1));
    index.search_cached(&req).unwrap();
    index.search_cached(&req).unwrap();
    let s = off.stats();
    assert_eq!((s.hits, s.misses, s.entries), (0, 2, 0));
}
