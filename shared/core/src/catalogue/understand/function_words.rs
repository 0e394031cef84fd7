//! The small words of English, Turkish, Norwegian and Persian (also typed in Latin letters) that
//! carry no fact of their own — pronouns, articles, particles, greetings, "please" — folded as
//! the lexicon's are (`words`). What is not here, nor in the lexicon or the store's catalogue,
//! is a word the reader does not know (`coverage`).

use crate::catalogue::understand::words::Concept;
use std::sync::LazyLock;

pub static FUNCTION_WORDS: LazyLock<Concept> = LazyLock::new(|| {
    let words: Vec<String> = [EN, TR, NB, FA, FINGLISH]
        .iter()
        .flat_map(|l| l.split_whitespace())
        .map(|w| if w.ends_with('=') || w.ends_with('*') { w.to_string() } else { format!("{w}=") })
        .collect();
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    Concept::new(&refs)
});

const EN: &str = "i im i'm me my mine you your yours u ur it its it's this that these those the a an and or but so \
    is are was were be been am do does did can could would will shall should may might must \
    of for to in on at with from by about as if then than there here what which who how when where why \
    hi hello hey thanks thank thx ty please pls plz ok okay yes no not just also too still again \
    one ones some any all both each get gets up out now then really very much many more lot lots \
    we us our they them their he she his her there's what's that's don't doesn't isn't dont doesnt isnt \
    whats thats theres wanna gonna im ive i've id i'd hmm oh ah btw lol quick question q \
    want need buy buying cart basket today tonight tomorrow roughly exactly actually yet go goes put \
    getting spend total amount chance over before next till until says say looks look real irl nah \
    noob bf guy em r rn wat wud e like know think wondering wonder tell anyway mean usually euro eur order ordering \
    rather sorry good morning afternoon evening kindly same instead whether thinking checking check \
    right moment literally every everything nothing stuff gotta we've weve ourselves him normally y n ugh \
    place placing finally decided actualy";

const TR: &str = "ben sen o biz siz onlar bu su bunu sunu onu bunun bana sana size bize benim senin sizin \
    mi mı mu mü mii misiniz musunuz miyim var yok ne nasil neden niye hangi hangisi kac acaba \
    ve veya ile icin de da ki bir iki cok az daha en gibi kadar sonra once simdi hemen \
    merhaba selam slm iyi gunler tesekkurler tesekkur sagol sagolun lutfen rica ederim evet hayir tamam ok \
    bi sey seyi peki ya hani yani ama fakat ise olur mu olsun ayni \
    yoksa urun sadece tamamen olarak olmasi olani olanin nedir icinde hala bugun pardon diye elde \
    lazim gerekiyo edebilir alirsam alicam versem ustu gorunuyor siparis \
    istiyorum soruyorum yaklasik sevinirim kanka bilgi sepet sepete sepette sepetteki koydum";

const NB: &str = "jeg meg min mitt mine du deg din ditt dine dere deres vi oss vår vårt han hun den det de dem \
    er var blir ble være har hadde kan kunne vil ville skal skulle må bør \
    en ei et og eller men så som om at i på til av fra med for hos ved etter før nå da \
    hva hvilken hvilke hvem hvordan hvorfor når hvor hei hallo takk tusen mvh please pls plis ok ja nei ikke \
    bare også litt mye mer noe noen alle enda fortsatt egentlig vel jo liksom forresten dette disse denne \
    paa hvis idag inne frem ga fa slags bestiller kurven legge vanligvis euro bestille \
    lurer faktisk riktig sant sann vet eg ka kor ca enn der hjemme kveld usikker";

const FA: &str = "من تو او ما شما اونا این اون آن اینو اونو رو را از به با در که و یا هم یه یک دو \
    چی چه چطور چطوری چرا کی کجا آیا ایا لطفا لطفاً سلام مرسی ممنون ممنونم خیلی باشه بله نه آره اره \
    هست است هستش هستن بود شد میشه نمیشه می نمی ها های ای رو تا برای براتون برام مال \
    الان هنوز فقط بازم دیگه خب پس اگه اگر همین باید بشه شه نشه کنم تونم دارم بخرم خرید سبد \
    وقت امکان چیه بالا یورو سفارش \
    مطمئن مطمین پرسم بپرسم خوام میخوام حدودا حدوداً";

const FINGLISH: &str = "man to oon in ro az be ba dar ke va ya ham ye yek do chi che chetor chera ki koja aya \
    lotfan salam merci mamnoon mamnun kheili bashe bale na are hast ast hastesh bood shod mishe nemishe \
    mi nemi baraye baram alan hanooz faghat khob pas age hanuz chie bekharam e maamoolan euro sefaresh \
    bayad agar chetori motmaen mikham hodudan";
