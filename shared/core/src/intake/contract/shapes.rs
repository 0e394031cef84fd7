//! The event body as the checks read it, in one pass over the bytes: the contract's fields
//! typed by position, each leaf any JSON value at all. Nothing here refuses a field — a string
//! where a number belongs is kept as a string, so `contract.rs` can name the field and say
//! what is wrong with it. Strings without escapes are borrowed from the body, unknown keys are
//! read through and dropped (`Skip`), and a repeated key keeps its last value (as a JSON object
//! read into a map would). Only bytes that are not JSON fail here.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// A value the contract does not read, read through and dropped. It is decoded as a JSON value
/// would be (nesting limited to serde_json's 128 levels, numbers in range, strings valid), so
/// a body is malformed exactly when it would be as a `serde_json::Value`; `IgnoredAny` would
/// skip it undecoded and accept what the contract's reference refuses.
pub(super) struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Skip;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_none<E>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Skip)
            }
        }
        d.deserialize_any(V)
    }
}

/// A text key or value, borrowed when the body spells it without escapes.
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value where the contract expects a leaf. Arrays and objects are skipped unread:
/// in a leaf's place they are only ever wrong.
#[derive(Default)]
pub(super) enum Leaf<'a> {
    /// Absent and `null` read the same everywhere but for an item's quantity.
    #[default]
    Null,
    Bool(bool),
    /// A whole number from 0 to `u64::MAX`.
    Whole(u64),
    /// Any other number (negative, fractional, or too large).
    OtherNumber,
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl<'de> Deserialize<'de> for Leaf<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Leaf<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Null)
            }
            fn visit_none<E>(self) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Whole(n))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Leaf<'de>, E> {
                Ok(u64::try_from(n).map_or(Leaf::OtherNumber, Leaf::Whole))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Leaf<'de>, E> {
                Ok(Leaf::OtherNumber)
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Leaf<'de>, E> {
                Ok(Leaf::Str(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Leaf<'de>, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Leaf::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Leaf<'de>, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Leaf::Object)
            }
        }
        d.deserialize_any(V)
    }
}

/// A type read from the entries of a JSON object.
pub(super) trait FromObject<'de>: Sized {
    fn from_object<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Where the contract expects an object: the object read as `T`, or what stood there instead.
#[derive(Default)]
pub(super) enum Shape<T> {
    #[default]
    Null,
    Object(T),
    /// Any other value (a string, a number, an array …), skipped unread.
    Other,
}

/// Where the contract expects a list: its elements read as `T`, or what stood there instead.
#[derive(Default)]
pub(super) enum List<T> {
    #[default]
    Null,
    Items(Vec<T>),
    Other,
}

impl<'de, T: FromObject<'de>> Deserialize<'de> for Shape<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: FromObject<'de>> Visitor<'de> for V<T> {
            type Value = Shape<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Shape<T>, A::Error> {
                T::from_object(map).map(Shape::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape<T>, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Shape::Other)
            }
            fn visit_unit<E>(self) -> Result<Shape<T>, E> {
                Ok(Shape::Null)
            }
            fn visit_none<E>(self) -> Result<Shape<T>, E> {
                Ok(Shape::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Shape<T>, E> {
                Ok(Shape::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Shape<T>, E> {
                Ok(Shape::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Shape<T>, E> {
                Ok(Shape::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Shape<T>, E> {
                Ok(Shape::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Shape<T>, E> {
                Ok(Shape::Other)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(super::MAX_ITEMS + 1));
                while let Some(it) = seq.next_element()? {
                    items.push(it);
                }
                Ok(List::Items(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(List::Other)
            }
            fn visit_unit<E>(self) -> Result<List<T>, E> {
                Ok(List::Null)
            }
            fn visit_none<E>(self) -> Result<List<T>, E> {
                Ok(List::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<List<T>, E> {
                Ok(List::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<List<T>, E> {
                Ok(List::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<List<T>, E> {
                Ok(List::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<List<T>, E> {
                Ok(List::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<List<T>, E> {
                Ok(List::Other)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A value that was present, whatever it was (`null` included); `None` when the key is absent.
/// (`Option<T>` would read `null` as absent.)
pub(super) struct Given<T>(pub(super) Option<T>);

impl<T> Default for Given<T> {
    fn default() -> Self {
        Given(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Given<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|v| Given(Some(v)))
    }
}

/// The consent object: every key and its value, sorted, the last of a repeated key kept.
#[derive(Default)]
pub(super) struct Entries<'a>(pub(super) BTreeMap<Cow<'a, str>, Leaf<'a>>);

impl<'de> FromObject<'de> for Entries<'de> {
    fn from_object<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(Text(k)) = map.next_key()? {
            out.insert(k, map.next_value()?);
        }
        Ok(Entries(out))
    }
}

/// A struct read from an object by key: each listed key into its field (the last of a repeat
/// wins), every other key skipped unread, a missing one left at its default.
macro_rules! object {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty = $key:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Default)]
        pub(super) struct $name<'a> {
            $(pub(super) $field: $ty,)*
        }

        impl<'de> FromObject<'de> for $name<'de> {
            fn from_object<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                let mut out = Self::default();
                while let Some(Text(key)) = map.next_key()? {
                    match key.as_ref() {
                        $($key => out.$field = map.next_value()?,)*
                        _ => {
                            map.next_value::<Skip>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
    };
}

object!(
    /// `POST /v1/events`'s body.
    Event {
        event_id: Leaf<'a> = "event_id",
        kind: Leaf<'a> = "type",
        occurred_at: Leaf<'a> = "occurred_at",
        cart_id: Leaf<'a> = "cart_id",
        customer: Shape<Customer<'a>> = "customer",
        cart: Shape<Cart<'a>> = "cart",
        order: Shape<Order<'a>> = "order",
    }
);

object!(Customer {
    id: Leaf<'a> = "id",
    first_name: Leaf<'a> = "first_name",
    email: Leaf<'a> = "email",
    phone: Leaf<'a> = "phone",
    locale: Leaf<'a> = "locale",
    timezone: Leaf<'a> = "timezone",
    consent: Shape<Entries<'a>> = "consent",
    consent_version: Leaf<'a> = "consent_version",
    orders_count: Leaf<'a> = "orders_count",
    push_subscription: Shape<PushSubscription<'a>> = "push_subscription",
});

object!(
    /// `PushSubscription.toJSON()`: `expirationTime` and anything else skipped.
    PushSubscription {
        endpoint: Leaf<'a> = "endpoint",
        keys: Shape<Entries<'a>> = "keys",
    }
);

object!(Cart {
    currency: Leaf<'a> = "currency",
    checkout_url: Leaf<'a> = "checkout_url",
    items: List<Shape<Item<'a>>> = "items",
});

object!(Item {
    sku: Leaf<'a> = "sku",
    name: Leaf<'a> = "name",
    // Absent is `missing_field`, `null` is `invalid_field`: the one leaf that tells them apart.
    quantity: Given<Leaf<'a>> = "quantity",
    unit_price: Leaf<'a> = "unit_price",
    url: Leaf<'a> = "url",
    image_url: Leaf<'a> = "image_url",
});

object!(Order {
    order_id: Leaf<'a> = "order_id",
    currency: Leaf<'a> = "currency",
    total: Leaf<'a> = "total",
});
