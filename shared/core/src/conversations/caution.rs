//! Replies that may be a "no" without saying "stop": a wrong number, or a shopper who is
//! annoyed, refuses, or does not know why they were contacted ("who gave you my number?",
//! "I never signed up", "third text this week", "enough"). A classifier's accuracy on such
//! words is not something compliance may rest on (docs/replies.md, "When a reply may be a
//! no"): a wrong number takes the number off at once; the others hold every automated message
//! to the contact until a person has read the reply.
//!
//! Phrases are written in the opt-out rules' folded forms (`opt_out::fold` for Latin script,
//! `opt_out::compact` for Persian: letters only, no spaces). Precision matters less here than
//! for an opt-out: what these catch is held for a person, not opted out, except a wrong number.

use crate::conversations::opt_out::{compact, fold};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caution {
    /// The message reached someone else: a reassigned or mistyped number.
    WrongNumber,
    /// Annoyed, refusing, or unsure why they were contacted.
    Refusal,
}

/// "Wrong number" and its equivalents (folded, whole words; a last word of six letters or
/// more may take a suffix).
const WRONG_NUMBER: &[&str] = &[
    "wrong number",
    "wrong no",
    "wrong person",
    "wrong phone",
    "wrong guy",
    "wrong girl",
    "wrong lady",
    "wrong contact",
    "wrong recipient",
    "wrong customer",
    "wrong cell",
    "wrong mobile",
    "not my number",
    "isnt my number",
    "is not my number",
    "not my phone",
    "not my cart",
    "this number belongs to",
    "this is a new number",
    "got this number",
    "no one by that name",
    "nobody by that name",
    "no one named",
    "nobody named",
    "nobody here named",
    "no such person",
    "not the person you",
    "texted the wrong",
    "texting the wrong",
    "messaged the wrong",
    "you have the wrong",
    "you ve got the wrong",
    "youve got the wrong",
    "got the wrong",
    "previous owner",
    "had this number",
    "number before me",
    "not his number",
    "not her number",
    "isn t his number",
    "isn t her number",
    "isnt his number",
    "isnt her number",
    "not his phone",
    "not her phone",
    "doesnt live here",
    "does not live here",
    "no longer has this number",
    "dont know any",
    // Turkish
    "yanlis numara",
    "numara yanlis",
    "yanlis kisi",
    "yanlis kisiye",
    "yanlis numaraya",
    "numaraniz yanlis",
    "benim numaram degil",
    "bu numara benim degil",
    "numara bana ait degil",
    "bu numara artik",
    "numarayi yeni aldim",
    "yeni aldim bu numara",
    "o kisi degilim",
    "o kisi ben degilim",
    "ben degilim",
    "boyle biri yok",
    "diye birini tanimiyorum",
    "isminde birini tanimiyorum",
    "adinda birini tanimiyorum",
    "diye biri yok",
    "isminde biri yok",
    "adinda biri yok",
    "oyle biri yok",
    "kimseyi tanimiyorum",
    // Norwegian
    "feil nummer",
    "feil person",
    "feil mottaker",
    "feil mobil",
    "feil telefon",
    "nummeret er ikke mitt",
    "ikke mitt nummer",
    "ikke min telefon",
    "fikk dette nummeret",
    "har dette nummeret",
    "ingen her som heter",
    "ingen som heter",
    "kjenner ingen",
    "er ikke meg",
    "det er ikke meg",
    "tidligere eier",
    // Persian in Latin letters.
    "eshtebah gereftin",
    "eshtebah gereftid",
    "eshtebah gerefti",
    "shomare eshtebah",
    "eshtebahi payam",
    "sin telefon lenger",
    "sitt nummer lenger",
    "har hatt nummeret",
    "har hatt dette nummeret",
    "ikke hans nummer",
    "ikke hennes nummer",
    "ikke hans telefon",
    "ikke hennes telefon",
];

const WRONG_NUMBER_PERSIAN: &[&str] = &[
    "شمارهاشتباه",
    "شمارهرواشتباه",
    "شمارهرااشتباه",
    "اشتباهگرفتید",
    "اشتباهگرفتین",
    "اشتباهگرفتی",
    "اشتباهفرستادید",
    "اشتباهفرستادین",
    "اشتباهیفرستادید",
    "اشتباهیفرستادین",
    "اشتباهیپیام",
    "شخصاشتباه",
    "فرداشتباه",
    "آدماشتباه",
    "ادماشتباه",
    "شمارهمننیست",
    "شمارهمالمننیست",
    "شمارهبرایمننیست",
    "شمارهجدیدگرفتم",
    "شمارهراتازهگرفتم",
    "مننیستم",
    "منفلانینیستم",
    "کسیبهاینناماینجانیست",
    "چنینکسی",
    "همچینکسی",
    "wrongnumber",
    "خطدیگهمال",
    "کسیبهاسم",
    "کسیبهنام",
    "اشتباهپیامدادید",
    "اشتباهپیامدادین",
    "اشتباهیپیامدادید",
    "اشتباهیپیامدادین",
];

/// Annoyance, refusal, and doubt about why they were contacted.
const REFUSAL: &[&str] = &[
    "who gave you my",
    "who gave u my",
    "how did you get my",
    "how did u get my",
    "how do you have my",
    "how d you get my",
    "where did you get my",
    "where d you get my",
    "where did u get my",
    "why do you have my",
    "why do u have my",
    "why are you texting",
    "why are u texting",
    "why are you messaging",
    "why do you keep",
    "why do u keep",
    "why am i getting",
    "why do i keep getting",
    "never signed up",
    "didnt sign up",
    "didn t sign up",
    "did not sign up",
    "never subscribed",
    "never opted in",
    "never agreed",
    "didnt agree",
    "didn t agree",
    "did not agree",
    "never gave you",
    "never gave u",
    "didnt give you",
    "didn t give you",
    "never asked for",
    "didnt ask for",
    "didn t ask for",
    "did not ask for",
    "not consent",
    "never consented",
    "leave my phone",
    "leave my number",
    "leave me be",
    "go away",
    "get lost",
    "back off",
    "piss off",
    "f off",
    "fuck off",
    "stfu",
    "enough already",
    "enough is enough",
    "thats enough",
    "that s enough",
    "had enough",
    "ok enough",
    "okay enough",
    "enough of these",
    "enough of this",
    "enough messages",
    "enough texts",
    "enough reminders",
    "harass",
    "harassing",
    "harassment",
    "spam",
    "spamming",
    "spammy",
    "stop bothering",
    "bothering me",
    "pestering",
    "annoying",
    "so many messages",
    "so many texts",
    "too many messages",
    "too many texts",
    "too many reminders",
    "too many emails",
    "third message",
    "third text",
    "third reminder",
    "third time",
    "3rd message",
    "3rd text",
    "3rd reminder",
    "3rd time",
    "another reminder",
    "another text",
    "another message",
    "yet another",
    "how many times",
    "every single day",
    "keep texting",
    "keep messaging",
    "keep sending",
    "keeps texting",
    "keeps sending",
    "report you",
    "reporting you",
    "reported you",
    "report this",
    "block you",
    "blocking you",
    "blocking this",
    "block this",
    "lawyer",
    "tcpa",
    "unsolicited",
    "unwanted",
    "not ok to text",
    "my phone is for",
    "not for ads",
    "not for advertising",
    "for friends not",
    "for family not",
    "dont want your",
    "don t want your",
    "no thanks stop",
    "no thank you stop",
    // Not wanting to be reached at all, said politely ("I would prefer not to be contacted").
    "not to be contacted",
    "not be contacted",
    "no longer be contacted",
    "rather not be contacted",
    "rather not hear from",
    "prefer not to hear from",
    // The inbox is not for this ("my inbox is not your billboard").
    "my inbox is not",
    "my inbox isnt",
    "my inbox isn t",
    "not your billboard",
    "not a billboard",
    // Persian in Latin letters: "I don't want (it) any more", "why do you keep messaging".
    "dige nemikham",
    "dige nemikhaym",
    "dige nemikhahim",
    "dige nemikhay",
    "hey payam",
    "inghadr payam",
    "in hame payam",
    "chera payam",
    // Consent denied or registered against marketing: a "no" given before, or elsewhere.
    "no marketing",
    "opted out",
    "do not call",
    "dnc list",
    "do not contact",
    "dont contact me",
    "don t contact me",
    "no more marketing",
    // The reminders themselves are the complaint.
    "every time i add",
    "every time i put",
    "each time i add",
    "really necessary",
    "is this necessary",
    "dont need reminders",
    "don t need reminders",
    "dont need a reminder",
    "don t need a reminder",
    "dont need reminding",
    "don t need reminding",
    "no need to remind",
    "babysit",
    "stalking",
    "stalker",
    "creepy",
    // A new SIM card: maybe someone else's number, maybe not: a person reads it.
    "new sim",
    "new sim card",
    "just got this sim",
    "bought this sim",
    "sim card ro taze",
    "nytt simkort",
    "nytt sim kort",
    "yeni hat",
    "hatti yeni",
    // Turkish
    "numarami kim",
    "numarami kimden",
    "numarami nereden",
    "numarami nerden",
    "numarami nasil",
    "numaram sizde",
    "numarami nerde",
    "kim verdi numaram",
    "kayit olmadim",
    "kaydolmadim",
    "uye olmadim",
    "abone olmadim",
    "izin vermedim",
    "onay vermedim",
    "onayim yok",
    "iznim yok",
    "istemedim",
    "yeter",
    "yeter artik",
    "yeterr",
    "biktim",
    "bikdim",
    "bezdim",
    "darladiniz",
    "taciz",
    "spam",
    "rahat birak",
    "rahat birakin",
    "rahat birakir",
    "ucuncu mesaj",
    "kacinci mesaj",
    "surekli mesaj",
    "her gun mesaj",
    "bu kadar mesaj",
    "cok fazla mesaj",
    "sikayet edecegim",
    "sikayet ediyorum",
    "sikayet edicem",
    "engelleyecegim",
    "engelledim",
    "engelliyorum",
    "gelmesin",
    "gelmese",
    "rica ederim artik",
    "ticari ileti",
    "iys",
    "her seferinde mesaj",
    "gerek var mi buna",
    "hatirlatmaya ihtiyacim yok",
    "hatirlatma istemiyorum",
    "ihtiyacim olursa ben",
    "mesaj atip duruyorsunuz",
    "mesaj atmayin",
    // Norwegian
    "hvem ga dere",
    "hvem har gitt dere",
    "hvem ga deg",
    "hvor fikk dere",
    "hvor har dere",
    "hvordan fikk dere",
    "hvordan har dere",
    "har aldri meldt",
    "meldte meg aldri",
    "aldri meldt",
    "ikke meldt meg",
    "aldri samtykket",
    "ikke samtykket",
    "ikke gitt samtykke",
    "aldri bedt om",
    "ikke bedt om",
    "la meg vaere",
    "la meg vare",
    "la meg i fred",
    "la telefonen min",
    "la nummeret mitt",
    "nok na",
    "na er det nok",
    "na far det vaere nok",
    "na far det vare nok",
    "det er nok",
    "nok er nok",
    "nok med",
    "nok meldinger",
    "masete",
    "maser",
    "slutt a mase",
    "mas",
    "trakassering",
    "plagsom",
    "plagsomt",
    "irriterende",
    "tredje melding",
    "tredje gang",
    "enda en melding",
    "enda en sms",
    "hele tiden",
    "sa mange meldinger",
    "for mange meldinger",
    "blokkere",
    "blokkerer",
    "blokkert",
    "rapportere",
    "rapporterer",
    "gidder ikke",
    "ikke reklame",
    "ikke for reklame",
    "barnevakt",
    "trenger ingen paminnelse",
    "trenger ikke paminnelse",
    "ikke kontakt meg",
    "reservert mot",
    "reservasjonsregister",
    "hver gang jeg legger",
    "virkelig nodvendig",
];

const REFUSAL_PERSIAN: &[&str] = &[
    "شمارهمنوکی",
    "شمارموکی",
    "شمارهمراکی",
    "کیشمارهمنو",
    "کیشمارمو",
    "کیشمارهمرا",
    "شمارهمنوازکجا",
    "شمارمازکجا",
    "شمارموازکجا",
    "شمارهمراازکجا",
    "شمارهمنازکجا",
    "ازکجاشماره",
    "شمارهمنوچطوری",
    "شمارمچطوری",
    "ثبتناماینکردم",
    "ثبتنامنکردم",
    "ثبتناموننکردم",
    "عضونشدم",
    "عضونشدهبودم",
    "مننخواستم",
    "درخواستنکردم",
    "اجازهندادم",
    "رضایتندادم",
    "بسه",
    "بسهدیگه",
    "دیگهبسه",
    "کافیه",
    "کافیهدیگه",
    "ولمکنید",
    "ولمکنین",
    "ولمکن",
    "راحتمبذارید",
    "راحتمبزارید",
    "راحتمبذارین",
    "راحتمبزارین",
    "راحتمبذار",
    "راحتمبزار",
    "دستازسرم",
    "مزاحمت",
    "مزاحمید",
    "مزاحمین",
    "اسپم",
    "هرزنامه",
    "سومینپیام",
    "پیامسوم",
    "سومینبار",
    "بارسوم",
    "هرروزپیام",
    "اینهمهپیام",
    "اینقدرپیام",
    "چقدرپیام",
    "پیامپشتپیام",
    "خستهشدم",
    "کلافهشدم",
    "کلافم",
    "شکایتمیکنم",
    "شکایتمیکنیم",
    "بلاکمیکنم",
    "بلاککردم",
    "spam",
    "راحتشنمیذار",
    "راحتشنمیزار",
    "راحتمنمیذار",
    "راحتمنمیزار",
    "راحتنمیذار",
    "راحتنمیزار",
    "ولنمیکن",
    "دستبردار",
    "واقعالازمه",
    "سیمکارتجدید",
    "سیمکارتنو",
];

/// Whether a reply is a wrong number, or may be a "no" a person should read first.
pub fn read(text: &str) -> Option<Caution> {
    let folded = format!(" {} ", fold(text));
    let compacted = compact(text);
    let found = |latin: &[&str], persian: &[&str]| {
        latin.iter().any(|p| has_words(&folded, p)) || persian.iter().any(|p| compacted.contains(p))
    };
    if found(WRONG_NUMBER, WRONG_NUMBER_PERSIAN) {
        Some(Caution::WrongNumber)
    } else if found(REFUSAL, REFUSAL_PERSIAN) || ends_with_enough(&folded) || counts_messages(&folded, &compacted, text)
    {
        Some(Caution::Refusal)
    } else {
        None
    }
}

/// Asking for the messages to go on ("don't stop the deals", "mesajları durdurmayın", "ikke
/// slutt å sende tilbud", "لغو نکنید"): an opt-out phrase in such a reply is held for a person
/// rather than taken as a "no" (`verdict`). Nothing goes out meanwhile either way.
const KEEP_SENDING: &[&str] = &[
    "dont stop",
    "don t stop",
    "do not stop",
    "never stop",
    "keep them coming",
    "durdurmayin",
    "durdurmayiniz",
    "kesmeyin",
    "iptal etmeyin",
    "ikke stopp",
    "ikke slutt",
    "fortsett a sende",
];
const KEEP_SENDING_PERSIAN: &[&str] = &["لغونکنید", "لغونکن", "قطعنکنید", "قطعنکن", "متوقفنکنید"];

/// Whether a reply asks for the messages to go on (`KEEP_SENDING`).
pub fn wants_more(text: &str) -> bool {
    let folded = format!(" {} ", fold(text));
    let compacted = compact(text);
    KEEP_SENDING.iter().any(|p| has_words(&folded, p)) || KEEP_SENDING_PERSIAN.iter().any(|p| compacted.contains(p))
}

/// `phrase` in ` folded `, starting a word and, unless its last word has six letters or more
/// (a stem that may take a suffix: "harass" in "harassed"), ending one ("yeter" is not
/// "yeterli", enough of something).
fn has_words(folded: &str, phrase: &str) -> bool {
    let stem = phrase.rsplit(' ').next().unwrap_or(phrase).chars().count() >= 6;
    folded
        .match_indices(phrase)
        .any(|(i, m)| folded[..i].ends_with(' ') && (stem || folded[i + m.len()..].starts_with(' ')))
}

/// "Three texts this week", "haftada üç mesaj", "fire meldinger i dag", "هفته‌ای سه تا پیام": the
/// shopper counting the messages over a time is complaining about them, whatever else is said.
fn counts_messages(folded: &str, compacted: &str, text: &str) -> bool {
    const MESSAGES: &[&str] = &[
        "message",
        "messages",
        "text",
        "texts",
        "sms",
        "smses",
        "emails",
        "mails",
        "reminders",
        "mesaj",
        "mesajlar",
        "ileti",
        "melding",
        "meldinger",
        "meldingar",
        "eposter",
        "paminnelser",
    ];
    const TIMES: &[&str] = &[
        "a week",
        "per week",
        "this week",
        "a day",
        "per day",
        "today",
        "daily",
        "haftada",
        "bu hafta",
        "gunde",
        "bugun",
        "her gun",
        "i uka",
        "i uken",
        "i veka",
        "per uke",
        "om dagen",
        "i dag",
        "hver dag",
        "daglig",
    ];
    const COUNTS: &[&str] = &[
        "2", "3", "4", "5", "6", "7", "8", "9", "10", "two", "three", "four", "five", "six", "several", "multiple",
        "iki", "uc", "dort", "bes", "alti", "birkac", "tre", "fire", "fem", "seks", "flere",
    ];
    let any = |list: &[&str]| list.iter().any(|w| has_words(folded, w));
    if any(MESSAGES) && any(TIMES) && any(COUNTS) {
        return true;
    }
    let has = |list: &[&str]| list.iter().any(|w| compacted.contains(w));
    // A count is a word of its own ("دو" is inside "دوست", "سه" inside "مدرسه").
    let count = text_words(text).any(|w| ["دو", "سه", "چهار", "پنج", "۲", "۳", "۴", "۵"].contains(&w));
    has(&["پیام", "اساماس", "ایمیل"]) && has(&["هفته", "روز", "امروز"]) && count
}

/// The words of a text: split at anything that is not a letter or a digit.
fn text_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// "Enough!", "ok that's it, enough": the word alone at the end (not "enough sizes in stock?").
fn ends_with_enough(folded: &str) -> bool {
    let t = folded.trim_end();
    ["enough", "yeter", "nok", "bas"].iter().any(|w| t == format!(" {w}") || t.ends_with(&format!(" {w}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_numbers_in_four_languages() {
        for t in [
            "wrong number, i'm not ayşe",
            "You've got the wrong person",
            "Yanlış numara, ben Ayşe değilim",
            "feil nummer, jeg heter ikke Kari",
            "شماره اشتباه گرفتید، من مریم نیستم",
        ] {
            assert_eq!(read(t), Some(Caution::WrongNumber), "{t}");
        }
    }

    #[test]
    fn doubts_and_annoyance_are_held() {
        for t in [
            "who gave you my number??",
            "I never signed up for this",
            "third reminder this week... just leave my phone alone",
            "Enough!",
            "numaramı nereden buldunuz?",
            "yeter artık",
            "hvem ga dere nummeret mitt?",
            "la meg være i fred",
            "شماره منو از کجا آوردید؟",
            "بسه دیگه",
            "I'm registered against telemarketing, do not call",
            "three texts a day now, seriously",
            "bugün 3 mesaj geldi",
            "jeg er reservert mot reklame",
            "fikk fire meldinger i dag",
            "هفته‌ای سه تا پیام میدید",
        ] {
            assert_eq!(read(t), Some(Caution::Refusal), "{t}");
        }
    }

    #[test]
    fn asking_for_more_is_told_apart() {
        for t in ["please don't stop the deals", "Mesajları durdurmayın", "Ikke slutt å sende tilbud", "لطفا لغو نکنید"]
        {
            assert!(wants_more(t), "{t}");
        }
        for t in [
            "stop texting me",
            "mesajları durdurun",
            "Mesajları durdurmanızı istiyorum",
            "slutt å sende meg meldinger",
            "لغو",
            "no way I'm buying, stop texting me",
            "I love your shop but unsubscribe me",
            "if you keep sending these I'll report you",
        ] {
            assert!(!wants_more(t), "{t}");
        }
    }

    #[test]
    fn ordinary_replies_are_not_held() {
        for t in [
            "do you have enough sizes in stock?",
            "my order number is 1234",
            "yeterli stok var mı?",
            "har dere nok på lager?",
            "کی میرسه؟",
            "is shipping free?",
            "can it arrive in 2 days? I need it this week",
            "kargo 3 günde gelir mi?",
            "to stk i dag, takk",
            "ایمیل تایید چند روز طول میکشه؟",
            "دوستم امروز پیام داد که سفارش داده",
            "Every time I pay it fails",
            "my sim card broke so I missed the code",
        ] {
            assert_eq!(read(t), None, "{t}");
        }
    }
}
