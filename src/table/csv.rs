//! CSV (RFC 4180 quoting): the header and the rows, nothing around them.

use super::{Table, TableFormat};

/// CSV.
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

/// The CSV of `header` and `rows`, the rows taken one at a time (a results folder's `traces.csv` holds a
/// row per measured iterate of every run, too many to gather into a [`Table`] first). Writing into memory
/// does not fail.
pub fn csv_bytes<H, R>(header: &[H], rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    H: AsRef<[u8]>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut ok = w.write_record(header).is_ok();
    for r in rows {
        ok &= w.write_record(r).is_ok();
    }
    debug_assert!(ok, "writing CSV into memory does not fail");
    w.into_inner().unwrap_or_default()
}

impl TableFormat for Csv {
    fn write(&self, t: &Table) -> String {
        String::from_utf8(csv_bytes(&t.header, &t.rows)).unwrap_or_default()
    }

    fn extension(&self) -> &str {
        "csv"
    }
}
