//! `ProviderChannel`: one `ChannelSender` for every channel, sending each message through the
//! provider its store configured (`[stores.sms]`, `[stores.email]`, `[stores.whatsapp]`). The
//! AWS-native providers (SES, End User Messaging SMS) are built by the AWS crate and handed in.

use crate::{Endpoints, http_client, twilio, whatsapp};
use async_trait::async_trait;
use cartback_core::config::providers::{EmailProvider, SmsProvider, WebpushProvider, WhatsappProvider};
use cartback_core::domain::Channel;
use cartback_core::ports::{ChannelError, ChannelSender, OutgoingMessage};
use std::sync::Arc;

pub struct ProviderChannel {
    /// Built at the first HTTPS send: loading the system's root certificates is file I/O that
    /// functions which never call Twilio or Meta (and every cold start) should not pay.
    http: std::sync::OnceLock<reqwest::Client>,
    endpoints: Endpoints,
    console: Arc<dyn ChannelSender>,
    ses: Option<Arc<dyn ChannelSender>>,
    aws_sms: Option<Arc<dyn ChannelSender>>,
    /// Web push's client: it refuses addresses inside the network whatever a name resolves to.
    push_http: std::sync::OnceLock<reqwest::Client>,
}

impl ProviderChannel {
    /// `console` carries every channel a store leaves on `console`.
    pub fn new(endpoints: Endpoints, console: Arc<dyn ChannelSender>) -> ProviderChannel {
        ProviderChannel {
            http: std::sync::OnceLock::new(),
            endpoints,
            console,
            ses: None,
            aws_sms: None,
            push_http: std::sync::OnceLock::new(),
        }
    }

    pub fn with_ses(mut self, ses: Arc<dyn ChannelSender>) -> ProviderChannel {
        self.ses = Some(ses);
        self
    }

    pub fn with_aws_sms(mut self, sms: Arc<dyn ChannelSender>) -> ProviderChannel {
        self.aws_sms = Some(sms);
        self
    }

    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| http_client(self.endpoints.timeout))
    }

    fn unavailable(what: &str) -> ChannelError {
        // A deployment without that provider's client is misconfigured: retrying cannot help.
        ChannelError::Permanent(format!("{what} is configured for this store but not available in this deployment"))
    }
}

#[async_trait]
impl ChannelSender for ProviderChannel {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let p = &msg.providers;
        match msg.channel {
            Channel::Sms => match &p.sms {
                SmsProvider::Console => self.console.send(msg).await,
                SmsProvider::Twilio { account_sid, auth_token, from, messaging_service_sid } => {
                    let account = twilio::TwilioAccount {
                        account_sid,
                        auth_token: auth_token.expose(),
                        from: from.as_deref(),
                        messaging_service_sid: messaging_service_sid.as_deref(),
                    };
                    twilio::send(self.http(), &self.endpoints.twilio, msg, &account).await
                }
                SmsProvider::Aws { .. } => match &self.aws_sms {
                    Some(s) => s.send(msg).await,
                    None => Err(Self::unavailable("AWS End User Messaging SMS")),
                },
            },
            Channel::Email => match &p.email {
                EmailProvider::Console => self.console.send(msg).await,
                EmailProvider::Ses { .. } => match &self.ses {
                    Some(s) => s.send(msg).await,
                    None => Err(Self::unavailable("Amazon SES")),
                },
            },
            Channel::Whatsapp => match &p.whatsapp {
                WhatsappProvider::Console => self.console.send(msg).await,
                WhatsappProvider::Meta { phone_number_id, access_token, template } => {
                    let e = &self.endpoints;
                    whatsapp::send(
                        self.http(),
                        &e.meta_graph,
                        &e.meta_version,
                        msg,
                        &whatsapp::Account { phone_number_id, token: access_token.expose(), template },
                    )
                    .await
                }
            },
            Channel::Webpush => match &p.webpush {
                WebpushProvider::Console => self.console.send(msg).await,
                WebpushProvider::Vapid(v) => {
                    let reach = self.endpoints.push_reach;
                    let http =
                        self.push_http.get_or_init(|| crate::outbound_target::client(self.endpoints.timeout, reach));
                    crate::web_push::channel::send((http, reach), v, msg).await
                }
            },
        }
    }
}
