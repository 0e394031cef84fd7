//! E-mail through Amazon SES v2 (`SendEmail`), as a raw MIME message so it carries everything a
//! recovery e-mail needs: a text and an HTML part, and RFC 8058 one-click unsubscribe headers
//! (`List-Unsubscribe` with the signed URL, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`),
//! which Gmail and Yahoo require of bulk senders.

use crate::errors::channel_error;
use async_trait::async_trait;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, MessageTag, RawMessage};
use base64::Engine as _;
use cartback_core::config::providers::EmailProvider;
use cartback_core::ports::{ChannelError, ChannelSender, OutgoingMessage};

pub struct SesEmail {
    client: aws_sdk_sesv2::Client,
    /// The stack's configuration set (`CARTBACK_SES_CONFIGURATION_SET`), which publishes
    /// delivery, bounce and complaint events back to Cartback; a store may name its own.
    default_configuration_set: Option<String>,
}

impl SesEmail {
    pub fn new(client: aws_sdk_sesv2::Client) -> SesEmail {
        SesEmail { client, default_configuration_set: None }
    }

    pub fn with_configuration_set(mut self, name: Option<String>) -> SesEmail {
        self.default_configuration_set = name;
        self
    }
}

/// Header values come from configuration and shopper data: no line breaks may reach them.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect()
}

/// RFC 2047 for non-ASCII header text: encoded words of at most 75 characters each (so at most
/// 45 bytes of UTF-8, whole characters), folded onto continuation lines.
fn encoded_word(s: &str) -> String {
    let s = one_line(s);
    if s.is_ascii() {
        return s;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// `From`: a display name with non-ASCII letters is encoded (RFC 2047), an ASCII one with
/// specials quoted; the address is kept as given.
fn from_header(from: &str) -> String {
    let from = one_line(from);
    let Some((name, rest)) = from.split_once('<') else { return from };
    let name = name.trim().trim_matches('"').trim();
    let addr = format!("<{}", rest.trim());
    if name.is_empty() {
        addr
    } else if !name.is_ascii() {
        format!("{} {addr}", encoded_word(name))
    } else if name.contains(|c: char| "()<>[]:;@\\,.\"".contains(c)) {
        format!("\"{}\" {addr}", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        format!("{name} {addr}")
    }
}

/// The domain of the sender's address, for `Message-ID`.
fn sender_domain(from: &str) -> String {
    let addr = from.rsplit_once('<').map_or(from, |(_, a)| a).trim_end_matches('>').trim();
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim())
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or("cartback.invalid")
        .to_string()
}

fn base64_lines(s: &str) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    b.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\r\n")
}

/// The MIME message SES sends, written at `date`. `boundary` and `Message-ID` are fixed per
/// message by its store, cart and seq (a resend of the same claim is the same message).
pub fn mime(msg: &OutgoingMessage, from: &str, date: jiff::Timestamp) -> String {
    let hash = |s: &str| s.bytes().fold(0u32, |h, b| h.wrapping_mul(31) ^ u32::from(b));
    let boundary = format!("cartback-{}-{}", msg.seq, hash(&msg.cart));
    let mut m = String::new();
    m.push_str(&format!("From: {}\r\n", from_header(from)));
    m.push_str(&format!("To: {}\r\n", one_line(&msg.to)));
    m.push_str(&format!("Subject: {}\r\n", encoded_word(msg.subject.as_deref().unwrap_or("Your cart"))));
    // RFC 5322 §3.3: the origination date, in UTC.
    m.push_str(&format!(
        "Date: {}\r\n",
        date.to_zoned_datetime(jiff::tz::TimeZone::UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    ));
    m.push_str(&format!(
        "Message-ID: <cartback.{:08x}.{:08x}.{}@{}>\r\n",
        hash(&msg.store),
        hash(&msg.cart),
        msg.seq,
        sender_domain(from)
    ));
    m.push_str("MIME-Version: 1.0\r\n");
    if let Some(u) = &msg.unsubscribe_url {
        m.push_str(&format!("List-Unsubscribe: <{}>\r\n", one_line(u)));
        m.push_str("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    }
    m.push_str(&format!("Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"));
    for (kind, part) in [("plain", Some(msg.body.as_str())), ("html", msg.html.as_deref())] {
        let Some(part) = part else { continue };
        m.push_str(&format!("--{boundary}\r\n"));
        m.push_str(&format!("Content-Type: text/{kind}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
        m.push_str(&base64_lines(part));
        m.push_str("\r\n");
    }
    m.push_str(&format!("--{boundary}--\r\n"));
    m
}

#[async_trait]
impl ChannelSender for SesEmail {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let EmailProvider::Ses { from, configuration_set } = &msg.providers.email else {
            return Err(ChannelError::Permanent("the store's e-mail provider is not ses".into()));
        };
        let raw = RawMessage::builder()
            .data(Blob::new(mime(msg, from, jiff::Timestamp::now())))
            .build()
            .map_err(|e| ChannelError::Permanent(format!("ses: {e}")))?;
        let out = self
            .client
            .send_email()
            .from_email_address(one_line(from))
            .destination(Destination::builder().to_addresses(one_line(&msg.to)).build())
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(configuration_set.clone().or_else(|| self.default_configuration_set.clone()))
            .set_email_tags(Some(
                cartback_core::feedback::ses_events::tags(&msg.store, &msg.cart, msg.seq)
                    .into_iter()
                    .filter_map(|(k, v)| MessageTag::builder().name(k).value(v).build().ok())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| channel_error("SES SendEmail", e))?;
        Ok(out.message_id.unwrap_or_else(|| "ses-accepted".into()))
    }
}
