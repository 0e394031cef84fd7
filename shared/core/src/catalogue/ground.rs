//! A shopper's question, grounded in the store's catalogue and policies: the facts that answer
//! it, "order status", or "a person answers" with why. Every fact comes from the catalogue as
//! stored; whatever the question asks that the catalogue does not say — or that the question
//! does not say clearly (which product, which size) — goes to a person. Never a guess.

use crate::catalogue::understand::lexicon::LEXICON;
use crate::catalogue::understand::option_values;
use crate::catalogue::understand::product_names;
use crate::catalogue::understand::words::Words;
use crate::domain::catalogue::{Catalogue, OptionKind, Product, Variant};

/// What the store says beyond its catalogue (`[stores.policies]`, the free-shipping threshold).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policies {
    pub free_shipping_threshold_minor: Option<i64>,
    pub returns_days: Option<u32>,
    /// As the store writes it: "2-4".
    pub shipping_days: Option<String>,
}

/// A line of the shopper's cart; its unit price in the store's currency, or -1 when unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

/// The product (and variant) a fact is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub handle: String,
    pub title: String,
    pub url: Option<String>,
    /// The variant, when the fact is about one: its SKU (or id), id and title ("M / Grey").
    pub sku: Option<String>,
    pub variant_id: Option<String>,
    pub variant_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Available {
        of: Subject,
        available: bool,
        price_minor: i64,
    },
    Price {
        of: Subject,
        minor: i64,
    },
    Material {
        of: Subject,
        text: String,
    },
    Care {
        of: Subject,
        text: String,
    },
    Dimensions {
        of: Subject,
        text: String,
    },
    Includes {
        of: Subject,
        text: String,
    },
    BurnTime {
        of: Subject,
        text: String,
    },
    /// Values of one option in stock, per combination of the others ("Navy": S, L).
    InStock {
        of: Subject,
        option: String,
        groups: Vec<(Option<String>, Vec<String>)>,
    },
    FreeShippingThreshold {
        minor: i64,
    },
    FreeShippingRemaining {
        minor: i64,
        threshold_minor: i64,
    },
    ReturnsDays {
        days: u32,
    },
    ShippingDays {
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Grounded {
    Answer(Vec<Fact>),
    OrderStatus,
    /// Why a person answers: a topic (`discount`, `complaint`, …) or what was unclear.
    Person(&'static str),
}

#[derive(Default)]
struct Asks {
    free_threshold: bool,
    free_remaining: bool,
    returns: bool,
    shipping_days: bool,
    price: bool,
    material: bool,
    care: bool,
    dimensions: bool,
    includes: bool,
    burn: bool,
    in_stock_list: Option<OptionKind>,
    availability: bool,
}

impl Asks {
    fn about_product(&self) -> bool {
        self.price
            || self.material
            || self.care
            || self.dimensions
            || self.includes
            || self.burn
            || self.in_stock_list.is_some()
            || self.availability
    }
}

/// An order number: "order 4512", "ordre nr 10233", "sipariş no 881".
fn names_an_order(w: &Words) -> bool {
    let order_words = ["order", "ordre", "bestilling", "siparis", "سفارش", "sefaresh"];
    w.tokens.iter().enumerate().any(|(i, t)| {
        order_words.iter().any(|o| t.starts_with(o))
            && (1..=2).any(|k| w.tokens.get(i + k).is_some_and(|n| n.len() >= 3 && n.parse::<u64>().is_ok()))
    })
}

pub fn ground(question: &str, cart: &[Line], catalogue: &Catalogue, policies: &Policies) -> Grounded {
    let lx = &*LEXICON;
    let w = Words::new(question);
    if let Some((topic, _)) = lx.person_topics.iter().find(|(_, c)| c.in_(&w)) {
        return Grounded::Person(topic);
    }
    if lx.order_status.in_(&w) || names_an_order(&w) {
        return Grounded::OrderStatus;
    }
    if lx.past_purchase.in_(&w) {
        // "I bought …" beside a question about a product or a return is not "where is it?"
        // (a complaint about the last one, returning it): a person reads which.
        let other = [
            &lx.returns,
            &lx.price_strong,
            &lx.how_much,
            &lx.material_strong,
            &lx.material_noun,
            &lx.care,
            &lx.dimensions,
            &lx.includes,
            &lx.burn,
            &lx.size_word,
            &lx.colour_word,
            &lx.in_stock,
            &lx.free_word,
        ];
        return if other.iter().any(|c| c.in_(&w)) { Grounded::Person("past_order") } else { Grounded::OrderStatus };
    }
    // A word the reader does not know may change what is asked: a person reads it.
    if !crate::catalogue::understand::coverage::unknown_words(&w, &catalogue.products).is_empty() {
        return Grounded::Person("unknown_words");
    }
    let mut a = Asks::default();
    let free = (lx.shipping_word.in_(&w) && lx.free_word.in_(&w)) || lx.free_shipping_word.in_(&w);
    if free {
        // With the cart's prices known, the answer says both: the threshold and what is left.
        let priced = !cart.is_empty() && cart.iter().all(|l| l.unit_price_minor >= 0);
        if lx.remaining.in_(&w) || priced {
            a.free_remaining = true;
        } else {
            a.free_threshold = true;
        }
    }
    a.returns = lx.returns.in_(&w);
    a.shipping_days = !free && !a.returns && (lx.shipping_word.in_(&w) || lx.arrive.in_(&w)) && lx.how_long.in_(&w);
    a.burn = lx.burn.in_(&w);
    a.includes = lx.includes.in_(&w);
    a.dimensions = lx.dimensions.in_(&w) && !a.shipping_days;
    a.care = lx.care.in_(&w);
    let other = lx.other.in_(&w);
    if lx.which.in_(&w) || other || lx.plural_option.in_(&w) {
        if lx.colour_word.in_(&w) {
            a.in_stock_list = Some(OptionKind::Colour);
        } else if lx.size_word.in_(&w) {
            a.in_stock_list = Some(OptionKind::Size);
        }
    }
    let material_strong = lx.material_strong.in_(&w);
    let store_level = a.free_threshold || a.free_remaining || a.returns || a.shipping_days;
    let others = store_level || a.about_product();
    a.material = material_strong || (lx.material_noun.in_(&w) && !others);
    a.price = lx.price_strong.in_(&w) || (lx.how_much.in_(&w) && !others && !a.material);
    // "How much …" beside another question about the product: which one it asks is a person's
    // reading ("how much is it + can it go in the machine", "how much does it shrink").
    if lx.how_much.in_(&w) && !a.price && !store_level && a.about_product() {
        return Grounded::Person("two_questions");
    }
    // "How much is its size?": a price or a measure; a person reads which.
    if lx.how_much.in_(&w) && lx.size_word.in_(&w) && !lx.price_strong.in_(&w) {
        return Grounded::Person("two_questions");
    }
    // How many are left, or of anything but a set's pieces: a count the catalogue does not keep.
    if lx.how_many.in_(&w) && !a.includes {
        return Grounded::Person("count");
    }
    // A part's size ("how big are the pillowcases"): the set's measures are not the answer.
    if a.dimensions && a.includes {
        return Grounded::Person("two_questions");
    }
    // Availability is asked by a stock word, or by "have" with a size or colour named (below).
    let stock_word = lx.in_stock.in_(&w);
    // "How many pillowcases does it have?" asks a count, not whether it is in stock.
    let have_word = lx.have.in_(&w) && !lx.how_many.in_(&w);

    let mut facts = Vec::new();
    if a.free_threshold || a.free_remaining {
        let Some(threshold) = policies.free_shipping_threshold_minor else { return Grounded::Person("not_stated") };
        if a.free_remaining {
            // A line whose price is not known in the store's currency (`Line`): no sum.
            if cart.is_empty() || cart.iter().any(|l| l.unit_price_minor < 0) {
                return Grounded::Person("not_stated");
            }
            let subtotal = cart
                .iter()
                .fold(0i64, |a, l| a.saturating_add(l.unit_price_minor.saturating_mul(i64::from(l.quantity))));
            let left = threshold.saturating_sub(subtotal).max(0);
            facts.push(Fact::FreeShippingRemaining { minor: left, threshold_minor: threshold });
        } else {
            facts.push(Fact::FreeShippingThreshold { minor: threshold });
        }
    }
    if a.returns {
        let Some(days) = policies.returns_days else { return Grounded::Person("not_stated") };
        facts.push(Fact::ReturnsDays { days });
    }
    if a.shipping_days {
        let Some(text) = policies.shipping_days.clone() else { return Grounded::Person("not_stated") };
        facts.push(Fact::ShippingDays { text });
    }
    let product_question = a.about_product() || stock_word || (have_word && !store_level);
    // "Do you have it in another one?" without saying which kind: not the cart's own variant.
    if other && a.in_stock_list.is_none() && product_question {
        return Grounded::Person("not_understood");
    }
    if product_question {
        match product_facts(&w, &a, stock_word, have_word, cart, catalogue) {
            Ok(mut f) => facts.append(&mut f),
            Err(why) => return Grounded::Person(why),
        }
    }
    if facts.is_empty() { Grounded::Person("not_understood") } else { Grounded::Answer(facts) }
}

fn subject(p: &Product, v: Option<&Variant>) -> Subject {
    Subject {
        handle: p.handle.clone(),
        title: p.title.clone(),
        url: p.url.clone(),
        sku: v.map(|v| if v.sku.is_empty() { v.id.clone() } else { v.sku.clone() }),
        variant_id: v.map(|v| v.id.clone()),
        variant_title: v.filter(|_| p.variants.len() > 1).map(|v| v.title.clone()),
    }
}

/// The product the question is about: one it names (in the cart first), or the cart's only one.
fn which_product<'a>(w: &Words, cart: &[Line], catalogue: &'a Catalogue) -> Result<&'a Product, &'static str> {
    let in_cart: Vec<&Product> = {
        let mut ps: Vec<&Product> = Vec::new();
        for l in cart {
            if let Some((p, _)) = catalogue.variant(&l.sku)
                && !ps.iter().any(|q| q.handle == p.handle)
            {
                ps.push(p);
            }
        }
        ps
    };
    let named = product_names::named(w, &catalogue.products);
    let named_in_cart: Vec<&Product> =
        named.iter().copied().filter(|p| in_cart.iter().any(|c| c.handle == p.handle)).collect();
    match (named_in_cart.as_slice(), named.as_slice(), in_cart.as_slice()) {
        ([one], _, _) => Ok(one),
        ([_, _, ..], _, _) => Err("which_product"),
        ([], [one], _) => Ok(one),
        ([], [_, _, ..], _) => Err("which_product"),
        ([], [], [one]) => Ok(one),
        ([], [], []) => Err("no_cart"),
        // Several products in the cart and none named: which one is a person's guess to make,
        // not ours ("size L?" may be about the item that has no L).
        ([], [], _) => Err("which_product"),
    }
}

fn product_facts(
    w: &Words,
    a: &Asks,
    stock_word: bool,
    have_word: bool,
    cart: &[Line],
    catalogue: &Catalogue,
) -> Result<Vec<Fact>, &'static str> {
    let p = which_product(w, cart, catalogue)?;
    let named = option_values::named(w, p);
    if named.values.iter().any(|v| v.len() > 1) {
        return Err("two_values");
    }
    let names_values = named.values.iter().any(|v| !v.is_empty());
    let availability =
        stock_word && a.in_stock_list.is_none() || (have_word && names_values && a.in_stock_list.is_none());
    // A size or colour the product does not have: no answer about another one.
    if named.unmatched && (availability || a.price || a.dimensions || a.includes) {
        return Err("unknown_value");
    }
    let lines_of: Vec<&Variant> = cart
        .iter()
        .filter_map(|l| catalogue.variant(&l.sku).filter(|(q, _)| q.handle == p.handle).map(|(_, v)| v))
        .collect();
    // Two variants of it in the cart and the question does not name which: a person.
    if lines_of.len() > 1 && !named.values.iter().all(|v| v.len() == 1) {
        return Err("which_variant");
    }
    let in_cart = lines_of.first().copied();
    // The variant asked about: the cart's with the named values put in, or the named one.
    let target: Option<&Variant> = {
        let base: Option<Vec<String>> = in_cart.map(|v| v.options.clone()).or_else(|| {
            (named.values.iter().all(|v| v.len() == 1)).then(|| named.values.iter().map(|v| v[0].clone()).collect())
        });
        match base {
            Some(mut values) => {
                for (i, v) in named.values.iter().enumerate() {
                    if let (Some(x), Some(slot)) = (v.first(), values.get_mut(i)) {
                        *slot = x.clone();
                    }
                }
                match p.variant_with(&values) {
                    Some(v) => Some(v),
                    None if names_values => return Err("no_such_variant"),
                    None => None,
                }
            }
            None if p.variants.len() == 1 => p.variants.first(),
            None => None,
        }
    };
    let mut facts = Vec::new();
    if availability {
        let v = target.ok_or("which_variant")?;
        facts.push(Fact::Available { of: subject(p, Some(v)), available: v.available, price_minor: v.price_minor });
    }
    if a.price {
        match (target, p.single_price()) {
            (Some(v), _) if names_values || p.single_price().is_none() || in_cart.is_some() => {
                facts.push(Fact::Price { of: subject(p, Some(v)), minor: v.price_minor });
            }
            (_, Some(minor)) => facts.push(Fact::Price { of: subject(p, None), minor }),
            (Some(v), None) => facts.push(Fact::Price { of: subject(p, Some(v)), minor: v.price_minor }),
            (None, None) => return Err("which_variant"),
        }
    }
    if a.material {
        let text = p.facts.material.clone().ok_or("not_stated")?;
        facts.push(Fact::Material { of: subject(p, None), text });
    }
    if a.care {
        let text = p.facts.care.clone().ok_or("not_stated")?;
        facts.push(Fact::Care { of: subject(p, None), text });
    }
    let by_value = |want: fn(&crate::domain::catalogue::ValueFacts) -> Option<&String>| {
        target.and_then(|v| v.options.iter().find_map(|o| p.value_facts(o).and_then(want).cloned()).map(|t| (v, t)))
    };
    if a.dimensions {
        match (by_value(|f| f.dimensions.as_ref()), &p.facts.dimensions) {
            (Some((v, text)), _) => facts.push(Fact::Dimensions { of: subject(p, Some(v)), text }),
            (None, Some(text)) if p.facts.by_value.is_empty() => {
                facts.push(Fact::Dimensions { of: subject(p, None), text: text.clone() });
            }
            _ => return Err("not_stated"),
        }
    }
    if a.includes {
        let (v, text) = by_value(|f| f.includes.as_ref()).ok_or("not_stated")?;
        facts.push(Fact::Includes { of: subject(p, Some(v)), text });
    }
    if a.burn {
        let text = p.facts.burn_time.clone().ok_or("not_stated")?;
        facts.push(Fact::BurnTime { of: subject(p, None), text });
    }
    if let Some(kind) = a.in_stock_list {
        // "Which sizes does the navy one come in?" names a colour with the colour word: the
        // list asked for is of the option whose value it does not name.
        let named_of =
            |k: OptionKind| p.option_of_kind(k).and_then(|i| named.values.get(i)).is_some_and(|v| !v.is_empty());
        let flip = match kind {
            OptionKind::Colour => OptionKind::Size,
            _ => OptionKind::Colour,
        };
        let kind = if named_of(kind) && !named_of(flip) && p.option_of_kind(flip).is_some() { flip } else { kind };
        facts.push(in_stock(p, kind, &named.values)?);
    }
    Ok(facts)
}

/// The values of one option in stock; per value of the other option when the question names
/// none of it ("in Navy: S, L; in Grey: M, L").
fn in_stock(p: &Product, kind: OptionKind, named: &[Vec<String>]) -> Result<Fact, &'static str> {
    let i = p.option_of_kind(kind).ok_or("not_stated")?;
    let distinct = |k: usize| -> Vec<String> {
        let mut vs: Vec<String> = Vec::new();
        for v in p.variants.iter().filter_map(|v| v.options.get(k)) {
            if !vs.contains(v) {
                vs.push(v.clone());
            }
        }
        vs
    };
    // Products with more than two options are grouped by none (the list is of any combination).
    let other = (p.options.len() == 2).then(|| 1 - i);
    let groups: Vec<Option<String>> = match other {
        Some(o) => match named.get(o).and_then(|v| v.first()) {
            Some(v) => vec![Some(v.clone())],
            None if distinct(o).len() > 1 => distinct(o).into_iter().map(Some).collect(),
            None => vec![None],
        },
        None => vec![None],
    };
    let mut out = Vec::new();
    for g in groups {
        let values: Vec<String> = distinct(i)
            .into_iter()
            .filter(|val| {
                p.variants.iter().any(|v| {
                    v.available
                        && v.options.get(i) == Some(val)
                        && match (&g, other) {
                            (Some(gv), Some(o)) => v.options.get(o) == Some(gv),
                            _ => true,
                        }
                })
            })
            .collect();
        out.push((g, values));
    }
    Ok(Fact::InStock { of: subject(p, None), option: p.options[i].clone(), groups: out })
}
