//! Which version of a law applies on a given day.
//!
//! Several versions of one law can coexist in the library (the 2014 and 2021
//! 安全生产法). As of a date, the version in force is the latest one that has
//! started and is not repealed; earlier ones are 已修改, later ones 尚未生效.
//!
//! ```
//! use jiff::civil::date;
//! use regkb::statute::{status_as_of, Status};
//! // one version, effective 2026-05-01: not yet effective on 2026-03-01
//! let starts = [Some(date(2026, 5, 1))];
//! let got = status_as_of(&starts, &[None], &[None], 0, date(2026, 3, 1));
//! assert_eq!(got, Status::NotYetEffective);
//! ```

use jiff::civil::Date;

use super::{Document, Status};

/// Status of version `index` among the versions of one law, as of `day`.
///
/// `starts[i]` is when version i starts to apply, `repealed[i]` a known repeal
/// date, `declared[i]` the status the source declared (used where dates are
/// missing).
pub fn status_as_of(
    starts: &[Option<Date>],
    repealed: &[Option<Date>],
    declared: &[Option<Status>],
    index: usize,
    day: Date,
) -> Status {
    let start = starts.get(index).copied().flatten();
    let declared_here = declared.get(index).copied().flatten();
    if let Some(r) = repealed.get(index).copied().flatten() {
        if r <= day {
            return Status::Repealed;
        }
    } else if declared_here == Some(Status::Repealed) {
        // Repealed with no known date: trust the source for any day after start.
        if start.is_none_or(|s| s <= day) {
            return Status::Repealed;
        }
    }
    match start {
        Some(s) if s > day => Status::NotYetEffective,
        Some(s) => {
            // Superseded when a later version has started by `day`.
            let superseded = starts
                .iter()
                .enumerate()
                .any(|(j, other)| j != index && other.is_some_and(|o| o > s && o <= day));
            if superseded {
                Status::Amended
            } else if declared_here == Some(Status::Amended) && starts.len() == 1 {
                // The source knows of a later version we do not hold.
                Status::Amended
            } else {
                Status::InForce
            }
        }
        None => declared_here.unwrap_or(Status::InForce),
    }
}

/// Status of `doc` as of `day`, given all versions of the same law
/// (`versions` includes `doc` itself).
pub fn document_status(doc: &Document, versions: &[&Document], day: Date) -> Status {
    let starts: Vec<_> = versions.iter().map(|d| d.starts()).collect();
    let repealed: Vec<_> = versions.iter().map(|d| d.repealed).collect();
    let declared: Vec<_> = versions.iter().map(|d| d.declared_status).collect();
    let index = versions.iter().position(|d| d.id == doc.id).unwrap_or(0);
    if versions.is_empty() {
        return status_as_of(
            &[doc.starts()],
            &[doc.repealed],
            &[doc.declared_status],
            0,
            day,
        );
    }
    status_as_of(&starts, &repealed, &declared, index, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn later_version_supersedes_earlier_once_started() {
        let starts = [Some(date(2014, 12, 1)), Some(date(2021, 9, 1))];
        let r = [None, None];
        let d = [None, None];
        assert_eq!(
            status_as_of(&starts, &r, &d, 0, date(2020, 1, 1)),
            Status::InForce
        );
        assert_eq!(
            status_as_of(&starts, &r, &d, 1, date(2020, 1, 1)),
            Status::NotYetEffective
        );
        assert_eq!(
            status_as_of(&starts, &r, &d, 0, date(2021, 9, 1)),
            Status::Amended
        );
        assert_eq!(
            status_as_of(&starts, &r, &d, 1, date(2021, 9, 1)),
            Status::InForce
        );
    }

    #[test]
    fn repeal_date_decides() {
        let starts = [Some(date(2000, 1, 1))];
        let repealed = [Some(date(2020, 1, 1))];
        let declared = [Some(Status::Repealed)];
        assert_eq!(
            status_as_of(&starts, &repealed, &declared, 0, date(2019, 12, 31)),
            Status::InForce
        );
        assert_eq!(
            status_as_of(&starts, &repealed, &declared, 0, date(2020, 1, 1)),
            Status::Repealed
        );
    }

    #[test]
    fn declared_status_used_without_dates() {
        assert_eq!(
            status_as_of(
                &[None],
                &[None],
                &[Some(Status::Repealed)],
                0,
                date(2026, 1, 1)
            ),
            Status::Repealed
        );
        assert_eq!(
            status_as_of(&[None], &[None], &[None], 0, date(2026, 1, 1)),
            Status::InForce
        );
    }
}
