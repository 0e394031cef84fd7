//! SMS through AWS End User Messaging SMS (`pinpoint-sms-voice-v2` `SendTextMessage`), the
//! AWS-native alternative to Twilio. (Not Amazon Pinpoint, which is being retired.) Recovery
//! messages are `PROMOTIONAL`; the account's opt-out list is honoured by AWS as well as by us.

use crate::errors::channel_error;
use async_trait::async_trait;
use aws_sdk_pinpointsmsvoicev2::types::MessageType;
use cartback_core::config::providers::SmsProvider;
use cartback_core::ports::{ChannelError, ChannelSender, OutgoingMessage};

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

pub struct EumSms {
    client: aws_sdk_pinpointsmsvoicev2::Client,
}

impl EumSms {
    pub fn new(client: aws_sdk_pinpointsmsvoicev2::Client) -> EumSms {
        EumSms { client }
    }
}

#[async_trait]
impl ChannelSender for EumSms {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let SmsProvider::Aws { origination_identity, configuration_set } = &msg.providers.sms else {
            return Err(ChannelError::Permanent("the store's SMS provider is not aws".into()));
        };
        let out = self
            .client
            .send_text_message()
            .destination_phone_number(&msg.to)
            .message_body(&msg.body)
            .message_type(MessageType::Promotional)
            .set_origination_identity(origination_identity.clone())
            .set_configuration_set_name(configuration_set.clone())
            // Context values must be non-blank without whitespace (`\\S+`, at most 800
            // characters): ids are sent base64url, as SES tags are (ses_events::tags).
            .context("cartback_store", b64(&msg.store))
            .context("cartback_cart", b64(&msg.cart))
            .context("cartback_seq", msg.seq.to_string())
            // The provider drops the text rather than deliver it after the recipient's window
            // closes (SendTextMessage `TimeToLive`: 5 to 259 200 seconds, default 72 hours).
            .set_time_to_live(msg.valid_for_secs.map(|s| s.clamp(5, 259_200) as i32))
            .send()
            .await
            .map_err(|e| channel_error("End User Messaging SendTextMessage", e))?;
        Ok(out.message_id.unwrap_or_else(|| "eum-accepted".into()))
    }
}
