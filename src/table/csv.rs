//! CSV (RFC 4180 quoting): the header and the rows, nothing around them.

use super::{Table, TableFormat};

/// CSV.
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

impl TableFormat for Csv {
    fn write(&self, t: &Table) -> String {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let mut ok = w.write_record(&t.header).is_ok();
        for r in &t.rows {
            ok &= w.write_record(r).is_ok();
        }
        let bytes = w.into_inner().unwrap_or_default();
        debug_assert!(ok, "writing CSV into memory does not fail");
        String::from_utf8(bytes).unwrap_or_default()
    }

    fn extension(&self) -> &str {
        "csv"
    }
}
