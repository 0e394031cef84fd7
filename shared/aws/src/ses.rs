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

/// RFC 2047 for non-ASCII header text.
fn encoded_word(s: &str) -> String {
    let s = one_line(s);
    if s.is_ascii() { s } else { format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(s)) }
}

fn base64_lines(s: &str) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    b.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\r\n")
}

/// The MIME message SES sends. `boundary` is fixed per message by its seq and cart.
pub fn mime(msg: &OutgoingMessage, from: &str) -> String {
    let boundary =
        format!("cartback-{}-{}", msg.seq, msg.cart.bytes().fold(0u32, |h, b| h.wrapping_mul(31) ^ u32::from(b)));
    let mut m = String::new();
    m.push_str(&format!("From: {}\r\n", one_line(from)));
    m.push_str(&format!("To: {}\r\n", one_line(&msg.to)));
    m.push_str(&format!("Subject: {}\r\n", encoded_word(msg.subject.as_deref().unwrap_or("Your cart"))));
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
            .data(Blob::new(mime(msg, from)))
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
