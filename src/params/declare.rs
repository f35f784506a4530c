//! One declaration per parameter: [`declare_params!`](crate::declare_params) writes a config struct, its
//! defaults, its serialization and its [`ParamDoc`](super::ParamDoc) listing from one list of keys, and
//! [`declare_choice!`](crate::declare_choice) writes a key's set of words as an enum.
//!
//! A key is declared as
//! ```text
//! /// The line `optzoo list` shows: meaning and accepted values.
//! name: Type = DEFAULT,
//! ```
//! where `DEFAULT` is one token:
//! - a literal (`1e-3`, `60`, `"armijo"`, or a parenthesised expression): the default, shown as written.
//!   On an `Option<T>` field the literal is the value the key's absence means: the field stays `None` (and
//!   out of the serialized parameters, so spelling a default out never changes a run id), and
//!   `filled()` replaces `None` by it;
//! - `none`: an `Option<T>` without a default (shown as `none`; some other key may require it);
//! - `required`: the key must be given (shown as `required`; [`super::from_table`] names it when missing);
//! - `derived("text")`: an `Option<T>` whose default the other keys decide (`mgh`'s `dim` is the size of the
//!   problem its `problem` key names), shown as the text. The struct implements [`Derive`], which fills
//!   such keys in; the serialized parameters record the value, given or derived (so spelling a derived
//!   default out never changes a run id), and `filled()` fills it in too.
//!
//! A key whose type is a word choice ([`declare_choice!`](crate::declare_choice)) quotes every word in its doc
//! line; a word missing there fails to compile ([`KeyType::WORDS`]).
//!
//! A list-valued key with a default declares it as an array literal (`widths: Widths = [4, 8, 2]`, shown as
//! written) on a type implementing [`Declared`] for arrays, [`KeyType`] and serde's traits.
//!
//! The struct derives `Deserialize` with `default` and `deny_unknown_fields`; its `Serialize` writes the fields
//! in declaration order, leaving out the `Option` fields that are `None` (what `skip_serializing_if =
//! "Option::is_none"` did), so the canonical JSON of a run's parameters is what it was when each key was
//! written by hand. A crate outside optzoo uses the macros as they are (they name serde through
//! `optzoo::serde`).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A value a declared literal gives: the field's value in `Default` ([`Declared::declared`]) and the value
/// its absence means ([`Declared::filled`]). Implemented for the numbers, `bool`, `String`, every choice and
/// [`NumberOr`], and for `Option` of each.
pub trait Declared<L>: Sized {
    /// The field's value in `Default`: the literal itself, or `None` for an `Option`.
    fn declared(literal: L) -> Self;
    /// `self` with an absent `Option` replaced by the literal (other values unchanged).
    fn filled(self, literal: L) -> Self;
}

macro_rules! declared_plain {
    ($($ty:ty),*) => {$(
        impl Declared<$ty> for $ty {
            fn declared(literal: $ty) -> Self {
                literal
            }
            fn filled(self, _literal: $ty) -> Self {
                self
            }
        }
        impl Declared<$ty> for Option<$ty> {
            fn declared(_literal: $ty) -> Self {
                None
            }
            fn filled(self, literal: $ty) -> Self {
                self.or(Some(literal))
            }
        }
    )*};
}

declared_plain!(f64, u32, u64, usize, i64, bool);

impl Declared<&str> for String {
    fn declared(literal: &str) -> Self {
        literal.to_string()
    }
    fn filled(self, _literal: &str) -> Self {
        self
    }
}

impl Declared<&str> for Option<String> {
    fn declared(_literal: &str) -> Self {
        None
    }
    fn filled(self, literal: &str) -> Self {
        self.or_else(|| Some(literal.to_string()))
    }
}

/// A list-valued key declared with an array literal (`sizes: Vec<usize> = [4, 8, 2]`).
impl<T, const N: usize> Declared<[T; N]> for Vec<T> {
    fn declared(literal: [T; N]) -> Self {
        Vec::from(literal)
    }
    fn filled(self, _literal: [T; N]) -> Self {
        self
    }
}

/// What the macro asks of a key's type besides serde: whether a value is left out of the serialized
/// parameters (an `Option` that is `None`), and the words it accepts (a [`Choice`]'s), which the key's doc
/// line must quote: a word added to a choice and not to the doc lines of its keys fails to compile.
pub trait KeyType {
    /// The words a value may be (none for a number, a list or free text).
    const WORDS: &'static [&'static str] = &[];

    /// `true` for an absent `Option`.
    fn skip(&self) -> bool {
        false
    }
}

impl<T: KeyType> KeyType for Option<T> {
    const WORDS: &'static [&'static str] = T::WORDS;

    fn skip(&self) -> bool {
        self.is_none()
    }
}

macro_rules! plain_key_types {
    ($($ty:ty),*) => {$( impl KeyType for $ty {} )*};
}

plain_key_types!(f64, u32, u64, usize, i64, bool, String);
impl<T> KeyType for Vec<T> {}
impl<K, V> KeyType for std::collections::BTreeMap<K, V> {}
impl<K, V> KeyType for serde_json::Map<K, V> {}
impl<W: Choice> KeyType for NumberOr<W> {
    const WORDS: &'static [&'static str] = W::WORDS;
}

/// Whether `doc` quotes every one of `words` (`"armijo"`), at compile time.
pub const fn quotes_all(doc: &str, words: &[&str]) -> bool {
    let mut w = 0;
    while w < words.len() {
        if !quotes(doc.as_bytes(), words[w].as_bytes()) {
            return false;
        }
        w += 1;
    }
    true
}

/// Whether `doc` holds `word` between double quotes.
const fn quotes(doc: &[u8], word: &[u8]) -> bool {
    let n = word.len() + 2;
    let mut i = 0;
    while i + n <= doc.len() {
        if doc[i] == b'"' && doc[i + n - 1] == b'"' {
            let mut j = 0;
            while j < word.len() && doc[i + 1 + j] == word[j] {
                j += 1;
            }
            if j == word.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// A declaration with keys declared `derived("...")`, whose default the other keys decide: the macro's
/// `Serialize` and `filled()` take those keys from [`Derive::derived`].
pub trait Derive: Sized {
    /// These parameters with every absent derived key replaced by the value the other keys give it, and
    /// unchanged where they give none (a combination that the config's check refuses).
    fn derived(&self) -> Self;
}

/// A key's set of words, as [`declare_choice!`](crate::declare_choice) writes it.
pub trait Choice: Copy + Sized + 'static {
    /// Every word, in declaration order.
    const WORDS: &'static [&'static str];
    /// The first value declared.
    const FIRST: Self;
    /// The word of a value, as TOML spells it.
    fn word(self) -> &'static str;
    /// The value of a word.
    fn from_word(word: &str) -> Option<Self>;
}

/// A key that takes a number or one of the words of a [`Choice`] (`step = 0.1` or `step = "armijo"`);
/// serialized as the number or the word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberOr<W> {
    /// A number.
    Number(f64),
    /// A word.
    Word(W),
}

impl<W: Choice> Serialize for NumberOr<W> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NumberOr::Number(v) => s.serialize_f64(*v),
            NumberOr::Word(w) => s.serialize_str(w.word()),
        }
    }
}

impl<'de, W: Choice> Deserialize<'de> for NumberOr<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<W>(std::marker::PhantomData<W>);
        impl<W: Choice> Visitor<'_> for V<W> {
            type Value = NumberOr<W>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a number or one of {}", quoted(W::WORDS))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(NumberOr::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(NumberOr::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(NumberOr::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                W::from_word(v).map(NumberOr::Word).ok_or_else(|| {
                    E::custom(format!(
                        "unknown variant `{v}`, expected a number or one of {}",
                        quoted(W::WORDS)
                    ))
                })
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<W: Choice> Declared<&str> for NumberOr<W> {
    fn declared(literal: &str) -> Self {
        NumberOr::Word(word_or_first(literal))
    }
    fn filled(self, _literal: &str) -> Self {
        self
    }
}

impl<W> Declared<f64> for NumberOr<W> {
    fn declared(literal: f64) -> Self {
        NumberOr::Number(literal)
    }
    fn filled(self, _literal: f64) -> Self {
        self
    }
}

/// The value of a declared default word. A word that is not one of the choice's is a declaration error,
/// which the registries' tests catch (every listed default must parse back to the default value); it falls
/// back to the first word rather than fail at run time.
pub fn word_or_first<W: Choice>(literal: &str) -> W {
    W::from_word(literal).unwrap_or(W::FIRST)
}

/// `` `a`, `b`, `c` ``: how serde lists the expected words.
pub fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Declares a key's set of words as a `Copy` enum that serializes to and from its words:
/// ```text
/// declare_choice! {
///     /// Which Newton method.
///     pub enum Mode {
///         /// Unit steps on `H d = -g`.
///         Pure = "pure",
///         /// Shift, then Armijo.
///         LineSearch = "line-search",
///     }
/// }
/// ```
/// A word that is not one of them is refused with serde's "unknown variant" error, which
/// [`from_table`](crate::params::from_table) turns into one naming the key and listing the words.
#[macro_export]
macro_rules! declare_choice {
    (@first $first:path $(, $rest:path)*) => { $first };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl $name {
            /// Every word, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The word of this value, as TOML spells it.
            pub const fn word(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }
        }

        impl $crate::params::declare::Choice for $name {
            const WORDS: &'static [&'static str] = &[$($word),+];
            const FIRST: Self = $crate::declare_choice!(@first $($name::$variant),+);
            fn word(self) -> &'static str {
                $name::word(self)
            }
            fn from_word(word: &str) -> Option<Self> {
                match word {
                    $( $word => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.word())
            }
        }

        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.word())
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = <::std::string::String as $crate::serde::Deserialize>::deserialize(d)?;
                <$name as $crate::params::declare::Choice>::from_word(&word).ok_or_else(|| {
                    <D::Error as $crate::serde::de::Error>::unknown_variant(&word, $name::WORDS)
                })
            }
        }

        impl $crate::params::declare::KeyType for $name {
            const WORDS: &'static [&'static str] = &[$($word),+];
        }

        impl $crate::params::declare::Declared<&str> for $name {
            fn declared(literal: &str) -> Self {
                $crate::params::declare::word_or_first(literal)
            }
            fn filled(self, _literal: &str) -> Self {
                self
            }
        }

        impl $crate::params::declare::Declared<&str> for Option<$name> {
            fn declared(_literal: &str) -> Self {
                None
            }
            fn filled(self, literal: &str) -> Self {
                self.or_else(|| Some($crate::params::declare::word_or_first(literal)))
            }
        }
    };
}

/// Declares a config struct from one list of keys (see [the module](crate::params::declare)):
/// ```text
/// declare_params! {
///     /// The parameters of `adam`.
///     #[derive(Debug, Clone, Copy)]
///     pub struct AdamConfig {
///         /// learning rate > 0
///         lr: f64 = 1e-3,
///         /// Armijo constant, in (0, 0.5]
///         c1: Option<f64> = 1e-4,
///         /// the client's command line
///         command: Vec<String> = required,
///         /// number of variables, where the problem lets it vary
///         dim: Option<usize> = derived("the problem's"),
///     }
/// }
/// ```
/// It writes the struct (every field `pub`, documented by its line), `Default`, `Deserialize` (`default`,
/// `deny_unknown_fields`), `Serialize` (fields in order, absent `Option`s left out, derived keys as
/// [`Derive`] fills them in), `filled()` (absent `Option`s replaced by the value their absence means) and
/// `PARAMS`, the keys' [`ParamDoc`]s with each default as declared (a derived key's as its text).
///
/// [`ParamDoc`]: crate::params::ParamDoc
/// [`Derive`]: crate::params::declare::Derive
#[macro_export]
macro_rules! declare_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $default:tt $(($text:literal))?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive($crate::serde::Deserialize)]
        #[serde(crate = "optzoo::serde", default, deny_unknown_fields)]
        $vis struct $name {
            $( $(#[doc = $doc])+ pub $field: $ty, )*
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                $name { $( $field: $crate::declare_params!(@value $default $($text)?), )* }
            }
        }

        // Every word a key's type accepts is quoted in the key's doc line, checked when this compiles.
        const _: () = {
            $( assert!(
                $crate::params::declare::quotes_all(
                    concat!($($doc),+),
                    <$ty as $crate::params::declare::KeyType>::WORDS,
                ),
                concat!("the doc line of `", stringify!($field), "` must quote every word its type accepts"),
            ); )*
        };

        impl $name {
            /// The keys, in order, with their declared defaults.
            pub const PARAMS: &'static [$crate::params::ParamDoc] = &[
                $( $crate::params::ParamDoc {
                    name: stringify!($field),
                    default: $crate::declare_params!(@shown $default $($text)?),
                    doc: $crate::params::declare::joined(concat!($($doc),+)),
                }, )*
            ];

            /// These parameters with every absent optional key replaced by the value its absence means.
            pub fn filled(self) -> Self {
                // The derived keys first, from the keys as given; `None` when none is declared.
                #[allow(unused_mut)]
                let mut derived: ::std::option::Option<Self> = None;
                $( $crate::declare_params!(@derive self, derived, $default $($text)?); )*
                let _ = &derived;
                $name {
                    $( $field: $crate::declare_params!(
                        @filled self.$field, derived, $field, $default $($text)?
                    ), )*
                }
            }
        }

        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use $crate::serde::ser::SerializeStruct;
                // What the derived keys record, computed once if any is declared.
                let derived: ::std::cell::OnceCell<Self> = ::std::cell::OnceCell::new();
                let _ = &derived;
                let len = 0 $( + usize::from(!$crate::params::declare::KeyType::skip(
                    $crate::declare_params!(@written self, derived, $field, $default $($text)?)
                )) )*;
                #[allow(unused_mut)]
                let mut st = s.serialize_struct(stringify!($name), len)?;
                $(
                    let value = $crate::declare_params!(@written self, derived, $field, $default $($text)?);
                    if $crate::params::declare::KeyType::skip(value) {
                        st.skip_field(stringify!($field))?;
                    } else {
                        st.serialize_field(stringify!($field), value)?;
                    }
                )*
                st.end()
            }
        }
    };
    (@value derived $text:literal) => { None };
    (@value required) => { ::std::default::Default::default() };
    (@value none) => { None };
    (@value $lit:tt) => { $crate::params::declare::Declared::declared($lit) };
    (@shown derived $text:literal) => { $text };
    (@shown required) => { "required" };
    (@shown none) => { "none" };
    (@shown $lit:tt) => { stringify!($lit) };
    (@derive $s:tt, $d:ident, derived $text:literal) => {
        if $d.is_none() {
            $d = Some($crate::params::declare::Derive::derived(&$s));
        }
    };
    (@derive $s:tt, $d:ident, $lit:tt) => {};
    (@filled $v:expr, $d:ident, $field:ident, derived $text:literal) => {
        $d.as_mut().and_then(|all| all.$field.take())
    };
    (@filled $v:expr, $d:ident, $field:ident, required) => { $v };
    (@filled $v:expr, $d:ident, $field:ident, none) => { $v };
    (@filled $v:expr, $d:ident, $field:ident, $lit:tt) => {
        $crate::params::declare::Declared::filled($v, $lit)
    };
    (@written $s:tt, $d:ident, $field:ident, derived $text:literal) => {
        &$d.get_or_init(|| $crate::params::declare::Derive::derived($s)).$field
    };
    (@written $s:tt, $d:ident, $field:ident, $lit:tt) => { &$s.$field };
}

/// A declared key's doc comment as one line, trimmed (its lines, each starting with a space, joined): what
/// `optzoo list` shows.
pub const fn joined(doc: &'static str) -> &'static str {
    doc.trim_ascii()
}

/// The [`ParamDoc`](super::ParamDoc)s of several declarations as one list of `M` keys, in order (`M` must
/// be their total count: any other fails to compile where it is a constant).
pub const fn concat<const M: usize>(parts: &[&[super::ParamDoc]]) -> [super::ParamDoc; M] {
    let blank = super::ParamDoc {
        name: "",
        default: "",
        doc: "",
    };
    let mut out = [blank; M];
    let (mut i, mut p) = (0, 0);
    while p < parts.len() {
        let mut j = 0;
        while j < parts[p].len() {
            out[i] = parts[p][j];
            i += 1;
            j += 1;
        }
        p += 1;
    }
    assert!(i == M, "M must be the parts' total count of keys");
    out
}

/// The [`ParamDoc`](super::ParamDoc)s of `docs` named in `names`, in the order of `docs` (`M` must be their
/// count, and every name must be declared: otherwise it fails to compile where it is a constant).
pub const fn select<const M: usize>(
    docs: &[super::ParamDoc],
    names: &[&str],
) -> [super::ParamDoc; M] {
    let blank = super::ParamDoc {
        name: "",
        default: "",
        doc: "",
    };
    let mut out = [blank; M];
    let (mut i, mut d) = (0, 0);
    while d < docs.len() {
        let mut n = 0;
        while n < names.len() {
            if same(docs[d].name, names[n]) {
                out[i] = docs[d];
                i += 1;
            }
            n += 1;
        }
        d += 1;
    }
    assert!(
        i == M,
        "every selected name must be declared once, and M their count"
    );
    out
}

/// Whether two strings are equal, in a constant.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    crate::declare_choice! {
        /// A test choice.
        pub enum Shape {
            /// Round.
            Round = "round",
            /// Two words.
            TwoWords = "two-words",
        }
    }

    crate::declare_params! {
        /// A test declaration.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Demo {
            /// a number
            /// on two lines
            rate: f64 = 1e-3,
            /// a count
            count: u32 = 7,
            /// a word, "round" or "two-words"
            shape: Shape = "two-words",
            /// absent unless given
            tol: Option<f64> = 0.5,
            /// no default
            size: Option<usize> = none,
            /// must be given
            dim: usize = required,
            /// a number or a word, "round" or "two-words"
            step: super::NumberOr<Shape> = "round",
        }
    }

    #[test]
    fn one_declaration_gives_defaults_listing_and_serialization() {
        let d = Demo::default();
        assert_eq!(
            (d.rate, d.count, d.shape, d.tol, d.size, d.dim),
            (1e-3, 7, Shape::TwoWords, None, None, 0)
        );
        assert_eq!(d.step, super::NumberOr::Word(Shape::Round));
        let shown: Vec<(&str, &str, &str)> = Demo::PARAMS
            .iter()
            .map(|p| (p.name, p.default, p.doc))
            .collect();
        assert_eq!(
            shown,
            [
                ("rate", "1e-3", "a number on two lines"),
                ("count", "7", "a count"),
                (
                    "shape",
                    "\"two-words\"",
                    "a word, \"round\" or \"two-words\""
                ),
                ("tol", "0.5", "absent unless given"),
                ("size", "none", "no default"),
                ("dim", "required", "must be given"),
                (
                    "step",
                    "\"round\"",
                    "a number or a word, \"round\" or \"two-words\""
                ),
            ]
        );
        // Absent options are left out, in declaration order otherwise; filled() gives them their value.
        assert_eq!(
            serde_json::to_string(&d).expect("serializes"),
            r#"{"rate":0.001,"count":7,"shape":"two-words","dim":0,"step":"round"}"#
        );
        assert_eq!(d.clone().filled().tol, Some(0.5));
        assert_eq!(d.filled().size, None);
    }

    crate::declare_params! {
        /// A test declaration with a list and a derived key.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Layers {
            /// the widths
            widths: Vec<usize> = [4, 8, 2],
            /// the depth, len(widths) - 1 unless given
            depth: Option<usize> = derived("the widths'"),
            /// a plain optional key
            tol: Option<f64> = 0.5,
        }
    }

    impl super::Derive for Layers {
        fn derived(&self) -> Self {
            Layers {
                depth: self.depth.or(self.widths.len().checked_sub(1)),
                ..self.clone()
            }
        }
    }

    #[test]
    fn list_and_derived_keys_are_declared_once() {
        let d = Layers::default();
        assert_eq!((d.widths.as_slice(), d.depth), (&[4, 8, 2][..], None));
        let shown: Vec<(&str, &str)> = Layers::PARAMS.iter().map(|p| (p.name, p.default)).collect();
        assert_eq!(
            shown,
            [
                ("widths", "[4, 8, 2]"),
                ("depth", "the widths'"),
                ("tol", "0.5")
            ]
        );
        // A derived key records its value, given or derived: spelling it out changes nothing.
        let json = |l: &Layers| serde_json::to_string(l).expect("serializes");
        assert_eq!(json(&d), r#"{"widths":[4,8,2],"depth":2}"#);
        let given = Layers {
            depth: Some(2),
            ..Layers::default()
        };
        assert_eq!(json(&given), json(&d));
        let none = Layers {
            widths: Vec::new(),
            ..Layers::default()
        };
        assert_eq!(json(&none), r#"{"widths":[]}"#);
        assert_eq!(
            (d.clone().filled().depth, d.filled().tol),
            (Some(2), Some(0.5))
        );
        let t: toml::Table = toml::from_str("widths = [3, 1]").expect("valid TOML");
        let parsed: Layers = crate::params::from_table(&t, Layers::PARAMS).expect("valid");
        assert_eq!((parsed.widths, parsed.depth), (vec![3, 1], None));
    }

    #[test]
    fn parsing_checks_words_required_keys_and_unknown_keys() {
        let parse = |text: &str| {
            let t: toml::Table = toml::from_str(text).expect("test tables are valid TOML");
            crate::params::from_table::<Demo>(&t, Demo::PARAMS)
        };
        let d = parse("dim = 3\nstep = 2\ntol = 0.25").expect("valid");
        assert_eq!(
            (d.dim, d.step, d.tol),
            (3, super::NumberOr::Number(2.0), Some(0.25))
        );
        let e = parse("rate = 1").unwrap_err();
        assert_eq!(e.message, "missing required key `dim`");
        let e = parse("dim = 1\nshape = \"rund\"").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("shape"));
        assert!(
            e.message
                .starts_with("`shape` = \"rund\" is not valid; did you mean `round`?")
                && e.message.ends_with("expected one of: round, two-words"),
            "{}",
            e.message
        );
        let e = parse("dim = 1\nstep = \"square\"").unwrap_err();
        assert!(
            e.message
                .ends_with("expected a number or one of: round, two-words"),
            "{}",
            e.message
        );
        let e = parse("dim = 1\nsize = 2\ncolor = 1").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("color"));
    }

    #[test]
    fn a_word_counts_as_quoted_only_whole_and_between_double_quotes() {
        assert!(super::quotes_all(
            r#"the step: "armijo" or a number"#,
            &["armijo"]
        ));
        assert!(!super::quotes_all("the step: armijo", &["armijo"]));
        assert!(!super::quotes_all(r#""armijo-wolfe""#, &["armijo"]));
        assert!(!super::quotes_all(r#""a" and "b""#, &["a", "c"]));
        assert!(super::quotes_all("no words to quote", &[]));
    }
}
