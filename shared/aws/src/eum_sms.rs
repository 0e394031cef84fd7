//! SMS through AWS End User Messaging SMS (`pinpoint-sms-voice-v2` `SendTextMessage`), the
//! AWS-native alternative to Twilio. (Not Amazon Pinpoint, which is being retired.) Recovery
//! messages are `PROMOTIONAL`; the account's opt-out list is honoured by AWS as well as by us.

use crate::errors::channel_error;
use async_trait::async_trait;
use aws_sdk_pinpointsmsvoicev2::types::MessageType;
use cartback_core::config::providers::SmsProvider;
use cartback_core::ports::{ChannelError, ChannelSender, OutgoingMessage};

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
            .context("cartback_store", &msg.store)
            .context("cartback_cart", &msg.cart)
            .context("cartback_seq", msg.seq.to_string())
            .send()
            .await
            .map_err(|e| channel_error("End User Messaging SendTextMessage", e))?;
        Ok(out.message_id.unwrap_or_else(|| "eum-accepted".into()))
    }
}
