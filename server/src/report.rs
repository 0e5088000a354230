//! The report of a room, for people (Markdown) and machines (JSON, CSV): every step's outcome.
//! It is built from the room as anyone may see it (no private notes, no individual votes).
//!
//! The words around the room's own text come from a small table in the room's language and
//! lens; the browser's full translation table lives in `web/src/i18n.js`.

use std::fmt::Write as _;

use horseshoe_protocol::{Column, ItemId, Language, Lens, MemberId, RoomState, TextTarget};

/// The report's fixed words in one language, with `{c}` standing for the lens word.
struct Words {
    workshop: &'static str,
    generated: &'static str,
    lens: &'static str,
    /// The lens as the printable report names it ("Staff-centricity"), with `{c}`/`{C}`.
    centricity: &'static str,
    steps: [&'static str; 6],
    name: &'static str,
    bring: &'static str,
    get_out: &'static str,
    named: &'static str,
    group: &'static str,
    team: &'static str,
    highlights: &'static str,
    common: &'static str,
    /// One and more than one: `[one, other]`.
    in_definitions: [&'static str; 2],
    highlighted: [&'static str; 2],
    working: &'static str,
    help_me: &'static str,
    unclustered: &'static str,
    unnamed: &'static str,
    categories: [&'static str; 6],
    succeeded: &'static str,
    failed: &'static str,
    rating: &'static str,
    dots: [&'static str; 2],
    owner: &'static str,
    due: &'static str,
    /// Nothing given: for an owner, and for a date (Portuguese agrees with the noun).
    none: &'static str,
    no_date: &'static str,
    final_list: &'static str,
    /// Before an area merged into the one above it.
    merged: &'static str,
}

const EN: Words = Words {
    workshop: "Exploring {C}-centricity",
    generated: "Report generated",
    lens: "Lens",
    centricity: "{C}-centricity",
    steps: [
        "Purpose and check-in",
        "An excellent {c} experience",
        "Define {c}-centricity in one sentence",
        "Who are our {cs}? \"Help me...\"",
        "Assess the organisation for each {c} type",
        "Present and prioritise",
    ],
    name: "Name",
    bring: "What I want to contribute",
    get_out: "What I want to get out of it",
    named: "named",
    group: "Group",
    team: "Team",
    highlights: "Highlights",
    common: "Common words and phrases",
    in_definitions: ["in {n} definition", "in {n} definitions"],
    highlighted: ["highlighted {n} time", "highlighted {n} times"],
    working: "Working definition",
    help_me: "Help me",
    unclustered: "Not in a cluster",
    unnamed: "Unnamed cluster",
    categories: [
        "We listen to {c} feedback based on their experience with us.",
        "We design customised {offer} around their needs.",
        "We track the quality of {c} experience and treat it as more important than money.",
        "We train {facing} to have excellent interpersonal skills.",
        "We continually enhance {service} we provide, responding to changing needs.",
        "We invest in growing relationships rather than chasing {new}.",
    ],
    succeeded: "When have we succeeded?",
    failed: "When have we failed?",
    rating: "Rating",
    dots: ["{n} dot", "{n} dots"],
    owner: "Owner",
    due: "Due",
    none: "(none)",
    no_date: "(none)",
    final_list: "final",
    merged: "Merged into it",
};

const PT: Words = Words {
    workshop: "Explorar a centralidade no {c}",
    generated: "Relatório gerado",
    lens: "Foco",
    centricity: "Centralidade no {c}",
    steps: [
        "Propósito e check-in",
        "Uma experiência excelente como {c}",
        "Definir a centralidade no {c} numa frase",
        "Quem são os nossos {cs}? \"Ajude-me a...\"",
        "Avaliar a organização para cada tipo de {c}",
        "Apresentar e definir prioridades",
    ],
    name: "Nome",
    bring: "Com o que quero contribuir",
    get_out: "O que quero levar deste workshop",
    named: "referido",
    group: "Grupo",
    team: "Grupo",
    highlights: "Destaques",
    common: "Palavras e expressões comuns",
    in_definitions: ["em {n} definição", "em {n} definições"],
    highlighted: ["destacado {n} vez", "destacado {n} vezes"],
    working: "Definição de trabalho",
    help_me: "Ajude-me a",
    unclustered: "Fora de qualquer agrupamento",
    unnamed: "Agrupamento sem nome",
    categories: [
        "Ouvimos a opinião dos {cs} sobre a experiência que têm com a nossa organização.",
        "Criamos {offer} às suas necessidades.",
        "Acompanhamos a qualidade da experiência dos {cs}, que para nós é mais importante do que o dinheiro.",
        "Capacitamos {facing} para terem excelentes competências interpessoais.",
        "Melhoramos continuamente {service} que prestamos, em resposta a necessidades em mudança.",
        "Investimos em fazer crescer as relações, em vez de correr atrás de {new}.",
    ],
    succeeded: "Quando tivemos sucesso?",
    failed: "Quando não tivemos sucesso?",
    rating: "Nota",
    dots: ["{n} ponto", "{n} pontos"],
    owner: "Responsável",
    due: "Data",
    none: "(nenhum)",
    no_date: "(nenhuma)",
    final_list: "final",
    merged: "Juntada a esta",
};

/// The check-ins in the order their authors joined, as the room shows them (not by id).
fn checkins_in_order(state: &RoomState) -> Vec<(MemberId, &horseshoe_protocol::Checkin)> {
    let mut all: Vec<_> = state.checkins.iter().map(|(m, c)| (*m, c)).collect();
    all.sort_by_key(|(m, _)| (state.member(*m).map_or(i64::MAX, |x| x.joined_at), *m));
    all
}

/// The areas in their order: the ranking, then the rest by dots and age, with each one's rank.
fn areas_in_order(state: &RoomState) -> Vec<(Option<usize>, &horseshoe_protocol::Area)> {
    let p = &state.priorities;
    let ranked = p.ranking.iter().filter_map(|id| p.areas.get(id));
    let mut rest: Vec<_> = p.areas.values().filter(|a| !p.ranking.contains(&a.id)).collect();
    rest.sort_by_key(|a| (std::cmp::Reverse(p.tally.get(&a.id).copied().unwrap_or(0)), a.created_at));
    ranked.enumerate().map(|(i, a)| (Some(i + 1), a)).chain(rest.into_iter().map(|a| (None, a))).collect()
}

/// `YYYY-MM-DD HH:MM UTC` of a time in ms since the Unix epoch (civil-from-days, proleptic
/// Gregorian), so the report needs no date library.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rest / 3600, rest % 3600 / 60)
}

fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::Pt => &PT,
    }
}

/// The lens's word, one and many (`{c}` and `{cs}` in a phrase): "staff" is its own plural;
/// whom one could chase instead (`{new}`), what we design for them (`{offer}`), who deals
/// with them (`{facing}`) and what we provide them (`{service}`), as the browser's `newOnes`,
/// `offer`, `facing` and `service`.
#[derive(Clone, Copy)]
struct LensWord {
    one: &'static str,
    many: &'static str,
    fresh: &'static str,
    offer: &'static str,
    facing: &'static str,
    service: &'static str,
}

fn lens_word(language: Language, lens: Lens) -> LensWord {
    let (one, many, fresh) = match (language, lens) {
        (Language::En, Lens::Client) => ("client", "clients", "new accounts"),
        (Language::En, Lens::Customer) => ("customer", "customers", "new accounts"),
        (Language::En, Lens::Partner) => ("partner", "partners", "new partners"),
        (Language::En, Lens::Staff) => ("staff", "staff", "new hires"),
        (Language::Pt, Lens::Client) => ("cliente", "clientes", "novas contas"),
        (Language::Pt, Lens::Customer) => ("consumidor", "consumidores", "novas contas"),
        (Language::Pt, Lens::Partner) => ("parceiro", "parceiros", "novos parceiros"),
        (Language::Pt, Lens::Staff) => ("colaborador", "colaboradores", "novas contratações"),
    };
    let (offer, facing, service) = match (language, lens) {
        (Language::En, Lens::Client) => {
            ("products and services", "staff in client-facing roles", "the service")
        }
        (Language::En, Lens::Customer) => {
            ("products and services", "staff in customer-facing roles", "the service")
        }
        (Language::En, Lens::Partner) => {
            ("joint offers and ways of working", "staff in partner-facing roles", "the service")
        }
        (Language::En, Lens::Staff) => {
            ("roles, tools and ways of working", "managers and team leaders", "the support")
        }
        (Language::Pt, Lens::Client) => {
            ("produtos e serviços adaptados", "as pessoas em funções que lidam com clientes", "o serviço")
        }
        (Language::Pt, Lens::Customer) => {
            ("produtos e serviços adaptados", "as pessoas em funções que lidam com consumidores", "o serviço")
        }
        (Language::Pt, Lens::Partner) => (
            "ofertas conjuntas e formas de trabalhar adaptadas",
            "as pessoas em funções que lidam com parceiros",
            "o serviço",
        ),
        (Language::Pt, Lens::Staff) => (
            "funções, ferramentas e formas de trabalhar adaptadas",
            "as chefias e os líderes de equipa",
            "o apoio",
        ),
    };
    LensWord { one, many, fresh, offer, facing, service }
}

/// Puts the lens word into a fixed phrase.
fn lensed(phrase: &str, word: LensWord) -> String {
    let mut capital = word.one.chars();
    let cap: String = capital.next().map(|c| c.to_uppercase().chain(capital).collect()).unwrap_or_default();
    phrase
        .replace("{cs}", word.many)
        .replace("{c}", word.one)
        .replace("{C}", &cap)
        .replace("{new}", word.fresh)
        .replace("{offer}", word.offer)
        .replace("{facing}", word.facing)
        .replace("{service}", word.service)
}

/// `[one, other]` by `n`, with `{n}` put in.
fn counted(forms: [&str; 2], n: u64) -> String {
    forms[usize::from(n != 1)].replace("{n}", &n.to_string())
}

/// User text inside Markdown: one line, and every character Markdown or HTML would act on
/// where it stands is escaped, so a participant's words are shown as written and never become
/// markup, while a plain-text reader sees no needless backslashes ("client-centric", "R&D").
/// Emphasis, code, links, tables and HTML tags are escaped anywhere; a heading, list or quote
/// marker only at the start, where it would act; `&` only where it would start an entity.
pub fn md(text: &str) -> String {
    let chars: Vec<char> =
        text.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    let mut out = String::with_capacity(text.len());
    // "1. item" at the start would be an ordered list.
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '<' => true,
            '#' | '+' | '-' | '>' => i == 0,
            '.' | ')' => digits > 0 && i == digits,
            '&' => {
                let rest =
                    chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '#').count();
                rest > 0 && chars.get(i + 1 + rest) == Some(&';')
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn name(state: &RoomState, id: MemberId) -> String {
    state.member(id).map_or_else(|| "?".to_owned(), |m| m.name.clone())
}

fn names(state: &RoomState, ids: &[MemberId]) -> String {
    ids.iter().map(|id| md(&name(state, *id))).collect::<Vec<_>>().join(", ")
}

/// The whole report as Markdown, in the room's language and lens.
pub fn markdown(state: &RoomState, generated_at: &str) -> String {
    let s = &state.settings;
    let w = words(s.language);
    let c = lens_word(s.language, s.lens);
    let mut out = String::new();
    let title = if s.title.is_empty() { lensed(w.workshop, c) } else { s.title.clone() };
    let _ = writeln!(out, "# {}", md(&title));
    if !s.organisation.is_empty() {
        let _ = writeln!(out, "\n**{}**", md(&s.organisation));
    }
    let _ = writeln!(
        out,
        "\n{} · {}: {} · {} {}\n",
        lensed(w.workshop, c),
        w.lens,
        lensed(w.centricity, c),
        w.generated,
        generated_at
    );

    let heading = |out: &mut String, n: usize| {
        let _ = writeln!(out, "\n## {}. {}\n", n + 1, lensed(w.steps[n], c));
    };

    heading(&mut out, 0);
    let _ = writeln!(out, "| {} | {} | {} |\n|---|---|---|", w.name, w.bring, w.get_out);
    for (member, checkin) in checkins_in_order(state) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(&name(state, member)),
            md(&checkin.contribute),
            md(&checkin.get_out)
        );
    }

    heading(&mut out, 1);
    let mut factors: Vec<_> = state.experience.factors.values().collect();
    factors.sort_by_key(|f| (std::cmp::Reverse(f.mentions), f.created_at));
    for f in factors {
        let _ = writeln!(
            out,
            "- **{}** ({} ×{}) {}",
            md(state.text_of(&TextTarget::Factor { id: f.id.clone() })),
            w.named,
            f.mentions,
            names(state, &f.speakers)
        );
    }

    heading(&mut out, 2);
    let defs = &state.definitions;
    for group in defs.groups.values() {
        let _ = writeln!(out, "### {} {}: {}\n", w.group, group.id, names(state, &state.credited(group)));
        let text = state.text_of(&TextTarget::Definition { group: group.id });
        if !text.is_empty() {
            let _ = writeln!(out, "> {}\n", md(text));
        }
        let marks: Vec<String> = defs
            .highlights
            .values()
            .filter(|h| h.group == group.id)
            .map(|h| format!("\"{}\" ({})", md(&h.phrase), md(&name(state, h.by))))
            .collect();
        if !marks.is_empty() {
            let _ = writeln!(out, "{}: {}\n", w.highlights, marks.join("; "));
        }
    }
    if !defs.common.is_empty() {
        let _ = writeln!(out, "**{}:**\n", w.common);
        for term in &defs.common {
            let counts = [
                counted(w.in_definitions, u64::from(term.definitions)),
                counted(w.highlighted, u64::from(term.highlights)),
            ];
            let _ = writeln!(out, "- {} ({})", md(&term.term), counts.join(", "));
        }
    }
    if !defs.working.is_empty() {
        let _ = writeln!(out, "\n**{}:** {}", w.working, md(&defs.working));
    }

    heading(&mut out, 3);
    let wall = &state.wall;
    let revealed = || wall.notes.values().filter(|n| n.revealed);
    for cluster in wall.clusters.values() {
        let label = if cluster.name.is_empty() { w.unnamed } else { cluster.name.as_str() };
        let notes: Vec<_> = revealed().filter(|n| n.cluster.as_ref() == Some(&cluster.id)).collect();
        let _ = writeln!(out, "### {} ({})\n", md(label), notes.len());
        for n in notes {
            let _ = writeln!(out, "- {} {} ({})", w.help_me, md(&n.text), md(&name(state, n.author)));
        }
        out.push('\n');
    }
    let loose: Vec<_> = revealed().filter(|n| n.cluster.is_none()).collect();
    if !loose.is_empty() {
        let _ = writeln!(out, "### {}\n", w.unclustered);
        for n in loose {
            let _ = writeln!(out, "- {} {} ({})", w.help_me, md(&n.text), md(&name(state, n.author)));
        }
    }

    heading(&mut out, 4);
    for team in state.assessment.teams.values() {
        let cluster = team.cluster.as_ref().and_then(|id| wall.clusters.get(id)).map(|k| md(&k.name));
        let _ = writeln!(
            out,
            "### {} {}{}: {}\n",
            w.team,
            team.id,
            cluster.map(|k| format!(" ({k})")).unwrap_or_default(),
            names(state, &team.members)
        );
        for (i, category) in w.categories.iter().enumerate() {
            let number = u8::try_from(i + 1).unwrap_or(0);
            let rating = team.ratings.get(i).copied().filter(|r| *r > 0);
            let rating = rating.map(|r| format!(" · {} {r}/5", w.rating)).unwrap_or_default();
            let _ = writeln!(out, "**{}. {}**{}\n", number, lensed(category, c), rating);
            for (column, label) in [(Column::Succeeded, w.succeeded), (Column::Failed, w.failed)] {
                let cards: Vec<String> = state
                    .assessment
                    .cards
                    .values()
                    .filter(|k| k.team == team.id && k.category == number && k.column == column)
                    .map(|k| md(state.text_of(&TextTarget::Card { id: k.id.clone() })))
                    .collect();
                if !cards.is_empty() {
                    let _ = writeln!(out, "- {}: {}", label, cards.join("; "));
                }
            }
            out.push('\n');
        }
    }

    heading(&mut out, 5);
    let p = &state.priorities;
    if p.finalised {
        let _ = writeln!(out, "({})\n", w.final_list);
    }
    for (rank, (_, area)) in areas_in_order(state).into_iter().enumerate() {
        let dots = p.tally.get(&area.id).copied().unwrap_or(0);
        let owner = area.owner.as_deref().map_or_else(|| w.none.to_owned(), md);
        let due = area.due.as_deref().map_or_else(|| w.no_date.to_owned(), md);
        let _ = writeln!(
            out,
            "{}. **{}** · {} · {}: {owner} · {}: {due}",
            rank + 1,
            md(state.text_of(&TextTarget::Area { id: area.id.clone() })),
            counted(w.dots, u64::from(dots)),
            w.owner,
            w.due
        );
        for merged in &area.merged {
            let _ = writeln!(
                out,
                "   - {}: {} ({})",
                w.merged,
                md(&merged.text),
                md(&name(state, merged.author))
            );
        }
    }
    out
}

/// One CSV row per item of the report.
#[derive(Debug, Default)]
struct Row {
    step: u8,
    kind: &'static str,
    group: String,
    author: String,
    text: String,
    cluster: String,
    category: String,
    rating: String,
    votes: String,
    owner: String,
    date: String,
    rank: String,
}

const CSV_HEADER: &str = "step,kind,group,author,text,cluster,category,rating,votes,owner,date,rank";

/// A CSV cell: quoted when it must be, and never a formula (a leading `=`, `+`, `-`, `@`, tab
/// or carriage return is neutralised), so a spreadsheet shows participants' words as text.
pub fn csv_cell(value: &str) -> String {
    let value = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// The report as CSV: check-ins, key factors, definitions, highlights, notes, cards, areas.
pub fn csv(state: &RoomState) -> String {
    let mut rows = Vec::new();
    let who = |id: MemberId| name(state, id);
    for (member, c) in checkins_in_order(state) {
        rows.push(Row {
            step: 1,
            kind: "checkin.contribute",
            author: who(member),
            text: c.contribute.clone(),
            ..Row::default()
        });
        rows.push(Row {
            step: 1,
            kind: "checkin.get_out",
            author: who(member),
            text: c.get_out.clone(),
            ..Row::default()
        });
    }
    for f in state.experience.factors.values() {
        let speakers = f.speakers.iter().map(|s| who(*s)).collect::<Vec<_>>().join("; ");
        rows.push(Row {
            step: 2,
            kind: "factor",
            author: speakers,
            text: state.text_of(&TextTarget::Factor { id: f.id.clone() }).to_owned(),
            votes: f.mentions.to_string(),
            ..Row::default()
        });
    }
    let defs = &state.definitions;
    for group in defs.groups.keys() {
        let Some(text) = state.texts.get(&TextTarget::Definition { group: *group }.key()) else { continue };
        if text.text.is_empty() {
            continue;
        }
        rows.push(Row {
            step: 3,
            kind: "definition",
            group: group.to_string(),
            author: text.editors.iter().map(|m| who(*m)).collect::<Vec<_>>().join("; "),
            text: text.text.clone(),
            ..Row::default()
        });
    }
    for h in defs.highlights.values() {
        rows.push(Row {
            step: 3,
            kind: "highlight",
            group: h.group.to_string(),
            author: who(h.by),
            text: h.phrase.clone(),
            ..Row::default()
        });
    }
    if !defs.working.is_empty() {
        rows.push(Row { step: 3, kind: "working_definition", text: defs.working.clone(), ..Row::default() });
    }
    let clusters = &state.wall.clusters;
    // A cluster by its name, or as unnamed (not blank, which reads as no cluster at all).
    let unnamed = words(state.settings.language).unnamed;
    let cluster_name = |id: &ItemId| {
        clusters.get(id).map(|k| if k.name.trim().is_empty() { unnamed.to_owned() } else { k.name.clone() })
    };
    for n in state.wall.notes.values().filter(|n| n.revealed) {
        let cluster = n.cluster.as_ref().and_then(cluster_name).unwrap_or_default();
        rows.push(Row {
            step: 4,
            kind: "note",
            author: who(n.author),
            text: n.text.clone(),
            cluster,
            ..Row::default()
        });
    }
    for k in state.assessment.cards.values() {
        let team = state.assessment.teams.get(&k.team);
        let cluster = team.and_then(|t| t.cluster.as_ref()).and_then(cluster_name);
        let rating =
            team.and_then(|t| t.ratings.get(usize::from(k.category.saturating_sub(1)))).filter(|r| **r > 0);
        let kind = match k.column {
            Column::Succeeded => "card.succeeded",
            Column::Failed => "card.failed",
        };
        rows.push(Row {
            step: 5,
            kind,
            group: k.team.to_string(),
            author: who(k.author),
            text: state.text_of(&TextTarget::Card { id: k.id.clone() }).to_owned(),
            cluster: cluster.unwrap_or_default(),
            category: k.category.to_string(),
            rating: rating.map(u8::to_string).unwrap_or_default(),
            ..Row::default()
        });
    }
    // Each team, who is in it, and its ratings, cards or not.
    for team in state.assessment.teams.values() {
        let cluster = team.cluster.as_ref().and_then(cluster_name).unwrap_or_default();
        rows.push(Row {
            step: 5,
            kind: "team",
            group: team.id.to_string(),
            author: team.members.iter().map(|m| who(*m)).collect::<Vec<_>>().join("; "),
            cluster: cluster.clone(),
            ..Row::default()
        });
        for (category, rating) in (1..).zip(&team.ratings).filter(|(_, r)| **r > 0) {
            rows.push(Row {
                step: 5,
                kind: "rating",
                group: team.id.to_string(),
                cluster: cluster.clone(),
                category: u8::to_string(&category),
                rating: rating.to_string(),
                ..Row::default()
            });
        }
    }
    let p = &state.priorities;
    for (rank, a) in areas_in_order(state) {
        rows.push(Row {
            step: 6,
            kind: "area",
            author: who(a.author),
            text: state.text_of(&TextTarget::Area { id: a.id.clone() }).to_owned(),
            votes: p.tally.get(&a.id).map(u32::to_string).unwrap_or_default(),
            owner: a.owner.clone().unwrap_or_default(),
            date: a.due.clone().unwrap_or_default(),
            rank: rank.map(|r| r.to_string()).unwrap_or_default(),
            ..Row::default()
        });
        for merged in &a.merged {
            rows.push(Row {
                step: 6,
                kind: "area.merged",
                author: who(merged.author),
                text: merged.text.clone(),
                rank: rank.map(|r| r.to_string()).unwrap_or_default(),
                ..Row::default()
            });
        }
    }
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            r.step.to_string(),
            r.kind.to_owned(),
            r.group,
            r.author,
            r.text,
            r.cluster,
            r.category,
            r.rating,
            r.votes,
            r.owner,
            r.date,
            r.rank,
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lens_word_is_put_in_its_plural_and_counts_agree() {
        let staff = lens_word(Language::En, Lens::Staff);
        assert_eq!(lensed(EN.steps[3], staff), "Who are our staff? \"Help me...\"");
        assert_eq!(
            lensed(EN.steps[3], lens_word(Language::En, Lens::Partner)),
            "Who are our partners? \"Help me...\""
        );
        let consumers = lens_word(Language::Pt, Lens::Customer);
        assert_eq!(lensed(PT.steps[3], consumers), "Quem são os nossos consumidores? \"Ajude-me a...\"");
        assert!(
            lensed(PT.categories[3], lens_word(Language::Pt, Lens::Customer))
                .contains("lidam com consumidores")
        );
        // A staff room's categories speak of staff, not of products and customer-facing roles.
        assert_eq!(
            lensed(EN.categories[2], staff),
            "We track the quality of staff experience and treat it as more important than money."
        );
        assert!(lensed(PT.categories[2], consumers).contains("da experiência dos consumidores"));
        assert_eq!(
            lensed(EN.categories[1], staff),
            "We design customised roles, tools and ways of working around their needs."
        );
        assert_eq!(
            lensed(EN.categories[3], staff),
            "We train managers and team leaders to have excellent interpersonal skills."
        );
        assert_eq!(
            lensed(PT.categories[4], lens_word(Language::Pt, Lens::Staff)),
            "Melhoramos continuamente o apoio que prestamos, em resposta a necessidades em mudança."
        );
        for language in [Language::En, Language::Pt] {
            let w = words(language);
            for lens in [Lens::Client, Lens::Customer, Lens::Partner, Lens::Staff] {
                for category in w.categories {
                    let text = lensed(category, lens_word(language, lens));
                    assert!(!text.contains('{'), "{text}");
                }
            }
        }
        assert_eq!(lensed(EN.workshop, staff), "Exploring Staff-centricity");
        assert!(lensed(EN.categories[5], staff).ends_with("rather than chasing new hires."));
        // The lens as the printable report names it.
        assert_eq!(lensed(EN.centricity, staff), "Staff-centricity");
        assert_eq!(
            lensed(PT.centricity, lens_word(Language::Pt, Lens::Staff)),
            "Centralidade no colaborador"
        );
        assert!(
            lensed(EN.categories[5], lens_word(Language::En, Lens::Client))
                .ends_with("chasing new accounts.")
        );
        assert_eq!(counted(EN.dots, 1), "1 dot");
        assert_eq!(counted(EN.dots, 0), "0 dots");
        assert_eq!(counted(PT.highlighted, 1), "destacado 1 vez");
        assert_eq!(counted(PT.in_definitions, 2), "em 2 definições");
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_795_443_300_000), "2026-11-23 14:15 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn user_text_never_becomes_markup() {
        assert_eq!(md("<img src=x onerror=alert(1)>"), "\\<img src=x onerror=alert(1)>");
        assert_eq!(md("**bold**\n# h"), "\\*\\*bold\\*\\* # h");
        assert_eq!(md("# h"), "\\# h");
        assert_eq!(md("Partner-centricity in R&D"), "Partner-centricity in R&D");
        assert_eq!(md("&lt;b&gt;"), "\\&lt;b\\&gt;");
        assert_eq!(md("1. first"), "1\\. first");
    }

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
