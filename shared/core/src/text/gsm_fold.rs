//! A name in GSM-7 letters: how an SMS over its segment cap keeps a shopper's name without
//! turning the whole message into UCS-2 (which halves what fits). Letters with diacritics GSM-7
//! lacks lose them (Zoë → Zoe, Łukasz → Lukasz, Dāvis → Davis, Ayşe → Ayse); letters GSM-7 has
//! are kept (Åse, Jørgen, Müller, Çelik); anything else (emoji, other scripts) is dropped.

use crate::text::sms_segments::{Encoding, segments};

/// Pairs of (letters, their GSM-7 base letter).
const BASES: &[(&str, char)] = &[
    ("áâãāăąǎȁȃạảấầẩẫậắằẳẵặ", 'a'),
    ("ÁÂÃĀĂĄǍȀȂẠẢẤẦẨẪẬẮẰẲẴẶ", 'A'),
    ("çćĉċč", 'c'),
    ("ĆĈĊČ", 'C'),
    ("ďđ", 'd'),
    ("ĎĐÐ", 'D'),
    ("êëēĕėęěȅȇẹẻẽếềểễệ", 'e'),
    ("ÈÊËĒĔĖĘĚȄȆẸẺẼẾỀỂỄỆ", 'E'),
    ("ĝğġģ", 'g'),
    ("ĜĞĠĢ", 'G'),
    ("ĥħ", 'h'),
    ("ĤĦ", 'H'),
    ("íîïĩīĭįıǐȉȋịỉ", 'i'),
    ("ÍÎÏĨĪĬĮİǏȈȊỊỈ", 'I'),
    ("ĵ", 'j'),
    ("Ĵ", 'J'),
    ("ķ", 'k'),
    ("Ķ", 'K'),
    ("ĺļľŀł", 'l'),
    ("ĹĻĽĿŁ", 'L'),
    ("ńņňŉ", 'n'),
    ("ŃŅŇ", 'N'),
    ("óôõōŏőǒȍȏọỏốồổỗộớờởỡợơ", 'o'),
    ("ÓÔÕŌŎŐǑȌȎỌỎỐỒỔỖỘỚỜỞỠỢƠ", 'O'),
    ("ŕŗř", 'r'),
    ("ŔŖŘ", 'R'),
    ("śŝşšș", 's'),
    ("ŚŜŞŠȘ", 'S'),
    ("ţťŧț", 't'),
    ("ŢŤŦȚ", 'T'),
    ("úûũūŭůűųǔȕȗụủứừửữựư", 'u'),
    ("ÚÛŨŪŬŮŰŲǓȔȖỤỦỨỪỬỮỰƯ", 'U'),
    ("ŵ", 'w'),
    ("Ŵ", 'W'),
    ("ýÿŷỳỵỷỹ", 'y'),
    ("ÝŸŶỲỴỶỸ", 'Y'),
    ("źżž", 'z'),
    ("ŹŻŽ", 'Z'),
];

pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let mut buf = [0u8; 4];
        if segments(c.encode_utf8(&mut buf)).encoding == Encoding::Gsm7 {
            out.push(c);
        } else if let Some((_, base)) = BASES.iter().find(|(letters, _)| letters.contains(c)) {
            out.push(*base);
        }
    }
    // An emoji or a script dropped whole may leave doubled or trailing spaces.
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fold;
    use crate::text::sms_segments::{Encoding, segments};

    #[test]
    fn names_keep_their_letters_in_gsm7() {
        for (name, want) in [
            ("Zoë", "Zoe"),
            ("Chloë", "Chloe"),
            ("Łukasz", "Lukasz"),
            ("Dāvis", "Davis"),
            ("Ayşe Yılmaz", "Ayse Yilmaz"),
            ("Åse Jørgensen", "Åse Jørgensen"),
            ("Çelik Müller", "Çelik Müller"),
            ("Kari 🌸", "Kari"),
            ("سارا", ""),
        ] {
            let got = fold(name);
            assert_eq!(got, want, "{name}");
            assert!(got.is_empty() || segments(&got).encoding == Encoding::Gsm7, "{name}");
        }
    }
}
