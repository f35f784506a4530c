//! Near-miss suggestions for unknown names ("did you mean ...?").

/// The edit distance between two strings (insertions, deletions, substitutions), case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `"; did you mean `x`?"` for the closest of `known` within a third of the name's length (at least 2
/// edits), or an empty string.
pub fn did_you_mean(name: &str, known: &[&str]) -> String {
    let limit = (name.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("adma", "adam"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "gd"), 2);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("qudratic", &["quadratic", "rosenbrock"]),
            "; did you mean `quadratic`?"
        );
        assert_eq!(did_you_mean("zzzzzzzz", &["quadratic", "rosenbrock"]), "");
    }
}
