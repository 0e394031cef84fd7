//! Why did the shopper leave? A small multilingual keyword classifier for replies.
//!
//! English, Turkish, Norwegian (Bokmål) and Persian. Each rule is a set of terms that must all
//! appear; a single word matches as a word prefix (Turkish and Persian attach suffixes), a phrase
//! as a substring. The score of a rule is its number of terms, so "shipping … expensive" (fees)
//! beats a bare "expensive" (price). Only a clear winner counts as confident.

use crate::domain::Reason;

type Rule = (Reason, &'static [&'static str]);

const RULES: &[Rule] = &[
    // unexpected fees / shipping cost
    (Reason::UnexpectedFees, &["shipping", "expensive"]),
    (Reason::UnexpectedFees, &["shipping", "cost"]),
    (Reason::UnexpectedFees, &["shipping", "price"]),
    (Reason::UnexpectedFees, &["delivery", "expensive"]),
    (Reason::UnexpectedFees, &["delivery", "cost"]),
    (Reason::UnexpectedFees, &["fee"]),
    (Reason::UnexpectedFees, &["fees"]),
    (Reason::UnexpectedFees, &["hidden", "cost"]),
    (Reason::UnexpectedFees, &["tax"]),
    (Reason::UnexpectedFees, &["kargo", "pahalı"]),
    (Reason::UnexpectedFees, &["kargo", "ücret"]),
    (Reason::UnexpectedFees, &["gönderim", "ücret"]),
    (Reason::UnexpectedFees, &["frakt", "dyr"]),
    (Reason::UnexpectedFees, &["frakt", "koste"]),
    (Reason::UnexpectedFees, &["gebyr"]),
    (Reason::UnexpectedFees, &["هزینه", "ارسال"]),
    (Reason::UnexpectedFees, &["ارسال", "گران"]),
    (Reason::UnexpectedFees, &["هزینه", "پست"]),
    // shipping time
    (Reason::ShippingTime, &["shipping", "long"]),
    (Reason::ShippingTime, &["delivery", "long"]),
    (Reason::ShippingTime, &["how long"]),
    (Reason::ShippingTime, &["arrive"]),
    (Reason::ShippingTime, &["delivery", "time"]),
    (Reason::ShippingTime, &["kargo", "ne zaman"]),
    (Reason::ShippingTime, &["teslimat", "süre"]),
    (Reason::ShippingTime, &["ne zaman", "gelir"]),
    (Reason::ShippingTime, &["levering", "tid"]),
    (Reason::ShippingTime, &["leveringstid"]),
    (Reason::ShippingTime, &["når", "kommer"]),
    (Reason::ShippingTime, &["زمان", "ارسال"]),
    (Reason::ShippingTime, &["کی", "میرسه"]),
    (Reason::ShippingTime, &["چند", "روز"]),
    // payment
    (Reason::PaymentProblem, &["payment"]),
    (Reason::PaymentProblem, &["card", "declined"]),
    (Reason::PaymentProblem, &["card", "work"]),
    (Reason::PaymentProblem, &["paypal"]),
    (Reason::PaymentProblem, &["ödeme"]),
    (Reason::PaymentProblem, &["kart", "geçmedi"]),
    (Reason::PaymentProblem, &["betaling"]),
    (Reason::PaymentProblem, &["kort", "avvist"]),
    (Reason::PaymentProblem, &["vipps"]),
    (Reason::PaymentProblem, &["پرداخت"]),
    (Reason::PaymentProblem, &["کارت"]),
    // technical issue
    (Reason::TechnicalIssue, &["error"]),
    (Reason::TechnicalIssue, &["bug"]),
    (Reason::TechnicalIssue, &["not working"]),
    (Reason::TechnicalIssue, &["doesn't work"]),
    (Reason::TechnicalIssue, &["crash"]),
    (Reason::TechnicalIssue, &["website", "broken"]),
    (Reason::TechnicalIssue, &["page", "load"]),
    (Reason::TechnicalIssue, &["hata"]),
    (Reason::TechnicalIssue, &["çalışmıyor"]),
    (Reason::TechnicalIssue, &["feil"]),
    (Reason::TechnicalIssue, &["fungerer ikke"]),
    (Reason::TechnicalIssue, &["خطا"]),
    (Reason::TechnicalIssue, &["کار", "نمیکنه"]),
    // trust
    (Reason::Trust, &["scam"]),
    (Reason::Trust, &["trust"]),
    (Reason::Trust, &["legit"]),
    (Reason::Trust, &["safe", "pay"]),
    (Reason::Trust, &["fake"]),
    (Reason::Trust, &["güven"]),
    (Reason::Trust, &["dolandırıcı"]),
    (Reason::Trust, &["svindel"]),
    (Reason::Trust, &["stole på"]),
    (Reason::Trust, &["seriøs"]),
    (Reason::Trust, &["اعتماد"]),
    (Reason::Trust, &["کلاهبرداری"]),
    // product question
    (Reason::ProductQuestion, &["size"]),
    (Reason::ProductQuestion, &["colour"]),
    (Reason::ProductQuestion, &["color"]),
    (Reason::ProductQuestion, &["material"]),
    (Reason::ProductQuestion, &["in stock"]),
    (Reason::ProductQuestion, &["beden"]),
    (Reason::ProductQuestion, &["renk"]),
    (Reason::ProductQuestion, &["stok"]),
    (Reason::ProductQuestion, &["størrelse"]),
    (Reason::ProductQuestion, &["farge"]),
    (Reason::ProductQuestion, &["på lager"]),
    (Reason::ProductQuestion, &["سایز"]),
    (Reason::ProductQuestion, &["رنگ"]),
    (Reason::ProductQuestion, &["موجود"]),
    // price / discount
    (Reason::PriceDiscount, &["discount"]),
    (Reason::PriceDiscount, &["coupon"]),
    (Reason::PriceDiscount, &["cheaper"]),
    (Reason::PriceDiscount, &["expensive"]),
    (Reason::PriceDiscount, &["indirim"]),
    (Reason::PriceDiscount, &["kupon"]),
    (Reason::PriceDiscount, &["pahalı"]),
    (Reason::PriceDiscount, &["rabatt"]),
    (Reason::PriceDiscount, &["billigere"]),
    (Reason::PriceDiscount, &["for dyrt"]),
    (Reason::PriceDiscount, &["تخفیف"]),
    (Reason::PriceDiscount, &["گرونه"]),
    (Reason::PriceDiscount, &["گران"]),
    // not interested
    (Reason::NotInterested, &["not interested"]),
    (Reason::NotInterested, &["changed my mind"]),
    (Reason::NotInterested, &["no thanks"]),
    (Reason::NotInterested, &["don't want"]),
    (Reason::NotInterested, &["vazgeçtim"]),
    (Reason::NotInterested, &["istemiyorum"]),
    (Reason::NotInterested, &["ikke interessert"]),
    (Reason::NotInterested, &["ombestemt"]),
    (Reason::NotInterested, &["منصرف"]),
    (Reason::NotInterested, &["نمیخوام"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub reason: Reason,
    /// A clear winner: safe to answer automatically.
    pub confident: bool,
}

/// Lower-cases and folds script variants: Arabic yeh/kaf to Persian, zero-width non-joiner
/// dropped ("نمی‌خوام" → "نمیخوام"), Turkish dotted capital I handled by `to_lowercase`.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\u{200c}')
        .map(|c| match c {
            'ي' => 'ی',
            'ك' => 'ک',
            '’' => '\'',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        // "İ".to_lowercase() is "i" + U+0307 (combining dot): drop the dot so Turkish matches.
        .filter(|c| *c != '\u{307}')
        .collect()
}

pub fn classify(text: &str) -> Classification {
    let norm = normalize(text);
    let words: Vec<&str> =
        norm.split(|c: char| !(c.is_alphanumeric() || c == '\'')).filter(|w| !w.is_empty()).collect();
    let has = |term: &str| {
        if term.contains(' ') { norm.contains(term) } else { words.iter().any(|w| w.starts_with(term)) }
    };
    let mut scores = [0usize; Reason::ALL.len()];
    for (reason, terms) in RULES {
        if terms.iter().all(|t| has(t)) {
            let i = Reason::ALL.iter().position(|r| r == reason).unwrap_or(Reason::ALL.len() - 1);
            scores[i] = scores[i].max(terms.len() * 10 + terms.iter().map(|t| t.chars().count()).sum::<usize>() / 8);
        }
    }
    let mut ranked: Vec<(usize, Reason)> = scores.iter().copied().zip(Reason::ALL).filter(|(s, _)| *s > 0).collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    match ranked.as_slice() {
        [] => Classification { reason: Reason::Other, confident: false },
        [(_, r)] => Classification { reason: *r, confident: true },
        [(a, r), (b, _), ..] => Classification { reason: *r, confident: a / 10 > b / 10 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(t: &str) -> Reason {
        classify(t).reason
    }

    #[test]
    fn english() {
        assert_eq!(r("shipping is too expensive"), Reason::UnexpectedFees);
        assert!(classify("shipping is too expensive").confident);
        assert_eq!(r("My card was declined"), Reason::PaymentProblem);
        assert_eq!(r("how long does delivery take?"), Reason::ShippingTime);
        assert_eq!(r("the site gave me an error"), Reason::TechnicalIssue);
        assert_eq!(r("is this a scam?"), Reason::Trust);
        assert_eq!(r("do you have it in size M"), Reason::ProductQuestion);
        assert_eq!(r("any discount?"), Reason::PriceDiscount);
        assert_eq!(r("not interested anymore"), Reason::NotInterested);
        assert_eq!(r("hello"), Reason::Other);
        assert!(!classify("hello").confident);
    }

    #[test]
    fn turkish() {
        assert_eq!(r("Kargo çok pahalı"), Reason::UnexpectedFees);
        assert_eq!(r("Ödeme yapamadım"), Reason::PaymentProblem);
        assert_eq!(r("Kargom ne zaman gelir?"), Reason::ShippingTime);
        assert_eq!(r("Site çalışmıyor"), Reason::TechnicalIssue);
        assert_eq!(r("İndirim var mı?"), Reason::PriceDiscount);
        assert_eq!(r("Vazgeçtim, teşekkürler"), Reason::NotInterested);
    }

    #[test]
    fn norwegian() {
        assert_eq!(r("Frakten er for dyr"), Reason::UnexpectedFees);
        assert_eq!(r("Betalingen feilet med Vipps"), Reason::PaymentProblem);
        assert_eq!(r("Hvor lang er leveringstiden?"), Reason::ShippingTime);
        assert_eq!(r("Har dere størrelse L?"), Reason::ProductQuestion);
        assert_eq!(r("Ikke interessert lenger"), Reason::NotInterested);
    }

    #[test]
    fn persian() {
        assert_eq!(r("هزینه ارسال خیلی زیاده"), Reason::UnexpectedFees);
        assert_eq!(r("پرداخت انجام نشد"), Reason::PaymentProblem);
        assert_eq!(r("کی میرسه؟"), Reason::ShippingTime);
        assert_eq!(r("تخفیف دارید؟"), Reason::PriceDiscount);
        assert_eq!(r("نمی\u{200c}خوام، منصرف شدم"), Reason::NotInterested);
        assert_eq!(r("سايز بزرگتر داريد؟"), Reason::ProductQuestion); // Arabic yeh folded
    }
}
