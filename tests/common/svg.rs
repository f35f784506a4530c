//! One reader of the SVG figures the report writes (as plotters writes them: one element per line, a text's
//! content on a line of its own between its tags) and of the text an SVG or HTML document shows: attribute
//! lookup, unescaping, the text elements and the polylines and polygons.

#![allow(dead_code)]

/// The value of attribute `name` in an element's opening tag (or the first element of `element` that has it).
pub fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = element.find(&key)? + key.len();
    let j = element[i..].find('"')?;
    Some(&element[i..i + j])
}

/// The value of attribute `name` in an element's opening tag as a number; panics naming the element if it
/// has none.
pub fn number(element: &str, name: &str) -> f64 {
    attr(element, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("numeric `{name}` in {element}"))
}

/// Text as SVG (plotters) and HTML (the report's page) escape it, unescaped.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The opening tags of the elements named `name` in `doc`, in order, each without its closing `>` (and
/// without the `/` of an empty element), with where the content after it starts.
fn opening_tags<'a>(doc: &'a str, name: &str) -> Vec<(&'a str, usize)> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = doc[from..].find(&open).map(|i| from + i) {
        let after = i + open.len();
        let end = after + doc[after..].find('>').expect("a closed tag");
        from = end + 1;
        if doc[after..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            out.push((doc[i..end].trim_end_matches('/'), end + 1));
        }
    }
    out
}

/// A text element of an SVG figure.
#[derive(Debug, Clone)]
pub struct Text {
    /// Its opening tag, without the closing `>`, for the attributes not read here.
    pub tag: String,
    /// Its anchor point's `x`, in device units.
    pub x: f64,
    /// Its anchor point's `y`, in device units.
    pub y: f64,
    /// Its `text-anchor`: `start` (the default), `middle` or `end`.
    pub anchor: String,
    /// What it shows: its content, trimmed and unescaped.
    pub content: String,
}

/// Every `<text>` element of `svg`, in order; panics on one without a closing tag or a numeric position.
pub fn texts(svg: &str) -> Vec<Text> {
    opening_tags(svg, "text")
        .into_iter()
        .map(|(tag, start)| {
            let close = svg[start..].find("</text>").expect("a closing tag");
            Text {
                tag: tag.to_string(),
                x: number(tag, "x"),
                y: number(tag, "y"),
                anchor: attr(tag, "text-anchor").unwrap_or("start").to_string(),
                content: unescape(svg[start..start + close].trim()),
            }
        })
        .collect()
}

/// The contents of every text element of `svg`, in order, joined by spaces (so that a legend entry
/// wrapped onto consecutive text elements reads as one line).
pub fn joined_texts(svg: &str) -> String {
    texts(svg)
        .into_iter()
        .map(|t| t.content)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A polyline or polygon of an SVG figure.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Whether it is a polygon (closed and filled), not a polyline.
    pub polygon: bool,
    /// Its `fill` as written (empty where absent).
    pub fill: String,
    /// Its `stroke` as written (empty where absent).
    pub stroke: String,
    /// Its `stroke-width` as written (empty where absent).
    pub width: String,
    /// Its vertices in device units.
    pub points: Vec<(f64, f64)>,
}

/// Every polyline and polygon of `svg`, in order.
pub fn shapes(svg: &str) -> Vec<Shape> {
    let mut tags: Vec<(usize, bool, &str)> = Vec::new();
    for (name, polygon) in [("polyline", false), ("polygon", true)] {
        tags.extend(
            opening_tags(svg, name)
                .into_iter()
                .map(|(tag, start)| (start, polygon, tag)),
        );
    }
    tags.sort_by_key(|t| t.0);
    tags.into_iter()
        .map(|(_, polygon, tag)| Shape {
            polygon,
            fill: attr(tag, "fill").unwrap_or("").to_string(),
            stroke: attr(tag, "stroke").unwrap_or("").to_string(),
            width: attr(tag, "stroke-width").unwrap_or("").to_string(),
            points: attr(tag, "points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect(),
        })
        .collect()
}

/// The text of an SVG or HTML document outside its tags, `<style>` and `<code>` elements (the page's
/// provenance quotes each configuration's exact parameters as code), unescaped; each tag stands as a space.
pub fn shown_text(doc: &str) -> String {
    let mut out = String::new();
    let mut rest = doc;
    while let Some(i) = rest.find('<') {
        out.push_str(&unescape(&rest[..i]));
        out.push(' ');
        let after = &rest[i..];
        let skip = ["<style", "<code"]
            .iter()
            .find(|open| after.starts_with(*open))
            .map(|open| format!("</{}>", &open[1..]));
        rest = match skip {
            Some(close) => after.find(&close).map_or("", |j| &after[j + close.len()..]),
            None => after.find('>').map_or("", |j| &after[j + 1..]),
        };
    }
    out.push_str(&unescape(rest));
    out
}
