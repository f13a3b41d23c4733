//! The tantivy tokenizer over [`Segmenter`]: search-mode jieba tokens with
//! ordinal positions and byte offsets (see the segmenter for the rules).
//!
//! ```ignore
//! index.tokenizers().register(TOKENIZER_NAME, JiebaTokenizer::new(Arc::new(seg)));
//! ```

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::segmenter::{Piece, Segmenter};

/// The name the schema's text fields use.
pub const TOKENIZER_NAME: &str = "regkb_jieba";

#[derive(Clone, Debug)]
pub struct JiebaTokenizer {
    seg: Arc<Segmenter>,
    pieces: Vec<Piece>,
    token: Token,
}

impl JiebaTokenizer {
    pub fn new(seg: Arc<Segmenter>) -> Self {
        JiebaTokenizer {
            seg,
            pieces: Vec::new(),
            token: Token::default(),
        }
    }
}

pub struct JiebaTokenStream<'a> {
    pieces: &'a [Piece],
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream<'a> {
        self.pieces.clear();
        self.seg.index_tokens(text, &mut self.pieces);
        self.token.reset();
        JiebaTokenStream {
            pieces: &self.pieces,
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for JiebaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(p) = self.pieces.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.text.clear();
        self.token.text.push_str(&p.text);
        self.token.offset_from = p.from;
        self.token.offset_to = p.to;
        self.token.position = p.position;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}
