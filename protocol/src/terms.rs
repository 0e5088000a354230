//! Common words and phrases across the groups' definitions: case- and accent-insensitive,
//! English and Portuguese stop words removed, plurals and simple endings stemmed, so that
//! "client" and "clients", "solução" and "soluções" count as one.

use std::collections::{BTreeMap, BTreeSet};

use crate::limits::MAX_COMMON_TERMS;
use crate::ids::GroupId;
use crate::shared::TextTarget;
use crate::state::{CommonTerm, Highlight, RoomState};

/// English and Portuguese words that carry no meaning of their own, accents removed.
const STOP_WORDS: &[&str] = &[
    // English
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "between", "both", "but", "by", "can", "could", "did",
    "do", "does", "doing", "down", "during", "each", "every", "few", "for", "from", "further", "had", "has",
    "have", "having", "her", "here", "hers", "him", "his", "how", "into", "is", "it", "its", "itself",
    "just", "more", "most", "much", "must", "not", "nor", "of", "off", "on", "once", "only", "or", "other",
    "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that",
    "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "too",
    "under", "until", "up", "very", "was", "were", "what", "when", "where", "which", "while", "who", "whom",
    "whose", "why", "will", "with", "within", "would", "you", "your", "yours", "we", "us", "i", "me", "my",
    "in", "to", "no", "yes", "way", "ways", // Portuguese
    "o", "os", "as", "um", "uma", "uns", "umas", "e", "ou", "mas", "de", "do", "da", "dos", "das", "em",
    "no", "na", "nos", "nas", "num", "numa", "por", "pelo", "pela", "pelos", "pelas", "para", "pra", "com",
    "sem", "sob", "sobre", "entre", "ao", "aos", "que", "se", "sao", "ser", "foi", "sera", "como", "mais",
    "menos", "muito", "muita", "muitos", "muitas", "seu", "sua", "seus", "suas", "nosso", "nossa", "nossos",
    "nossas", "eles", "elas", "ele", "ela", "isso", "isto", "este", "esta", "estes", "estas", "esse", "essa",
    "esses", "essas", "aquele", "aquela", "aqueles", "aquelas", "lhe", "lhes", "ja", "tambem", "so",
    "quando", "onde", "porque", "ate", "cada", "todo", "toda", "todos", "todas", "qual", "quais", "ha",
    "ter", "tem", "estar", "estao", "meu", "minha", "eu", "voce", "voces", "forma", "modo",
];

/// Lowercase and without accents (the Latin letters English and Portuguese use).
pub fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// A light stemmer: plural and common verb endings of English and Portuguese.
pub fn stem(folded: &str) -> String {
    let w = folded;
    let n = w.len();
    if n <= 3 {
        return w.to_owned();
    }
    let replace = |suffix: &str, with: &str| format!("{}{with}", &w[..n - suffix.len()]);
    for (suffix, with, min) in [
        ("coes", "cao", 5),
        ("soes", "sao", 5),
        ("oes", "ao", 5),
        ("aes", "ao", 5),
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("eis", "el", 5),
        ("ais", "al", 5),
        ("gens", "gem", 6),
        ("mens", "mem", 6),
        ("ing", "", 6),
        ("ed", "", 5),
    ] {
        if n >= min && w.ends_with(suffix) {
            return replace(suffix, with);
        }
    }
    if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        return replace("s", "");
    }
    w.to_owned()
}

/// One meaningful word: its stem and how it was written (lowercase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub stem: String,
    pub surface: String,
    /// Whether a stop word stood between this word and the previous one.
    pub after_gap: bool,
}

/// The meaningful words of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut gap = false;
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let folded = fold(word);
        if folded.chars().count() < 3
            || STOP_WORDS.contains(&folded.as_str())
            || folded.chars().all(|c| c.is_numeric())
        {
            gap = true;
            continue;
        }
        out.push(Token { stem: stem(&folded), surface: word.to_lowercase(), after_gap: gap });
        gap = false;
    }
    out
}

/// Single words and adjacent pairs of `text`: stem key -> surface form.
fn terms_of(text: &str) -> BTreeMap<String, String> {
    let tokens = tokens(text);
    let mut out = BTreeMap::new();
    for (i, token) in tokens.iter().enumerate() {
        out.insert(token.stem.clone(), token.surface.clone());
        if let Some(next) = tokens.get(i + 1).filter(|t| !t.after_gap) {
            out.insert(
                format!("{} {}", token.stem, next.stem),
                format!("{} {}", token.surface, next.surface),
            );
        }
    }
    out
}

/// The words and phrases that recur: in at least two definitions, or highlighted at least
/// twice. Most shared first.
pub fn common_terms(state: &RoomState) -> Vec<CommonTerm> {
    let texts = state.definitions.groups.keys().map(|group| {
        (*group, state.text_of(&TextTarget::Definition { group: *group }))
    });
    common_terms_of(texts, state.definitions.highlights.values())
}

/// [`common_terms`] of these groups' sentences and these highlights.
pub fn common_terms_of<'a>(
    texts: impl Iterator<Item = (GroupId, &'a str)>,
    highlights: impl Iterator<Item = &'a Highlight>,
) -> Vec<CommonTerm> {
    let mut in_definitions: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    let mut surfaces: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for (group, text) in texts {
        for (key, surface) in terms_of(text) {
            in_definitions.entry(key.clone()).or_default().insert(group);
            *surfaces.entry(key).or_default().entry(surface).or_default() += 1;
        }
    }
    let mut highlighted: BTreeMap<String, u32> = BTreeMap::new();
    for highlight in highlights {
        for (key, surface) in terms_of(&highlight.phrase) {
            *highlighted.entry(key.clone()).or_default() += 1;
            surfaces.entry(key).or_default().entry(surface).or_default();
        }
    }
    let keys: BTreeSet<&String> = in_definitions.keys().chain(highlighted.keys()).collect();
    let mut terms: Vec<CommonTerm> = keys
        .into_iter()
        .filter_map(|key| {
            let definitions = in_definitions.get(key).map_or(0, |g| g.len() as u32);
            let highlights = highlighted.get(key).copied().unwrap_or(0);
            if definitions < 2 && highlights < 2 {
                return None;
            }
            // The most frequent way of writing it; ties go to the alphabetically first.
            let term = surfaces.get(key)?.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?.0.clone();
            Some(CommonTerm { term, definitions, highlights })
        })
        .collect();
    terms.sort_by(|a, b| {
        (b.definitions + b.highlights, b.definitions, &a.term).cmp(&(
            a.definitions + a.highlights,
            a.definitions,
            &b.term,
        ))
    });
    terms.truncate(MAX_COMMON_TERMS);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_stemming_match_plurals_and_accents() {
        let stems = |words: &[&str]| words.iter().map(|w| stem(&fold(w))).collect::<Vec<_>>();
        assert_eq!(stems(&["Clients", "client", "CLIENT"]), ["client"; 3]);
        assert_eq!(stems(&["clientes", "Cliente"]), ["cliente"; 2]);
        assert_eq!(stems(&["soluções", "solução", "Solucao"]), ["solucao"; 3]);
        assert_eq!(stems(&["needs", "need", "needed"]), ["need"; 3]);
        assert_eq!(stems(&["listening", "listened", "listens"]), ["listen"; 3]);
        assert_eq!(stems(&["companies", "company"]), ["company"; 2]);
        assert_eq!(stems(&["pessoais", "pessoal"]), ["pessoal"; 2]);
        assert_eq!(stems(&["mensagens", "mensagem", "homens"]), ["mensagem", "mensagem", "homem"]);
        assert_eq!(stems(&["necessidades", "necessidade"]), ["necessidade"; 2]);
        assert_eq!(stems(&["business", "focus", "services"]), ["business", "focus", "service"]);
    }

    #[test]
    fn stop_words_and_short_words_are_dropped() {
        let words: Vec<String> =
            tokens("We put the client at the centre of all we do").into_iter().map(|t| t.surface).collect();
        assert_eq!(words, ["put", "client", "centre"]);
        let words: Vec<String> = tokens("Colocar o cliente no centro de tudo o que fazemos")
            .into_iter()
            .map(|t| t.surface)
            .collect();
        assert_eq!(words, ["colocar", "cliente", "centro", "tudo", "fazemos"]);
    }

    fn definitions(texts: &[&'static str]) -> Vec<(u32, &'static str)> {
        texts.iter().enumerate().map(|(i, text)| (i as u32 + 1, *text)).collect()
    }

    fn common_terms(texts: &[(u32, &'static str)]) -> Vec<CommonTerm> {
        common_terms_of(texts.iter().copied(), std::iter::empty())
    }

    #[test]
    fn english_definitions_share_words_and_phrases() {
        let d = definitions(&[
            "Putting the client's needs at the heart of every decision we make.",
            "We design around client needs and listen to their feedback.",
            "Every decision starts from what our clients need, and we listen.",
        ]);
        let terms: Vec<(String, u32)> =
            common_terms(&d).into_iter().map(|t| (t.term, t.definitions)).collect();
        assert_eq!(
            terms,
            [
                ("client".to_owned(), 3),
                ("needs".to_owned(), 3),
                ("client needs".to_owned(), 2),
                ("decision".to_owned(), 2),
                ("listen".to_owned(), 2),
            ]
        );
    }

    #[test]
    fn portuguese_definitions_share_words_across_accents_and_plurals() {
        let d = definitions(&[
            "Colocar o cliente no centro das nossas decisões.",
            "Ouvir os clientes e criar soluções à medida das suas necessidades.",
            "Cada decisão parte das necessidades do cliente.",
        ]);
        let terms: Vec<(String, u32)> =
            common_terms(&d).into_iter().map(|t| (t.term, t.definitions)).collect();
        assert_eq!(
            terms,
            [("cliente".to_owned(), 3), ("decisão".to_owned(), 2), ("necessidades".to_owned(), 2),]
        );
    }
}
