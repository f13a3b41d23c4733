//! The index schema: one entry per article plus one per document (the
//! document's title and preamble; cases and interpretations as a whole).
//!
//! ```ignore
//! let (schema, fields) = Fields::build();
//! ```

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::tokenizer::TOKENIZER_NAME;

/// Entry levels stored in [`Fields::level`].
pub const LEVEL_ARTICLE: &str = "article";
pub const LEVEL_DOCUMENT: &str = "document";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Provision id (`<doc id>#<article key>`) or the document id.
    pub entry_id: Field,
    pub doc_id: Field,
    /// Index into the catalog's document list (status, dates, region).
    pub doc_ord: Field,
    /// `article` or `document`.
    pub level: Field,
    /// Document title and aliases on document entries only (boosted).
    pub title: Field,
    /// Full title, untokenized: law boosts and citation lookups.
    pub law: Field,
    pub chapter: Field,
    pub text: Field,
    /// Kind label (法律, 行政法规, …).
    pub kind: Field,
    /// Normalized region of local regulations (浙江, 上海).
    pub region: Field,
    pub issuer: Field,
    pub article_number: Field,
    pub article_key: Field,
    pub article_label: Field,
    /// Version date of the document (`2021-06-10`), for display.
    pub version: Field,
    /// JSON list of linked interpretations and cases.
    pub interpretations: Field,
}

impl Fields {
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text_indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default().set_indexing_options(text_indexing.clone());
        let text_stored = text.clone().set_stored();
        let fields = Fields {
            entry_id: b.add_text_field("entry_id", STRING | STORED),
            doc_id: b.add_text_field("doc_id", STRING | STORED),
            doc_ord: b.add_u64_field("doc_ord", INDEXED | STORED | FAST),
            level: b.add_text_field("level", STRING | STORED),
            title: b.add_text_field("title", text_stored.clone()),
            law: b.add_text_field("law", STRING | STORED),
            chapter: b.add_text_field("chapter", text_stored.clone()),
            text: b.add_text_field("text", text_stored),
            kind: b.add_text_field("kind", STRING | STORED),
            region: b.add_text_field("region", STRING | STORED),
            issuer: b.add_text_field("issuer", STORED),
            article_number: b.add_u64_field("article_number", INDEXED | STORED),
            article_key: b.add_text_field("article_key", STRING | STORED),
            article_label: b.add_text_field("article_label", STORED),
            version: b.add_text_field("version", STRING | STORED),
            interpretations: b.add_text_field("interpretations", STORED),
        };
        (b.build(), fields)
    }

    /// The text fields queries search, with their boosts.
    pub fn searched(&self) -> [(Field, f32); 3] {
        [(self.text, 1.0), (self.title, 3.0), (self.chapter, 0.4)]
    }
}

/// Region names compare without their administrative suffix (浙江省 = 浙江).
pub fn normalize_region(region: &str) -> String {
    let r = region.trim();
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
    ] {
        if let Some(s) = r.strip_suffix(suffix)
            && !s.is_empty()
        {
            return s.to_string();
        }
    }
    r.to_string()
}
