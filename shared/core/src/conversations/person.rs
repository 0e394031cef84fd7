//! "Can I talk to a person?" in English, Turkish, Norwegian and Persian: such a reply goes to
//! a person whatever the model reads in it (`[stores.conversations] handoff_when_asked`).

use crate::conversations::opt_out::fold;

/// Folded forms (`fold`: lower case, no diacritics), matched as whole words at a word start.
const PHRASES: &[&str] = &[
    "real person",
    "a person",
    "a human",
    "human being",
    "talk to someone",
    "speak to someone",
    "talk to somebody",
    "speak with someone",
    "customer service",
    "customer support",
    "an agent",
    "a representative",
    "call me",
    "phone me",
    "ring me",
    "gercek bir kisi",
    "gercek kisi",
    "biriyle gorus",
    "biriyle konus",
    "yetkili biri",
    "yetkiliyle",
    "musteri hizmetleri",
    "temsilci",
    "beni arayin",
    "beni arar misiniz",
    "arayabilir misiniz",
    "insanla",
    "et menneske",
    "ekte person",
    "snakke med noen",
    "prate med noen",
    "kundeservice",
    "kundestotte",
    "ring meg",
    "ringe meg",
    "kan dere ringe",
];

/// Persian, matched in the text without spaces or zero-width non-joiners.
const PERSIAN: &[&str] =
    &["اپراتور", "پشتیبانی", "کارشناس", "بایکنفرصحبت", "بایهنفرصحبت", "زنگبزنید", "تماسبگیرید", "آدمواقعی", "شخصواقعی"];

pub fn asks_for_person(text: &str) -> bool {
    let folded = format!(" {} ", fold(text));
    let compact: String = text.chars().filter(|c| c.is_alphabetic()).collect();
    PHRASES.iter().any(|p| folded.contains(&format!(" {p}"))) || PERSIAN.iter().any(|p| compact.contains(p))
}

#[cfg(test)]
mod tests {
    use super::asks_for_person;

    #[test]
    fn in_four_languages_and_not_otherwise() {
        for yes in [
            "can I talk to a real person?",
            "Customer service please",
            "could someone call me",
            "Gerçek bir kişiyle görüşebilir miyim?",
            "müşteri hizmetlerine bağlar mısınız",
            "Kan jeg snakke med noen?",
            "ring meg, takk",
            "میشه با یه نفر صحبت کنم؟",
            "لطفا به پشتیبانی وصل کنید",
        ] {
            assert!(asks_for_person(yes), "{yes}");
        }
        for no in [
            "is the tent for one person?",
            "kargo ne zaman gelir",
            "hvor lang er leveringstiden",
            "تخفیف دارید؟",
            "personal",
        ] {
            assert!(!asks_for_person(no), "{no}");
        }
    }
}
