use serde::{Deserialize, Serialize};
use std::fmt;

/// A way to reach a shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
    Whatsapp,
    /// A browser's push subscription (RFC 8030; the snippet subscribes after the shopper says
    /// yes): its address is the subscription, and a message is a notification that opens the
    /// restore link.
    Webpush,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Sms, Channel::Email, Channel::Whatsapp, Channel::Webpush];

    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Whatsapp => "whatsapp",
            Channel::Webpush => "webpush",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Phone-based channels share the phone number as their address.
    pub fn uses_phone(&self) -> bool {
        matches!(self, Channel::Sms | Channel::Whatsapp)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// WhatsApp's customer-service window: free-form messages only this long after the shopper's.
pub const WHATSAPP_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Meta's limit on a reply button's title and a call-to-action's `display_text` (Cloud API,
/// "Interactive object").
pub const WHATSAPP_BUTTON_TITLE_MAX: usize = 20;
/// Meta's limit on an interactive message's body text (Cloud API, "Interactive object").
pub const WHATSAPP_INTERACTIVE_BODY_MAX: usize = 1024;
/// Meta's limit on the reply buttons of one interactive message.
pub const WHATSAPP_REPLY_BUTTONS_MAX: usize = 3;

/// Whether the window is open at `now`, the shopper's latest WhatsApp message at `last`.
pub fn whatsapp_window_open(last: Option<jiff::Timestamp>, now: jiff::Timestamp) -> bool {
    last.is_some_and(|t| now < t + WHATSAPP_WINDOW)
}
