//! Rule packs: find the `*.rule` files of a folder (or take rule files held
//! in memory, e.g. a published set from the store), and compile them with
//! everything the checker needs — the record schema in `rules/schema/`, the
//! data tables in `rules/tables/`, and the imported statute library (when
//! there is one) to resolve citations. The CLI (`regkb rules …`, `regkb
//! check`) and the HTTP service (start-up, `/rules/validate`, `/rules/publish`)
//! both load rules through here.
//!
//! ```no_run
//! use regkb::config::{ContentPaths, Context, DataDir};
//! let ctx = Context { data: DataDir::new("/tmp/regkb"), content: ContentPaths::default() };
//! let compiled = regkb::pack::compile(&[], &ctx)?;
//! match compiled.result {
//!     Ok(checked) => println!("{} rules", checked.program.rules().count()),
//!     Err(diagnostics) => eprintln!("{}", regkb::dsl::render_all(&diagnostics)),
//! }
//! # Ok::<(), regkb::pack::PackError>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;

use crate::config::Context;
use crate::dsl::{self, CitationResolver, Diagnostic, Resolution, SourceFile};
use crate::library::{Aliases, Library, storage};
use crate::record::Schema;
use crate::statute::{ArticleNo, Status};

/// A rule pack that could not be read at all (problems *in* the rules are
/// diagnostics, not errors).
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("读不了 `{}` 里的记录结构定义：{why}", dir.display())]
    Schema { dir: PathBuf, why: String },
    #[error("`{}` 既不是规则文件（.rule），也不是文件夹", path.display())]
    NotRules { path: PathBuf },
    #[error("读不了 `{}`：{why}", path.display())]
    Read { path: PathBuf, why: String },
}

/// What checking a pack gave: the program (with warnings), or every
/// diagnostic when there is any error.
pub type CheckOutcome = Result<dsl::Checked, Vec<Diagnostic>>;

/// A compiled pack and how many files it came from.
pub struct Compiled {
    pub files: usize,
    pub result: CheckOutcome,
}

/// Reads and compiles the rule files under `paths` (default: the rules
/// folder of `ctx`).
pub fn compile(paths: &[PathBuf], ctx: &Context) -> Result<Compiled, PackError> {
    let sources = read_sources(paths, ctx)?;
    Ok(Compiled {
        files: sources.len(),
        result: compile_sources(&sources, ctx)?,
    })
}

/// Compiles rule files held in memory as `(name, text)` pairs (a published
/// set, or files sent over HTTP).
pub fn compile_files(files: &[(String, String)], ctx: &Context) -> Result<CheckOutcome, PackError> {
    let sources: Vec<Arc<SourceFile>> = files
        .iter()
        .map(|(name, text)| SourceFile::new(name.clone(), text.clone()))
        .collect();
    compile_sources(&sources, ctx)
}

/// Parses and checks rule sources against the schema, tables and library
/// of `ctx`. Every file is parsed even when an earlier one has errors, so
/// all diagnostics come at once.
pub fn compile_sources(
    sources: &[Arc<SourceFile>],
    ctx: &Context,
) -> Result<CheckOutcome, PackError> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for s in sources {
        match dsl::parse(s) {
            Ok(f) => parsed.push(f),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let schema = load_schema(ctx)?;
    let tables_dir = ctx.content.rules_dir.join("tables");
    let reader = move |p: &str| -> Result<String, String> {
        std::fs::read_to_string(tables_dir.join(p)).map_err(|e| io_reason(&e))
    };
    let resolver = LibraryResolver::load(ctx);
    let resolver_ref: Option<&dyn CitationResolver> =
        resolver.as_ref().map(|r| r as &dyn CitationResolver);
    let result = match dsl::check(&parsed, &schema, &reader, resolver_ref) {
        Ok(checked) if errors.is_empty() => Ok(checked),
        Ok(checked) => {
            errors.extend(checked.warnings);
            Err(errors)
        }
        Err(mut e) => {
            errors.append(&mut e);
            Err(errors)
        }
    };
    Ok(result)
}

/// The record schema of the pack (`rules/schema/`).
pub fn load_schema(ctx: &Context) -> Result<Schema, PackError> {
    let dir = ctx.content.rules_dir.join("schema");
    Schema::load_dir(&dir).map_err(|e| PackError::Schema {
        why: e.to_string(),
        dir,
    })
}

/// Every `*.rule` file under the given paths (default: the rules folder),
/// sorted. `examples/` below a folder holds the language's feature demos
/// (some cite invented regulations): it is read only when named explicitly.
pub fn rule_files(paths: &[PathBuf], ctx: &Context) -> Result<Vec<PathBuf>, PackError> {
    let roots: Vec<PathBuf> = if paths.is_empty() {
        vec![ctx.content.rules_dir.clone()]
    } else {
        paths.to_vec()
    };
    let mut out = Vec::new();
    for root in roots {
        if root.is_file() {
            out.push(root);
            continue;
        }
        if !root.is_dir() {
            return Err(PackError::NotRules { path: root });
        }
        let walk = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || e.file_name() != "examples");
        for entry in walk {
            let entry = entry.map_err(|e| PackError::Read {
                path: e.path().map_or_else(|| root.clone(), Path::to_path_buf),
                why: e.io_error().map_or_else(|| e.to_string(), io_reason),
            })?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rule")
            {
                out.push(entry.into_path());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The rule files under `paths`, read, named by their path relative to the
/// working directory.
pub fn read_sources(paths: &[PathBuf], ctx: &Context) -> Result<Vec<Arc<SourceFile>>, PackError> {
    rule_files(paths, ctx)?
        .into_iter()
        .map(|p| read_source(&p))
        .collect()
}

/// One rule file, read.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, PackError> {
    let text = std::fs::read_to_string(path).map_err(|e| PackError::Read {
        path: path.to_path_buf(),
        why: io_reason(&e),
    })?;
    Ok(SourceFile::new(display_path(path), text))
}

/// Why a file could not be read, in words a rule author knows.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "没有这个文件".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        std::io::ErrorKind::InvalidData => {
            "文件不是 UTF-8 编码的文本（请用 UTF-8 保存）".to_string()
        }
        _ => e.to_string(),
    }
}

/// A path as the user wrote it: relative to the working directory when it
/// lies below it.
pub fn display_path(p: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf())
        .display()
        .to_string()
}

/// Resolves rule citations against the imported statute library.
pub struct LibraryResolver {
    library: Library,
}

impl LibraryResolver {
    /// `None` when no statutes are imported: citations are then checked for
    /// form only.
    pub fn load(ctx: &Context) -> Option<LibraryResolver> {
        let sources = storage::load_sources(&ctx.data).ok()?;
        let docs: Vec<_> = sources.into_iter().flat_map(|s| s.documents).collect();
        let library = Library::from_documents(docs, &Aliases::default());
        if library.is_empty() {
            None
        } else {
            Some(LibraryResolver { library })
        }
    }

    pub fn library(&self) -> &Library {
        &self.library
    }
}

impl CitationResolver for LibraryResolver {
    fn resolve(
        &self,
        law: &str,
        article: ArticleNo,
        paragraph: Option<u32>,
        item: Option<u32>,
        on: Option<Date>,
    ) -> Resolution {
        let full = dsl::full_law_title(law);
        let Some(title) = self
            .library
            .resolve_title(law)
            .or_else(|| self.library.resolve_title(&full))
            .map(str::to_string)
        else {
            return Resolution::NoSuchLaw;
        };
        let day = on.unwrap_or_else(|| jiff::Zoned::now().date());
        let Some(doc) = self.library.version_as_of(&title, day) else {
            return Resolution::NoSuchLaw;
        };
        let exists_in = |d: &crate::statute::Document| {
            d.article(article).is_some_and(|a| {
                let para_ok = paragraph.is_none_or(|p| a.paragraphs.len() >= p as usize);
                let item_ok = match (paragraph, item) {
                    (Some(p), Some(i)) => a
                        .paragraphs
                        .get((p as usize).saturating_sub(1))
                        .is_some_and(|para| para.items.len() >= i as usize),
                    (None, Some(i)) => a
                        .paragraphs
                        .iter()
                        .any(|para| para.items.len() >= i as usize),
                    _ => true,
                };
                para_ok && item_ok
            })
        };
        if exists_in(doc) {
            let in_force = self.library.status(doc, day) == Status::InForce;
            return Resolution::Found {
                full_title: title,
                in_force_on_date: in_force,
            };
        }
        // the article may exist only in another version (not in force on the day)
        if self.library.versions(&title).iter().any(|d| exists_in(d)) {
            return Resolution::Found {
                full_title: title,
                in_force_on_date: false,
            };
        }
        Resolution::NoSuchArticle { full_title: title }
    }
}
