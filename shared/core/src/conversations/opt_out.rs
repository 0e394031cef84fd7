//! Opt-outs in plain words. The FCC's revocation rule (47 CFR 64.1200(a)(10), in force since
//! 2025-04-11) makes consent revocable "by any reasonable means": beyond the carrier keywords
//! (`keywords`), any reply a reasonable person would read as "stop messaging me" must be
//! honoured — inside a longer message, with typos, in any case or width, with Persian or
//! Arabic-Indic digits. This recognises such replies in English, Turkish, Norwegian and Persian,
//! and whether they ask to stop everything or only the channel they came on.
//!
//! The direction of error is deliberate: a missed opt-out is a message sent against the law and
//! the shopper's will, a false one costs a reminder. Ordinary replies that merely contain a stop
//! word ("stop by the shop", "I can't stop thinking about it") are excluded by phrase. Measured
//! on `tests/fixtures/replies/opt_out.tsv` (precision and recall per language, in the test).

/// How far an opt-out reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The channel the reply came on.
    Channel,
    /// Every channel ("stop all messages", "don't contact me at all").
    All,
}

/// Phrases that ask to stop, in each language's folded form (`fold`): lower case, Latin letters
/// without diacritics, punctuation and emoji as spaces. Matched as whole words.
const PHRASES: &[&str] = &[
    // English
    "stop",
    "stopp",
    "stahp",
    "unsubscribe",
    "unsub",
    "opt out",
    "opt me out",
    "optout",
    "remove me",
    "remove my number",
    "remove my email",
    "take me off",
    "delete my number",
    "delete my info",
    "delete my details",
    "delete my contact",
    "delete my data",
    "remove my contact",
    "remove my info",
    "remove my details",
    "remove my data",
    "remove this number",
    "not interested remove",
    "lose my number",
    "no more texts",
    "no more text",
    "no more messages",
    "no more msgs",
    "no more sms",
    "no more emails",
    "no more reminders",
    "no more reminder",
    "no more notifications",
    "no more promotions",
    "no more promos",
    "no more ads",
    "no more spam",
    "stop reminding me",
    "dont text me",
    "don t text me",
    "do not text me",
    "dont message me",
    "don t message me",
    "do not message me",
    "dont contact me",
    "don t contact me",
    "do not contact me",
    "never contact me",
    "never text me",
    "dont email me",
    "do not email me",
    "stop texting",
    "stop messaging",
    "stop sending",
    "stop contacting",
    "stop emailing",
    "quit texting",
    "quit messaging",
    "leave me alone",
    "wrong number",
    "cancel my subscription",
    "cancel these",
    "cancel the messages",
    "cancel texts",
    "end messages",
    "not interested in these messages",
    "take my number off",
    "dont send me",
    "don t send me",
    "do not send me",
    "don t want these",
    "dont want these",
    "dont want to hear from",
    "don t want to hear from",
    "do not want to hear from",
    "never want to hear from",
    "don t want any more",
    "dont want any more",
    "no longer want",
    "want out of",
    "off your list",
    "off the list",
    "off this list",
    "delete me",
    "stop spamming",
    // Asking not to be reminded, however politely.
    "rather not receive",
    "rather not get these",
    "prefer not to receive",
    "prefer not to get these",
    "no need to keep",
    "no need to text",
    "no need to message",
    "no need to remind",
    "no need to write",
    "no need for reminders",
    "no need for these",
    "dont need reminders",
    "don t need reminders",
    "dont need a reminder",
    "don t need a reminder",
    "don t need the reminders",
    "dont need the reminders",
    "don t need these messages",
    "dont need these messages",
    "stop pinging",
    "quit pinging",
    "no reminders",
    // Revoking consent in the words of the rule itself.
    "revoke my consent",
    "revoke consent",
    "revoking my consent",
    "withdraw my consent",
    "withdraw consent",
    "withdrawing my consent",
    "consent revoked",
    "consent withdrawn",
    // Turkish (folded: ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u)
    "listeden cikar",
    "listenizden cikar",
    "beni cikar",
    "mesaj gondermeyin",
    "mesaj gonderme",
    "mesaj atmayin",
    "mesaj atma",
    "sms gondermeyin",
    "sms atmayin",
    "mesaj istemiyorum",
    "sms istemiyorum",
    "mesajlarinizi istemiyorum",
    "rahatsiz etmeyin",
    "rahatsiz etme",
    "abonelikten cik",
    "aboneligimi iptal",
    "uyeligimi iptal",
    "bir daha yazmayin",
    "bir daha mesaj",
    "artik yazmayin",
    "artik mesaj",
    "beni aramayin",
    "ulasmayin",
    "numarami sil",
    "numarami silin",
    "numarami silebilir",
    "mesajlari durdur",
    "durdurun",
    "yazmayin",
    "gondermeyi birak",
    "atmayi birak",
    "atmayi kes",
    "iletisime gecmeyin",
    "iletisim izni vermiyorum",
    "izni geri aliyorum",
    "iznimi geri",
    "bildirimleri kapat",
    "sistemden kaldir",
    "listeden kaldir",
    "kaydimi sil",
    "beni rahat birak",
    "spam yapmayin",
    "gondermeyin",
    "mesaj gelmesin",
    "reklam mesaji istemiyorum",
    "aboneligimi",
    "onayimi geri",
    "onayimi iptal",
    "iznimi iptal",
    "rizami geri",
    "hatirlatmaniza gerek yok",
    "hatirlatmaya gerek yok",
    "hatirlatma gerek yok",
    "yazmaniza gerek yok",
    "mesaj atmaniza gerek yok",
    "mesaj gondermenize gerek yok",
    "yazma artik",
    "artik yazma",
    "bana yazmayin",
    "bana yazma",
    // Norwegian (folded: æ→ae, ø→o, å→a)
    "ikke send",
    "slutt a sende",
    "slutt med sms",
    "slutt med meldinger",
    "meld meg av",
    "avmeld",
    "fjern meg",
    "fjern nummeret",
    "vil ikke ha flere meldinger",
    "vil ikke ha flere sms",
    "vil ikke ha flere mail",
    "vil ikke ha flere e post",
    "ikke kontakt meg",
    "ingen flere meldinger",
    "ingen flere sms",
    "ingen flere mail",
    "ingen flere e post",
    "ingen flere eposter",
    "ikke mer sms",
    "ikke flere meldinger",
    "ikke flere sms",
    "stopp sms",
    "stoppe sms",
    "stopp meldinge",
    "stoppe meldinge",
    "stoppe a sende",
    "avslutt",
    "avslutt abonnement",
    "avslutte abonnement",
    "avslutt meldinge",
    "avslutte meldinge",
    "avslutt sms",
    "avslutte sms",
    "avslutt varsl",
    "avslutte varsl",
    "slutt a tekste",
    "slutt a kontakte",
    "slutt a skrive",
    "ikke skriv",
    "la meg vaere i fred",
    "slett nummeret",
    "slett meg",
    "reserver meg",
    "vil ut av",
    "ikke motta",
    "nok med meldinger",
    "slutt med spam",
    "ta meg av",
    "trekker samtykke",
    "trekker tilbake samtykke",
    "trekk samtykke",
    "trekk tilbake samtykke",
    "tilbakekaller samtykke",
    "trekker mitt samtykke",
    "trenger ingen paminnelse",
    "trenger ikke paminnelse",
    "trenger ikke flere paminnelse",
    "trenger ikke mase",
    "ingen paminnelser",
    "ingen flere paminnelser",
    "trenger ikke a minne",
    "trenger ikke sende",
    "trenger ikke skrive",
    "ikke mas",
    // Persian in Latin letters ("Finglish").
    "payam nadid",
    "payam nadin",
    "payam nade",
    "payam nafrestid",
    "payam nafrestin",
    "payam nafrest",
    "sms nadid",
    "sms nafrestid",
    "dige payam",
    // "Don't hit this number with texts": zadan (to hit) is how texts are sent, colloquially.
    "payam nazanid",
    "payam nazanin",
    "payam nazan",
    "payamak nazanid",
    "payamak nazanin",
    "payamak nadid",
    "payamak nafrestid",
    "sms nazanid",
    "sms nazanin",
];

/// Persian phrases, matched in the compact form (`compact`: letters only, no spaces or ZWNJ).
/// (A bare "لغو" or "توقف" is a keyword when it is the whole message; inside a sentence "لغو"
/// also cancels orders.)
const PERSIAN: &[&str] = &[
    "نیازیبهیاداورینیست",
    "نیازبهیاداورینیست",
    "لازمنیستیاداوری",
    "یاداورینمیخوام",
    "یاداورینفرستید",
    "نیازینیستپیام",
    "لازمنیستپیام",
    "لغوعضویت",
    "لغواشتراک",
    "اشتراکلغو",
    "پیامنفرستید",
    "پیامینفرستید",
    // "Don't hit (send) a text": zadan is the colloquial verb of sending one.
    "پیامنزنید",
    "پیامنزنین",
    "پیامکنزنید",
    "پیامکنزنین",
    "پیامکنفرستید",
    "پیامکندید",
    "پیامکنده",
    "اسامسنزنید",
    "اساماسنزنید",
    "نفرستید",
    "پیامنفرست",
    "پیامندید",
    "پیامنده",
    "پیامنمیخوام",
    "پیامنمیخواهم",
    "نمیخوامپیام",
    "نمیخواهمپیام",
    "مزاحمنشوید",
    "مزاحمنشو",
    "مزاحمنش",
    "منوحذفکن",
    "منوحذفکنید",
    "ازلیستحذف",
    "شمارهموحذف",
    "شمارهامراحذف",
    "ارسالنکنید",
    "ارسالنکن",
    "دیگهپیامنده",
    "دیگرپیامندهید",
    "تماسنگیرید",
    "پیامنیاد",
    "ازلیستحذف",
    "ازلیستتونحذف",
    "ازلیستخارج",
    "ازلیستتونخارج",
    "ازلیستبردار",
    "پیامکنمیخوام",
    "پیامهارونمیخوام",
    "پیامهاتونروقطع",
    "اطلاعرسانیروقطع",
    "شمارموحذف",
    "شمارمروحذف",
    "شمارموازسیستمپاک",
    "اسپمنکنید",
    "ولمکنید",
    "رضایتمروپس",
    "اجازهتماسنمیدم",
    "عضویتمرولغو",
    "ازاینپیامهاخارج",
    "پیامدادنروتموم",
    "رضایتمپس",
    "رضایتخودراپس",
    "رضایتمرالغو",
    "اطلاعاتموپاک",
    "اطلاعاتمروپاک",
    "اطلاعاتمنوپاک",
];

/// Persian replies that edit the cart or the order ("I removed a product from the basket", "don't
/// cancel my order", "delete my old address") or thank for a message: the reply model's opt-out
/// guess is not taken for them (compact form, as `PERSIAN`).
const PERSIAN_NOT_OPT_OUTS: &[&str] = &[
    "ازسبد",
    "لغونکنید",
    "پاکنکنید",
    "حذفنکنید",
    "ممنونازپیام",
    "مرسیازپیام",
    "ادرس",
    "پیامتونرودیدم",
    "پیامرودیدم",
    "پیامتونرسید",
    "پیامرسید",
    "ممنونبابتپیام",
    "مرسیبابتپیام",
];

/// Replies that contain a stop word, or the words of an opt-out, and ask for nothing of the kind.
const NOT_OPT_OUTS: &[&str] = &[
    // "Don't stop the sale": asking for more, not less.
    "dont stop",
    "don t stop",
    "do not stop",
    "ikke stopp",
    "ikke stoppe",
    "stop by",
    "stop in",
    "stop at",
    "stop over",
    "stop thinking",
    "stopped thinking",
    "can t stop",
    "cant stop",
    "cannot stop",
    "couldn t stop",
    "won t stop",
    "dont stop",
    "don t stop",
    "non stop",
    "nonstop",
    "bus stop",
    "one stop",
    "stop the payment",
    "stop payment",
    "full stop",
    "stop looking",
    // When a sale ends, not a request: "when does the sale stop?"
    "sale stop",
    "sales stop",
    "offer stop",
    "deal stop",
    "discount stop",
    "promotion stop",
    "promo stop",
    // Editing the cart, not leaving the list: "remove the red shirt from my cart".
    "from my cart",
    "from the cart",
    "from my basket",
    "from my bag",
    "from my order",
    // The order, not the messages: "stop the order? no I still want it".
    "stop the order",
    "stop my order",
    // Norwegian "stopper innom" is "stops by"; a payment or page that "stops" is a fault.
    "stopper innom",
    "stoppe innom",
    "stopp innom",
    "stoppet opp",
    "stopper opp",
    "betalingen stoppet",
    "betalingen stopper",
    "sepetimden",
    "sepetten",
    "fra handlekurven",
    "fra kurven",
    "from the order",
    // Asking for a message, or thanking for one, is not asking to stop them: "send me the code
    // by sms", "thanks for the text", "don't cancel my order".
    "send me the code",
    "text me the code",
    "send me the link",
    "text me the link",
    "text me when",
    "message me when",
    "thanks for the message",
    "thanks for the text",
    "thanks for the reminder",
    "got your message",
    "got the message",
    "got your text",
    "received your message",
    "stop button",
    "dont cancel my",
    "don t cancel my",
    "kodu mesaj",
    "kodu sms",
    "mesajiniz icin",
    "iptal etmeyin",
    "silmeyin",
    "send meg koden",
    "send meg lenken",
    "koden pa sms",
    "takk for meldingen",
    "takk for sms",
    "takk for paminnelsen",
    "fikk meldingen",
    "fikk sms",
    "mottok meldingen",
    "ikke kanseller",
    "ikke slett handlekurven",
    "kan jeg fjerne",
];

/// Words that widen an opt-out to every channel.
const ALL_CHANNELS: &[&str] = &[
    "all messages",
    "all texts",
    "all emails",
    "all contact",
    "at all",
    "any messages",
    "any more messages",
    "anymore",
    "everything",
    "email",
    "emails",
    "e mail",
    "hicbir",
    "tum mesaj",
    "hepsi",
    "e posta",
    "eposta",
    "ingen",
    "alle",
    "helt",
    "e post",
    "epost",
];
const ALL_CHANNELS_PERSIAN: &[&str] = &["هیچ", "همه", "ایمیل"];

/// Whether `text` asks to stop messages, and how far.
pub fn opt_out(text: &str) -> Option<Scope> {
    read(text).scope
}

/// What the rules make of a reply: its opt-out, if any, and whether its only opt-out words sit
/// inside a phrase that asks for nothing of the kind ("I can't stop thinking about that jacket",
/// "I'll stop by", "remove the red shirt from my cart"). For such an idiom the reply model's
/// opt-out guess is not taken over the rules; the reply goes to a person instead
/// (`ReplyModel::understand`).
pub struct Reading {
    pub scope: Option<Scope>,
    pub idiom: bool,
    /// The opt-out rests on a bare "stop" (or a typo of it) alone, no phrase around it: "pls
    /// stop" is one, "haha stop, I was about to order" may not be (`verdict` holds a long one).
    pub bare: bool,
}

/// The rules' one reading of `text` (folded once, each list searched in one pass).
pub fn read(text: &str) -> Reading {
    let folded = format!(" {} ", fold(text));
    let found = Found::in_text(&folded, &compact(text));
    // An exclusion only cancels a bare stop word inside it: "stop by … and stop texting me" and
    // "thanks for the reminder. STOP" still count.
    let idiom = found.excluded && !found.uncovered;
    let latin = found.uncovered || !found.excluded && typo_of_stop(&folded);
    if !(found.persian || latin) {
        return Reading { scope: None, idiom, bare: false };
    }
    let scope = Some(if found.all_channels { Scope::All } else { Scope::Channel });
    Reading { scope, idiom: false, bare: !(found.persian || found.phrase) }
}

/// What of the lists above a reply contains: found in one pass with one automaton per script,
/// instead of one substring search per phrase (about 300 of them, on every reply).
struct Found {
    /// A phrase found that is not a bare "stop" or "stopp" inside an exclusion ("stop by").
    uncovered: bool,
    /// A phrase found that is not a bare "stop" or "stopp".
    phrase: bool,
    excluded: bool,
    all_channels: bool,
    persian: bool,
}

const PHRASE: u8 = 1;
const NOT_OPT_OUT: u8 = 2;
const ALL: u8 = 4;
const PERSIAN_PHRASE: u8 = 8;
const PERSIAN_ALL: u8 = 16;
const PERSIAN_NOT_OPT_OUT: u8 = 32;

/// The lists' strings, each once, with the lists it is on.
struct Lists {
    latin: aho_corasick::AhoCorasick,
    /// Per pattern: its lists, and whether its last word is a stem that may take a suffix.
    latin_kinds: Vec<(u8, bool)>,
    persian: aho_corasick::AhoCorasick,
    persian_kinds: Vec<u8>,
}

fn lists() -> &'static Lists {
    static LISTS: std::sync::LazyLock<Lists> = std::sync::LazyLock::new(|| {
        fn merged(lists: &[(&[&'static str], u8)]) -> (Vec<&'static str>, Vec<u8>) {
            let mut by: std::collections::BTreeMap<&'static str, u8> = std::collections::BTreeMap::new();
            for (list, kind) in lists {
                for p in *list {
                    *by.entry(p).or_default() |= kind;
                }
            }
            by.into_iter().unzip()
        }
        let (latin, kinds) = merged(&[(PHRASES, PHRASE), (NOT_OPT_OUTS, NOT_OPT_OUT), (ALL_CHANNELS, ALL)]);
        let (persian, persian_kinds) = merged(&[
            (PERSIAN, PERSIAN_PHRASE),
            (ALL_CHANNELS_PERSIAN, PERSIAN_ALL),
            (PERSIAN_NOT_OPT_OUTS, PERSIAN_NOT_OPT_OUT),
        ]);
        Lists {
            latin: automaton(&latin),
            latin_kinds: latin.iter().map(|p| is_stem(p)).zip(kinds).map(|(stem, k)| (k, stem)).collect(),
            persian: automaton(&persian),
            persian_kinds,
        }
    });
    &LISTS
}

fn automaton(patterns: &[&str]) -> aho_corasick::AhoCorasick {
    // The lists are constants, tested: building their automaton cannot fail at run time.
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::Standard)
        .build(patterns)
        .expect("the opt-out lists build an automaton")
}

/// A phrase whose last word has five letters or more matches with a suffix too ("listeden
/// cikar" in "listeden cikarin", "cikarir misiniz"). Not the bare "stopp": with a suffix it is
/// English "stopped", "stopping" ("the payment stopped working"), not a request.
/// Nor the bare "avslutt" (end): with a suffix it ends a card, a session, a meeting
/// ("avsluttet det gamle kortet", "avslutter økta"); ending the messages is said with them.
fn is_stem(p: &str) -> bool {
    p != "stopp" && p != "avslutt" && p.rsplit(' ').next().unwrap_or(p).chars().count() >= 5
}

impl Found {
    fn in_text(folded: &str, compact: &str) -> Found {
        let l = lists();
        let mut f = Found { uncovered: false, phrase: false, excluded: false, all_channels: false, persian: false };
        // Bare stops and exclusions, where they are: a stop counts unless an exclusion holds it.
        let mut bare_stops: Vec<(usize, usize)> = Vec::new();
        let mut exclusions: Vec<(usize, usize)> = Vec::new();
        // Every occurrence, overlapping ones too. A phrase counts where it starts a word and,
        // unless its last word is a stem, where it also ends one.
        for m in l.latin.find_overlapping_iter(folded) {
            let (kind, stem) = l.latin_kinds[m.pattern().as_usize()];
            if !(folded[..m.start()].ends_with(' ') && (stem || folded[m.end()..].starts_with(' '))) {
                continue;
            }
            if kind & PHRASE != 0 {
                if matches!(&folded[m.start()..m.end()], "stop" | "stopp") {
                    bare_stops.push((m.start(), m.end()));
                } else {
                    f.uncovered = true;
                    f.phrase = true;
                }
            }
            if kind & NOT_OPT_OUT != 0 {
                f.excluded = true;
                exclusions.push((m.start(), m.end()));
            }
            f.all_channels |= kind & ALL != 0;
        }
        f.uncovered |= bare_stops.iter().any(|&(s, e)| !exclusions.iter().any(|&(xs, xe)| xs <= s && e <= xe));
        for m in l.persian.find_overlapping_iter(compact) {
            let kind = l.persian_kinds[m.pattern().as_usize()];
            f.persian |= kind & PERSIAN_PHRASE != 0;
            f.all_channels |= kind & PERSIAN_ALL != 0;
            f.excluded |= kind & PERSIAN_NOT_OPT_OUT != 0;
        }
        f
    }
}

/// "stpo", "sotp", "st0p", "unsubscibe": one edit from the words that matter most.
fn typo_of_stop(folded: &str) -> bool {
    folded.split(' ').any(|w| {
        (w.len() >= 3 && w.len() <= 5 && w != "stop" && within_one_edit(w, "stop") && !COMMON_NEAR_STOP.contains(&w))
            || (w.len() >= 9 && within_two_edits(w, "unsubscribe"))
    })
}

/// Real words one edit from "stop", which are not typos of it.
const COMMON_NEAR_STOP: &[&str] = &[
    "shop", "step", "stoo", "top", "sto", "atop", "slop", "stow", "swop", "stoa", "tops", "spot", "post", "pots",
    "opts", "stops", "stor", "stol", "stod", "stok", "stoy",
];

fn within_one_edit(a: &str, b: &str) -> bool {
    distance(a, b) <= 1 || swapped(a, b)
}

fn within_two_edits(a: &str, b: &str) -> bool {
    distance(a, b) <= 2
}

/// Two neighbouring letters exchanged ("sotp").
fn swapped(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    a.len() == b.len() && {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        diff.len() == 2 && diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]]
    }
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Lower case, full-width forms as ASCII, Latin letters without diacritics (Turkish and
/// Norwegian letters spelled as people type them without them), digits of any script as
/// ASCII, leetspeak's 0 as o, anything else as a space; words separated by one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => super::confusables::to_latin(c),
        };
        let mapped: &str = match c {
            'İ' | 'I' | 'ı' | 'i' => "i",
            'ç' | 'Ç' => "c",
            'ğ' | 'Ğ' => "g",
            'ö' | 'Ö' | 'ø' | 'Ø' | 'ó' | 'ò' | 'ô' => "o",
            'ş' | 'Ş' => "s",
            'ü' | 'Ü' | 'ú' | 'ù' | 'û' => "u",
            'æ' | 'Æ' => "ae",
            'å' | 'Å' | 'á' | 'à' | 'â' | 'ä' | 'Ä' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            '0' => "o",
            '\'' | '’' | '`' => " ",
            _ => "",
        };
        if !mapped.is_empty() {
            out.push_str(mapped);
        } else if let Some(d) = digit(c) {
            out.push(d);
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Persian and Arabic letters in one form (Arabic yeh and kaf as Persian), letters only.
pub fn compact(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'ي' | 'ى' => Some('ی'),
            'ك' => Some('ک'),
            'ة' => Some('ه'),
            'أ' | 'إ' | 'آ' => Some('ا'),
            c if c.is_alphabetic() => Some(c),
            _ => None,
        })
        .collect()
}

fn digit(c: char) -> Option<char> {
    match c as u32 {
        0x0660..=0x0669 => char::from_u32(c as u32 - 0x0660 + u32::from(b'0')),
        0x06F0..=0x06F9 => char::from_u32(c as u32 - 0x06F0 + u32::from(b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The one-pass matcher against the search it replaced (one substring search per phrase),
    /// kept here as the reference: the same answer for every labelled reply, for each of them
    /// cut and joined with the others, and for every phrase alone and in company.
    fn reference(text: &str) -> Option<Scope> {
        fn has_phrase(folded: &str, p: &str) -> bool {
            let stem = is_stem(p);
            folded
                .match_indices(p)
                .any(|(i, _)| folded[..i].ends_with(' ') && (stem || folded[i + p.len()..].starts_with(' ')))
        }
        fn spans(folded: &str, p: &str) -> Vec<(usize, usize)> {
            let stem = is_stem(p);
            folded
                .match_indices(p)
                .filter(|(i, _)| folded[..*i].ends_with(' ') && (stem || folded[i + p.len()..].starts_with(' ')))
                .map(|(i, _)| (i, i + p.len()))
                .collect()
        }
        let folded = format!(" {} ", fold(text));
        let compact = compact(text);
        let has = |p: &str| has_phrase(&folded, p);
        let exclusions: Vec<(usize, usize)> = NOT_OPT_OUTS.iter().flat_map(|p| spans(&folded, p)).collect();
        let persian_excluded = PERSIAN_NOT_OPT_OUTS.iter().any(|p| compact.contains(p));
        let excluded = !exclusions.is_empty() || persian_excluded;
        let held = |(s, e): (usize, usize)| exclusions.iter().any(|&(xs, xe)| xs <= s && e <= xe);
        let uncovered = PHRASES.iter().any(|p| match *p {
            "stop" | "stopp" => spans(&folded, p).into_iter().any(|sp| !held(sp)),
            _ => has(p),
        });
        let latin = uncovered || !excluded && typo_of_stop(&folded);
        let persian = PERSIAN.iter().any(|p| compact.contains(p));
        if !(persian || latin) {
            return None;
        }
        let all = ALL_CHANNELS.iter().any(|p| has(p)) || ALL_CHANNELS_PERSIAN.iter().any(|p| compact.contains(p));
        Some(if all { Scope::All } else { Scope::Channel })
    }

    #[test]
    fn one_pass_matches_the_phrase_by_phrase_search() {
        let set = include_str!("../../../../tests/fixtures/replies/opt_out.tsv");
        let mut texts: Vec<String> = set
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split('\t').next_back().map(str::to_string))
            .collect();
        let lists = [PHRASES, NOT_OPT_OUTS, ALL_CHANNELS, PERSIAN, ALL_CHANNELS_PERSIAN, PERSIAN_NOT_OPT_OUTS];
        for (i, p) in lists.iter().flat_map(|l| l.iter()).enumerate() {
            texts.push(p.to_string());
            texts.push(format!("please {p}s now"));
            texts.push(format!("{p}{p}"));
            texts.push(format!("ok {p} {} thanks", PHRASES[i % PHRASES.len()]));
            texts.push(format!("stop by {p}"));
        }
        let n = texts.len();
        for i in 0..n {
            let (a, b) = (&texts[i], &texts[(i * 7 + 3) % n]);
            texts.push(format!("{} {}", &a[..a.floor_char_boundary(a.len() / 2)], b));
        }
        let mut checked = 0;
        for t in &texts {
            assert_eq!(opt_out(t), reference(t), "{t:?}");
            checked += 1;
        }
        assert!(checked > 2_000, "{checked}");
    }

    /// Precision and recall per language on the labelled set; every opt-out honoured, none false.
    #[test]
    fn the_labelled_replies_are_classified_per_language() {
        let set = include_str!("../../../../tests/fixtures/replies/opt_out.tsv");
        let mut by_lang: BTreeMap<&str, (u32, u32, u32, u32)> = BTreeMap::new(); // tp, fp, fn, tn
        let mut wrong = Vec::new();
        for line in set.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let mut f = line.splitn(3, '\t');
            let (lang, want, text) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            let got = match opt_out(text) {
                Some(Scope::Channel) => "channel",
                Some(Scope::All) => "all",
                None => "none",
            };
            let e = by_lang.entry(lang).or_default();
            match (want != "none", got != "none") {
                (true, true) => e.0 += 1,
                (false, true) => e.1 += 1,
                (true, false) => e.2 += 1,
                (false, false) => e.3 += 1,
            }
            if got != want {
                wrong.push(format!("{lang} {want} → {got}: {text}"));
            }
        }
        for (lang, (tp, fp, fn_, tn)) in &by_lang {
            let precision = f64::from(*tp) / f64::from(tp + fp).max(1.0);
            let recall = f64::from(*tp) / f64::from(tp + fn_).max(1.0);
            println!(
                "{lang}: opt-outs {} / others {}: precision {precision:.2}, recall {recall:.2}",
                tp + fn_,
                fp + tn
            );
        }
        assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
    }

    #[test]
    fn digits_and_widths_are_folded() {
        assert_eq!(fold("ＳＴＯＰ ۱۲۳ Çıkarın"), "stop 123 cikarin");
        assert_eq!(opt_out("st0p"), Some(Scope::Channel));
    }
}
