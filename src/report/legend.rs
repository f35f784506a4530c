//! Where a figure's legend entries go, below its panel, in figure units (1/100 inch).
//!
//! A legend whose entries fit side by side on one row stays one row. A longer one is laid out in columns
//! of equal width, filled top to bottom and then left to right (the order of the series reads down each
//! column), as many columns as the widest entry allows. An entry is never split: when the widest entry is
//! wider than the whole row, the legend's text shrinks until it fits, down to [`MIN_PT`] (legible when a
//! 3.5 in figure is shown 37em wide: 5 pt there is about 12 px); only an entry still wider than the row at
//! that size is broken at spaces onto rows of its own, the sample on its first.

use super::figure::LegendEntry;

/// The legend's text size, in points, when it fits (the tick labels' size).
pub const PT: f64 = 6.5;
/// The smallest text size a legend shrinks to, in points.
pub const MIN_PT: f64 = 5.0;
/// The height of a legend row at [`PT`], in figure units; rows of smaller text are shorter in proportion.
pub const ROW: f64 = 13.0;
/// The margin left and right of the legend, in figure units.
pub const PAD: f64 = 8.0;
/// The length of a line sample, in figure units.
pub const SAMPLE_W: f64 = 20.0;
/// The space between a sample and its text, in figure units.
pub const SAMPLE_GAP: f64 = 4.0;
/// The space after an entry's text, before the next column, in figure units.
pub const ENTRY_GAP: f64 = 10.0;
/// The step by which the text shrinks while the widest entry does not fit, in points.
const SHRINK_STEP: f64 = 0.25;

/// One piece of text of the legend: an entry's text (or, for an entry too wide at [`MIN_PT`], one line of
/// it), with the entry's sample before it on the entry's first piece.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    /// Index into the figure's legend.
    pub entry: usize,
    /// The row, from 0 at the top.
    pub row: usize,
    /// The x offset of the sample's left end from the legend's left margin ([`PAD`]).
    pub x: f64,
    /// The text on this row.
    pub text: String,
    /// Whether the sample is drawn (the entry's first piece).
    pub sample: bool,
}

/// A legend laid out: its text size, row height, row count and pieces.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendLayout {
    /// The text size, in points.
    pub pt: f64,
    /// The height of one row, in figure units.
    pub row_height: f64,
    /// How many rows.
    pub rows: usize,
    /// The pieces, in entry order.
    pub items: Vec<LegendItem>,
}

impl LegendLayout {
    /// The legend's height below the panel, in figure units (nothing for an empty legend).
    pub fn height(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.rows as f64 * self.row_height + 6.0
        }
    }
}

/// Lays out `entries` below a panel `width` figure units wide; `measure(text, pt)` is the width of `text`
/// at `pt` points, in figure units.
pub fn layout(
    entries: &[LegendEntry],
    width: f64,
    measure: impl Fn(&str, f64) -> f64,
) -> LegendLayout {
    let avail = width - 2.0 * PAD;
    let room = avail - SAMPLE_W - SAMPLE_GAP;
    let widest = |pt: f64| {
        entries
            .iter()
            .map(|e| measure(&e.label, pt))
            .fold(0.0, f64::max)
    };
    let entry_w = |text: &str, pt: f64| SAMPLE_W + SAMPLE_GAP + measure(text, pt) + ENTRY_GAP;
    let one_row: f64 = entries.iter().map(|e| entry_w(&e.label, PT)).sum();
    if entries.is_empty() || one_row - ENTRY_GAP <= avail {
        let mut x = 0.0;
        let items = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let item = LegendItem {
                    entry: i,
                    row: 0,
                    x,
                    text: e.label.clone(),
                    sample: true,
                };
                x += entry_w(&e.label, PT);
                item
            })
            .collect();
        return LegendLayout {
            pt: PT,
            row_height: ROW,
            rows: usize::from(!entries.is_empty()),
            items,
        };
    }
    let mut pt = PT;
    while widest(pt) > room && pt - SHRINK_STEP >= MIN_PT {
        pt -= SHRINK_STEP;
    }
    let row_height = ROW * pt / PT;
    if widest(pt) > room {
        return wrapped(entries, room, pt, row_height, &measure);
    }
    let column = SAMPLE_W + SAMPLE_GAP + widest(pt) + ENTRY_GAP;
    let n = entries.len();
    let fit = (((avail + ENTRY_GAP) / column).floor() as usize).clamp(1, n);
    let rows = n.div_ceil(fit);
    // As few columns as the rows need, so that the last column is not left nearly empty.
    let columns = n.div_ceil(rows);
    let step = avail / columns as f64;
    let items = entries
        .iter()
        .enumerate()
        .map(|(i, e)| LegendItem {
            entry: i,
            row: i % rows,
            x: (i / rows) as f64 * step,
            text: e.label.clone(),
            sample: true,
        })
        .collect();
    LegendLayout {
        pt,
        row_height,
        rows,
        items,
    }
}

/// The last resort for an entry wider than the row at [`MIN_PT`]: every entry on rows of its own, each
/// broken at spaces into lines no wider than `room`.
fn wrapped(
    entries: &[LegendEntry],
    room: f64,
    pt: f64,
    row_height: f64,
    measure: &impl Fn(&str, f64) -> f64,
) -> LegendLayout {
    let mut items = Vec::new();
    let mut row = 0;
    for (i, e) in entries.iter().enumerate() {
        for (k, text) in wrap(&e.label, room, pt, measure).into_iter().enumerate() {
            items.push(LegendItem {
                entry: i,
                row,
                x: 0.0,
                text,
                sample: k == 0,
            });
            row += 1;
        }
    }
    LegendLayout {
        pt,
        row_height,
        rows: row,
        items,
    }
}

/// `text` broken at spaces into lines no wider than `width` at `pt` points; a word wider than that stays
/// whole on its own line.
fn wrap(text: &str, width: f64, pt: f64, measure: &impl Fn(&str, f64) -> f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if measure(&format!("{line} {word}"), pt) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A monospaced measure: every character 0.6 em wide (1 pt is 100/72 figure units).
    fn mono(text: &str, pt: f64) -> f64 {
        text.chars().count() as f64 * 0.6 * pt * 100.0 / 72.0
    }

    fn entries(labels: &[&str]) -> Vec<LegendEntry> {
        labels
            .iter()
            .map(|l| LegendEntry {
                label: l.to_string(),
                line: None,
                mark: None,
            })
            .collect()
    }

    /// The extent `[x0, x1]` of each item's sample and text, and its row.
    fn boxes(l: &LegendLayout) -> Vec<(usize, f64, f64)> {
        l.items
            .iter()
            .map(|it| {
                let x1 = it.x + SAMPLE_W + SAMPLE_GAP + mono(&it.text, l.pt);
                (it.row, it.x, x1)
            })
            .collect()
    }

    #[test]
    fn short_legends_stay_on_one_row() {
        let l = layout(&entries(&["gd", "adam", "lbfgs"]), 350.0, mono);
        assert_eq!(l.rows, 1);
        assert_eq!(l.pt, PT);
        assert!(l.items.iter().all(|it| it.row == 0 && it.sample));
    }

    #[test]
    fn many_entries_fill_columns_top_to_bottom_without_overlap() {
        let labels: Vec<String> = (0..9)
            .map(|i| format!("optimizer {i} (slope 0.5)"))
            .collect();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let l = layout(&entries(&refs), 350.0, mono);
        // As many columns as the widest entry allows, and the rows they need.
        let column = SAMPLE_W + SAMPLE_GAP + mono(&labels[0], PT) + ENTRY_GAP;
        let fit = ((350.0 - 2.0 * PAD + ENTRY_GAP) / column).floor() as usize;
        assert_eq!(l.rows, 9usize.div_ceil(fit));
        assert_eq!(l.items.len(), 9, "one piece per entry");
        // Column-major: entry i+1 is below entry i within a column.
        for w in l.items.windows(2) {
            if w[1].row > 0 {
                assert_eq!(w[1].row, w[0].row + 1);
                assert_eq!(w[1].x, w[0].x);
            }
        }
        let b = boxes(&l);
        for (i, p) in b.iter().enumerate() {
            assert!(p.1 >= 0.0 && p.2 <= 350.0 - 2.0 * PAD, "{p:?} inside");
            for q in &b[..i] {
                assert!(
                    p.0 != q.0 || p.2 <= q.1 || q.2 <= p.1,
                    "{p:?} overlaps {q:?}"
                );
            }
        }
    }

    #[test]
    fn a_long_entry_shrinks_the_text_instead_of_splitting() {
        let long = "adam (slope 0.341; 5 of 12 runs not converged, at kappa 1000, 10000)";
        let l = layout(
            &entries(&["gd (slope 1)", long, "lbfgs (slope 0)"]),
            350.0,
            mono,
        );
        assert!(l.pt < PT && l.pt >= MIN_PT, "{}", l.pt);
        assert_eq!(l.items.len(), 3);
        assert!(l.items.iter().any(|it| it.text == long));
        let room = 350.0 - 2.0 * PAD - SAMPLE_W - SAMPLE_GAP;
        assert!(mono(long, l.pt) <= room);
        assert!((l.row_height - ROW * l.pt / PT).abs() < 1e-12);
    }

    #[test]
    fn only_an_entry_too_wide_at_the_smallest_size_is_broken_at_spaces() {
        let huge = "word ".repeat(40);
        let l = layout(&entries(&["a", huge.trim_end()]), 350.0, mono);
        assert_eq!(l.pt, MIN_PT);
        let pieces: Vec<&LegendItem> = l.items.iter().filter(|it| it.entry == 1).collect();
        assert!(pieces.len() > 1);
        assert!(pieces[0].sample && pieces[1..].iter().all(|p| !p.sample));
        let joined: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined.join(" "), huge.trim_end());
    }
}
