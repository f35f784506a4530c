//! The characters a LaTeX text font does not have, as math: Greek letters (`κ` is `\kappa`), relations and
//! operators (`≤`, `×`, `∝`, `√`, `‖`), and superscript digits and signs (`⁻¹` is `^{-1}`), for
//! [`latex_escape`](super::latex_escape), which sets each run of them in one `$...$`.

/// The math-mode form of `c`, when it is a character set as math: Greek letters, relations and operators.
pub fn symbol(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "\\alpha",
        'β' => "\\beta",
        'γ' => "\\gamma",
        'δ' => "\\delta",
        'ε' => "\\varepsilon",
        'ζ' => "\\zeta",
        'η' => "\\eta",
        'θ' => "\\theta",
        'ι' => "\\iota",
        'κ' => "\\kappa",
        'λ' => "\\lambda",
        'μ' => "\\mu",
        'ν' => "\\nu",
        'ξ' => "\\xi",
        'π' => "\\pi",
        'ρ' => "\\rho",
        'σ' => "\\sigma",
        'τ' => "\\tau",
        'υ' => "\\upsilon",
        'φ' => "\\phi",
        'χ' => "\\chi",
        'ψ' => "\\psi",
        'ω' => "\\omega",
        'Γ' => "\\Gamma",
        'Δ' => "\\Delta",
        'Θ' => "\\Theta",
        'Λ' => "\\Lambda",
        'Ξ' => "\\Xi",
        'Π' => "\\Pi",
        'Σ' => "\\Sigma",
        'Υ' => "\\Upsilon",
        'Φ' => "\\Phi",
        'Ψ' => "\\Psi",
        'Ω' => "\\Omega",
        '≤' => "\\le",
        '≥' => "\\ge",
        '≈' => "\\approx",
        '≠' => "\\neq",
        '×' => "\\times",
        '·' => "\\cdot",
        '−' => "-",
        '±' => "\\pm",
        '∝' => "\\propto",
        '√' => "\\surd",
        '‖' => "\\|",
        '∞' => "\\infty",
        '→' => "\\to",
        _ => return None,
    })
}

/// The plain form of a superscript digit or sign (`⁻` is `-`), when `c` is one.
pub fn superscript(c: char) -> Option<char> {
    Some(match c {
        '⁰' => '0',
        '¹' => '1',
        '²' => '2',
        '³' => '3',
        '⁴' => '4',
        '⁵' => '5',
        '⁶' => '6',
        '⁷' => '7',
        '⁸' => '8',
        '⁹' => '9',
        '⁻' => '-',
        '⁺' => '+',
        _ => return None,
    })
}

/// Whether `c` is set as math by [`latex_escape`](super::latex_escape).
pub fn is_math(c: char) -> bool {
    symbol(c).is_some() || superscript(c).is_some()
}

/// A run of math characters (each [`is_math`]) as the inside of one `$...$`: symbols separated by spaces
/// where a letter could follow a command, and each run of superscripts as one `^{...}`.
pub fn run(chars: &[char]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if superscript(chars[i]).is_some() {
            let sup: String = chars[i..].iter().map_while(|&c| superscript(c)).collect();
            i += sup.chars().count();
            // A superscript needs a base: an empty group where the run starts with one.
            if out.is_empty() {
                out.push_str("{}");
            }
            out.push_str(&format!("^{{{sup}}}"));
        } else if let Some(s) = symbol(chars[i]) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greek_and_superscripts_become_math() {
        assert_eq!(run(&['κ']), "\\kappa");
        assert_eq!(run(&['⁻', '¹']), "{}^{-1}");
        assert_eq!(run(&['λ', '²']), "\\lambda^{2}");
        assert_eq!(run(&['≤', 'η']), "\\le \\eta");
        assert!(is_math('Ω') && !is_math('a') && !is_math('é'));
    }
}
